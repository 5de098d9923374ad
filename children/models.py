"""Children without parental care and the institutions (children's homes) they live in."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce, NullIf
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from core.choices import HealthNeeds, Sex
from core.dates import date_range_constraints, validate_not_future, validate_sane_date
from core.iin import validate_iin, validate_iin_matches
from core.models import MultilingualNameMixin, TimeStampedModel
from core.names import NameSearchable, search_text_index
from core.text import NOTES_MAX_LENGTH, max_length


class HomeType(models.TextChoices):
    BABY_HOME = "baby_home", _("baby home (0–3)")
    CHILDRENS_HOME = "childrens_home", _("children's home")
    BOARDING_SCHOOL = "boarding_school", _("boarding school")
    FAMILY_VILLAGE = "family_village", _("family-type children's village")
    YOUTH_HOME = "youth_home", _("youth home (after 18)")


class ChildrensHome(MultilingualNameMixin, TimeStampedModel):
    """A children's home, named in the three working languages as regions and units are
    (core.models.MultilingualNameMixin: ``name`` follows the reader's language). The Russian name is
    the one a home is registered under; a home without its Kazakh or English name yet shows it."""

    HomeType = HomeType

    name_kk = models.CharField(_("name (Kazakh)"), max_length=200, blank=True)
    name_ru = models.CharField(_("name (Russian)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    home_type = models.CharField(_("type"), max_length=20, choices=HomeType.choices)
    region = models.ForeignKey("regions.Region", verbose_name=_("region"), on_delete=models.PROTECT, related_name="homes")
    capacity = models.PositiveIntegerField(_("capacity"))
    address = models.CharField(_("address"), max_length=300, blank=True)

    class Meta:
        ordering = ["name_ru"]
        verbose_name = _("children's home")
        verbose_name_plural = _("children's homes")
        constraints = [
            models.CheckConstraint(condition=Q(capacity__gt=0), name="home_capacity_positive"),
            models.CheckConstraint(
                condition=Q(home_type__in=HomeType.values), name="home_type_valid"
            ),
        ]
        indexes = [models.Index(fields=["region", "home_type"])]

    @staticmethod
    def name_in_language() -> Coalesce:
        """The home's name in the active language as a database expression (the Russian one where
        that language's is empty), for lists read as rows and sorted by the name the reader sees."""
        language = (get_language() or "ru")[:2]
        column = f"name_{language}" if language in ("kk", "en") else "name_ru"
        return Coalesce(NullIf(F(column), Value("")), F("name_ru"))


class SiblingGroup(TimeStampedModel):
    """Brothers and sisters who should be placed together unless a recorded decision says otherwise."""

    notes = models.TextField(_("notes"), **max_length(NOTES_MAX_LENGTH), blank=True)

    class Meta:
        verbose_name = _("sibling group")
        verbose_name_plural = _("sibling groups")

    def __str__(self) -> str:
        return _("Sibling group %(id)s") % {"id": self.pk}


class LegalStatus(models.TextChoices):
    """Why the child is without parental care. It decides whether adoption is open to the child."""

    ORPHAN = "orphan", _("orphan (both parents dead)")
    PARENTAL_RIGHTS_REMOVED = "rights_removed", _("parental rights removed")
    PARENTAL_RIGHTS_RESTRICTED = "rights_restricted", _("parental rights restricted")
    RELINQUISHED = "relinquished", _("parents consented to adoption")
    PARENTS_UNKNOWN = "parents_unknown", _("parents unknown (found child)")
    PARENTS_MISSING = "parents_missing", _("parents declared missing or dead by court")
    PARENTS_INCAPABLE = "parents_incapable", _("parents declared legally incapable")
    PARENTS_IN_PRISON = "parents_in_prison", _("parents serving a sentence")
    TEMPORARY_CARE = "temporary_care", _("temporarily placed by parents")


# Statuses under which a court may order adoption without further consent. Statuses not listed
# (restricted rights, prison, temporary care) allow only guardianship-type forms of care.
ADOPTABLE_LEGAL_STATUSES = frozenset(
    {
        LegalStatus.ORPHAN,
        LegalStatus.PARENTAL_RIGHTS_REMOVED,
        LegalStatus.RELINQUISHED,
        LegalStatus.PARENTS_UNKNOWN,
        LegalStatus.PARENTS_MISSING,
        LegalStatus.PARENTS_INCAPABLE,
    }
)


class Child(NameSearchable, TimeStampedModel):
    # Fields a user sees only with the view_sensitive permission on the child's case. The health
    # needs category and the SDQ score (a behavioural screening result) are health data like the
    # notes (issue 14). Values derived from these (risk factors, matching explanations, filters,
    # the admin) carry the same sensitivity.
    SENSITIVE_FIELDS = ("health_notes", "birth_family_notes", "abuse_history_notes", "abuse_or_neglect_history",
                        "health_needs", "sdq_total_difficulties")

    last_name = models.CharField(_("last name"), max_length=100)
    first_name = models.CharField(_("first name"), max_length=100)
    patronymic = models.CharField(_("patronymic"), max_length=100, blank=True)
    birth_date = models.DateField(_("birth date"), validators=[validate_sane_date, validate_not_future])
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    iin = models.CharField(_("IIN"), max_length=12, null=True, blank=True, validators=[validate_iin])
    legal_status = models.CharField(_("legal status"), max_length=20, choices=LegalStatus.choices)
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("region of registration"), on_delete=models.PROTECT, related_name="children"
    )
    current_home = models.ForeignKey(
        ChildrensHome, verbose_name=_("current children's home"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="residents",
    )
    sibling_group = models.ForeignKey(
        SiblingGroup, verbose_name=_("sibling group"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="children",
    )
    entered_care_on = models.DateField(_("entered care on"), validators=[validate_sane_date, validate_not_future])
    health_needs = models.PositiveSmallIntegerField(_("health needs"), choices=HealthNeeds.choices, default=HealthNeeds.NONE)
    # Sensitive: shown only with view_sensitive on the case.
    health_notes = models.TextField(_("health and disability notes"), **max_length(NOTES_MAX_LENGTH), blank=True)
    birth_family_notes = models.TextField(_("birth family"), **max_length(NOTES_MAX_LENGTH), blank=True)
    abuse_or_neglect_history = models.BooleanField(_("history of abuse or neglect"), default=False)
    abuse_history_notes = models.TextField(_("abuse or neglect history"), **max_length(NOTES_MAX_LENGTH), blank=True)
    # Strengths and Difficulties Questionnaire total (0–40): the best-validated predictor of breakdown.
    sdq_total_difficulties = models.PositiveSmallIntegerField(_("SDQ total difficulties score"), null=True, blank=True)

    class Meta:
        ordering = ["last_name", "first_name"]
        verbose_name = _("child")
        verbose_name_plural = _("children")
        constraints = [
            # A found child may have no IIN yet; one that has an IIN never shares it.
            models.UniqueConstraint(fields=["iin"], condition=Q(iin__isnull=False), name="child_iin_unique_when_present"),
            models.CheckConstraint(condition=Q(iin__isnull=True) | Q(iin__regex=r"^[0-9]{12}$"), name="child_iin_twelve_digits"),
            models.CheckConstraint(condition=Q(sex__in=["M", "F"]), name="child_sex_valid"),
            models.CheckConstraint(condition=Q(legal_status__in=LegalStatus.values), name="child_legal_status_valid"),
            models.CheckConstraint(condition=Q(health_needs__lte=3), name="child_health_needs_valid"),
            models.CheckConstraint(condition=Q(entered_care_on__gte=models.F("birth_date")), name="child_entered_care_after_birth"),
            models.CheckConstraint(
                condition=Q(sdq_total_difficulties__isnull=True) | Q(sdq_total_difficulties__lte=40), name="child_sdq_range"
            ),
            *date_range_constraints("child", ["birth_date", "entered_care_on"]),
        ]
        indexes = [
            models.Index(fields=["region", "birth_date"]),
            models.Index(fields=["birth_date", "last_name"]),
            models.Index(fields=["current_home"]),
            models.Index(fields=["sibling_group"]),
            search_text_index("child"),
        ]

    def __str__(self) -> str:
        return f"{self.last_name} {self.first_name}"

    def clean(self) -> None:
        if self.birth_date and self.entered_care_on and self.entered_care_on < self.birth_date:
            raise ValidationError({"entered_care_on": _("A child cannot enter care before their birth date.")})
        if self.iin == "":
            self.iin = None
        if self.iin:
            try:
                validate_iin(self.iin)
            except ValidationError:
                return  # the field validator reports it
            errors = validate_iin_matches(self.iin, birth_date=self.birth_date, sex=self.sex)
            if errors:
                raise ValidationError(errors)

    @property
    def adoption_permitted(self) -> bool:
        return self.legal_status in ADOPTABLE_LEGAL_STATUSES
