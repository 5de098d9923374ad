"""Prospective families (candidates): their applicants, preferences, certificates and approval."""

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Least
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.choices import FormOfCare, HealthNeeds, Sex
from core.dates import AHEAD_DATE, PAST_DATE, date_range_constraints, day_text, validate_not_future, validate_sane_date
from core.iin import validate_iin, validate_iin_matches
from core.models import CheckConstraintsInOneQuery, TimeStampedModel
from core.names import NameSearchable, search_text_index
from core.text import REASON_MAX_LENGTH, max_length


class ApprovalStatus(models.TextChoices):
    APPLIED = "applied", _("applied")
    UNDER_ASSESSMENT = "under_assessment", _("under assessment")
    APPROVED = "approved", _("approved")
    SUSPENDED = "suspended", _("suspended")
    REJECTED = "rejected", _("rejected")
    WITHDRAWN = "withdrawn", _("withdrawn")


# What the pages and the API call a family whose approval was asked for and waits for a supervisor's
# decision (Family.approval_requested_at set). Not a stored status: the request keeps the status it had
# ("under assessment"), which families never sent share (Family.approval_status_label).
AWAITING_APPROVAL = pgettext_lazy("a family's approval status", "awaiting approval")


class CarerCheckFailure(models.TextChoices):
    """Why a carer may no longer care for a child (the rule in force since 4 February 2026)."""

    CONVICTION = "conviction", _("conviction")
    PSYCHIATRIC_REGISTRATION = "psychiatric", _("registered with a psychiatric service")
    NARCOLOGICAL_REGISTRATION = "narcological", _("registered with a narcological service")
    PROSECUTION = "prosecution", _("under criminal prosecution")


class ApplicantLeaving(models.TextChoices):
    """How an applicant left the family: each suspends the family's approval until a new home study."""

    DEATH = "death", _("death")
    DIVORCE = "divorce", _("divorce")
    DEPARTURE = "departure", _("moved out of the family")


# The badge of an applicant who left the family (its page, its edit form): how and when, as a label
# ("Died on 2 November 2026"), not the reason's name and a date side by side ("death 2 November 2026").
# By the applicant's sex, which a Russian verb agrees with («Умер» / «Умерла»).
LEFT_FAMILY_BADGES = {
    (ApplicantLeaving.DEATH, Sex.MALE): pgettext_lazy("a man", "Died on %(date)s"),
    (ApplicantLeaving.DEATH, Sex.FEMALE): pgettext_lazy("a woman", "Died on %(date)s"),
    (ApplicantLeaving.DIVORCE, Sex.MALE): pgettext_lazy("a man", "Divorced on %(date)s"),
    (ApplicantLeaving.DIVORCE, Sex.FEMALE): pgettext_lazy("a woman", "Divorced on %(date)s"),
    (ApplicantLeaving.DEPARTURE, Sex.MALE): pgettext_lazy("a man", "Moved out of the family on %(date)s"),
    (ApplicantLeaving.DEPARTURE, Sex.FEMALE): pgettext_lazy("a woman", "Moved out of the family on %(date)s"),
}


class SuspensionKind(models.TextChoices):
    """What suspended a family's approval (families.services._suspend); "" while nothing does."""

    APPLICANT_LEFT = "applicant_left", _("an applicant left the family")
    CARER_CHECK_FAILED = "carer_check_failed", _("the carers' check failed")
    # A reason written as text: by hand or imported, or stored before the reason was kept as data
    # and not in the services' form (families migration 0010).
    OTHER = "other", _("other")


class Family(CheckConstraintsInOneQuery, TimeStampedModel):
    ApprovalStatus = ApprovalStatus
    SuspensionKind = SuspensionKind

    class PreferredSex(models.TextChoices):
        ANY = "", _("either")
        MALE = Sex.MALE.value, Sex.MALE.label
        FEMALE = Sex.FEMALE.value, Sex.FEMALE.label

    # The address is personal data; the region decides "same region first" in matching.
    region = models.ForeignKey("regions.Region", verbose_name=_("region"), on_delete=models.PROTECT, related_name="families")
    responsible_unit = models.ForeignKey(
        "accounts.OrganisationalUnit", verbose_name=_("responsible unit"), on_delete=models.PROTECT,
        related_name="families",
    )
    address = models.CharField(_("address"), max_length=300, blank=True)
    form_of_care = models.CharField(_("form of care sought"), max_length=20, choices=FormOfCare.choices)
    applied_on = models.DateField(_("applied on"), validators=[validate_sane_date, validate_not_future])
    # Preferences
    preferred_age_min = models.PositiveSmallIntegerField(_("youngest age accepted"), default=0)
    preferred_age_max = models.PositiveSmallIntegerField(_("oldest age accepted"), default=17)
    preferred_sex = models.CharField(_("preferred sex"), max_length=1, choices=PreferredSex.choices, blank=True, default="")
    max_siblings = models.PositiveSmallIntegerField(_("number of children accepted together"), default=1)
    max_health_needs = models.PositiveSmallIntegerField(
        _("health needs accepted"), choices=HealthNeeds.choices, default=HealthNeeds.MINOR
    )
    # Certificates: the home study and the school-of-adoptive-parents training.
    home_study_issued_on = models.DateField(_("home study issued on"), null=True, blank=True, validators=PAST_DATE)
    home_study_expires_on = models.DateField(_("home study expires on"), null=True, blank=True, validators=AHEAD_DATE)
    training_certificate_number = models.CharField(_("training certificate number"), max_length=50, blank=True)
    training_issued_on = models.DateField(_("training certificate issued on"), null=True, blank=True, validators=PAST_DATE)
    training_expires_on = models.DateField(_("training certificate expires on"), null=True, blank=True, validators=AHEAD_DATE)
    # The psychological training a professional foster family's carer needs (cases.FormOfCareRule).
    psychological_training_certificate_number = models.CharField(
        _("psychological training certificate number"), max_length=50, blank=True, default="", db_default=""
    )
    psychological_training_issued_on = models.DateField(
        _("psychological training certificate issued on"), null=True, blank=True, validators=PAST_DATE
    )
    approval_status = models.CharField(
        _("approval status"), max_length=20, choices=ApprovalStatus.choices, default=ApprovalStatus.APPLIED
    )
    approved_on = models.DateField(_("approved on"), null=True, blank=True, validators=PAST_DATE)
    approval_expires_on = models.DateField(_("approval expires on"), null=True, blank=True, validators=AHEAD_DATE)
    # A change in the family (an applicant died, divorced or left) or a failed carer check suspends
    # the approval until a new home study (families.services.record_home_study).
    suspended_on = models.DateField(_("approval suspended on"), null=True, blank=True, validators=PAST_DATE)
    # Why, as data (constraint family_suspension_reason_fields), written in each reader's language by
    # families.reasons.suspension_text: the kind; the ApplicantLeaving or CarerCheckFailure value;
    # the date is suspended_on (the services suspend on the day of the change or the check).
    suspension_kind = models.CharField(_("why the approval is suspended"), max_length=20, choices=SuspensionKind.choices,
                                       blank=True, default="", db_default="")
    suspension_code = models.CharField(_("reason for the suspension"), max_length=20, blank=True, default="", db_default="")
    # The applicant who left (or whom the failed carer check concerns, when recorded). SET_NULL, not
    # PROTECT: an applicant's row may still be deleted (the admin), which must not be refused
    # (families.services.update_family keeps a departed applicant's); the name as it was on the day is
    # kept beside it (Applicant.__str__: two names of 100 characters and a space).
    suspension_applicant = models.ForeignKey(
        "Applicant", verbose_name=_("applicant who left"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    suspension_applicant_name = models.CharField(_("name of the applicant who left"), max_length=201, blank=True,
                                                 default="", db_default="")
    # Only for the kind "other": the reason as written.
    suspension_note = models.CharField(_("reason for the suspension, as written"), max_length=200, blank=True,
                                       default="", db_default="")
    carer_check_failure = models.CharField(_("failed carer check"), max_length=20, choices=CarerCheckFailure.choices,
                                           blank=True, default="", db_default="")
    carer_check_failed_on = models.DateField(_("carer check failed on"), null=True, blank=True,
                                             validators=PAST_DATE)
    # Whom the failed check concerns: a conviction, a registration or a prosecution is a person's
    # (DOMAIN.md, carer checks), one of the family's applicants (families.services.record_carer_check).
    # SET_NULL and the name as on the day beside it, as for the applicant who left; none on a failure
    # recorded before it was kept (families migration 0012).
    carer_check_failed_applicant = models.ForeignKey(
        "Applicant", verbose_name=_("applicant the failed carer check concerns"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    carer_check_failed_applicant_name = models.CharField(
        _("name of the applicant the failed carer check concerns"), max_length=201, blank=True, default="", db_default="",
    )
    # Carers' checks recur (setting CARER_RECHECK_INTERVAL_DAYS); the reminder sweep watches the due date.
    carer_checked_on = models.DateField(_("carers last checked on"), null=True, blank=True, validators=PAST_DATE)
    carer_recheck_due_on = models.DateField(_("carers' next check due on"), null=True, blank=True,
                                            validators=AHEAD_DATE)
    # Set when the social worker asks the supervisor to approve the family, cleared by the decision
    # (families.services.request_approval / decide_approval).
    approval_requested_at = models.DateTimeField(_("approval requested at"), null=True, blank=True)

    class Meta:
        ordering = ["-applied_on", "id"]
        verbose_name = _("prospective family")
        verbose_name_plural = _("prospective families")
        constraints = [
            models.CheckConstraint(condition=Q(form_of_care__in=FormOfCare.values), name="family_form_of_care_valid"),
            models.CheckConstraint(
                condition=Q(approval_status__in=ApprovalStatus.values), name="family_approval_status_valid"
            ),
            models.CheckConstraint(condition=Q(preferred_age_min__lte=F("preferred_age_max")), name="family_age_range_ordered"),
            models.CheckConstraint(condition=Q(preferred_age_max__lte=17), name="family_age_max_under_18"),
            models.CheckConstraint(condition=Q(max_siblings__gte=1), name="family_max_siblings_positive"),
            models.CheckConstraint(condition=Q(preferred_sex__in=["", "M", "F"]), name="family_preferred_sex_valid"),
            models.CheckConstraint(condition=Q(max_health_needs__lte=3), name="family_max_health_needs_valid"),
            models.CheckConstraint(
                condition=Q(home_study_expires_on__isnull=True) | Q(home_study_expires_on__gt=F("home_study_issued_on")),
                name="family_home_study_expires_after_issue",
            ),
            models.CheckConstraint(
                condition=Q(training_expires_on__isnull=True) | Q(training_expires_on__gt=F("training_issued_on")),
                name="family_training_expires_after_issue",
            ),
            # An approved family has an approval date and an expiry: approvals must be renewed.
            models.CheckConstraint(
                condition=~Q(approval_status="approved") | Q(approved_on__isnull=False, approval_expires_on__isnull=False),
                name="family_approved_has_dates",
            ),
            models.CheckConstraint(
                condition=Q(carer_check_failure="", carer_check_failed_on__isnull=True)
                | (Q(carer_check_failure__in=CarerCheckFailure.values) & Q(carer_check_failed_on__isnull=False)),
                name="family_carer_check_failure_has_date",
            ),
            # The applicant a failed check concerns only with a failure, and always with their name.
            models.CheckConstraint(
                condition=Q(carer_check_failure="", carer_check_failed_applicant__isnull=True,
                            carer_check_failed_applicant_name="")
                | ~Q(carer_check_failure="") & (Q(carer_check_failed_applicant__isnull=True)
                                                | ~Q(carer_check_failed_applicant_name="")),
                name="family_carer_check_failed_applicant_fields",
                violation_error_message=_("The applicant a carer check concerns is recorded only with its failure, "
                                          "and with their name."),
            ),
            # The suspension's reason: the fields each kind needs and no others; a free text only for
            # "other"; a change in the family or a failed check has its date (suspended_on); an applicant
            # always with their name (a failed check names one since families migration 0012).
            models.CheckConstraint(
                condition=Q(suspension_kind="", suspension_code="", suspension_applicant__isnull=True,
                            suspension_applicant_name="", suspension_note="")
                | Q(suspension_kind=SuspensionKind.APPLICANT_LEFT, suspension_code__in=ApplicantLeaving.values,
                    suspended_on__isnull=False, suspension_note="") & ~Q(suspension_applicant_name="")
                | Q(suspension_kind=SuspensionKind.CARER_CHECK_FAILED, suspension_code__in=CarerCheckFailure.values,
                    suspended_on__isnull=False, suspension_note="")
                & (Q(suspension_applicant__isnull=True) | ~Q(suspension_applicant_name=""))
                | Q(suspension_kind=SuspensionKind.OTHER, suspension_code="", suspension_applicant__isnull=True,
                    suspension_applicant_name="") & ~Q(suspension_note=""),
                name="family_suspension_reason_fields",
                violation_error_message=_("The suspension's reason is incomplete or mixes the fields of two kinds."),
            ),
            # A family suspended by a change has the date; a family with that date is suspended.
            models.CheckConstraint(
                condition=Q(suspended_on__isnull=True) | Q(approval_status="suspended"),
                name="family_suspended_on_only_when_suspended",
            ),
            *date_range_constraints("family", [
                "applied_on", "home_study_issued_on", "home_study_expires_on", "training_issued_on",
                "training_expires_on", "psychological_training_issued_on", "approved_on", "approval_expires_on",
                "suspended_on", "carer_check_failed_on", "carer_checked_on", "carer_recheck_due_on",
            ]),
        ]
        indexes = [
            models.Index(fields=["approval_status", "form_of_care", "region"]),
            models.Index(fields=["responsible_unit"]),
            models.Index(fields=["home_study_expires_on"]),
            models.Index(fields=["training_expires_on"]),
            models.Index(fields=["approval_expires_on"]),
            models.Index(fields=["carer_recheck_due_on"], name="family_carer_recheck_idx"),
            # The matching ranking (matching.selectors): approved families by the form of care they
            # seek, their region and the day their first certificate lapses, holding every column
            # the score and the eligibility read, so the ranking is an index-only range scan of the
            # families in date (a fifth of the approved ones at national scale), never the table.
            models.Index(
                "form_of_care", "region", Least("approval_expires_on", "home_study_expires_on", "training_expires_on"),
                name="family_matching_idx", condition=Q(approval_status="approved"),
                include=["applied_on", "preferred_age_min", "preferred_age_max", "preferred_sex", "max_siblings",
                         "max_health_needs", "approval_expires_on", "home_study_expires_on", "training_expires_on",
                         "psychological_training_issued_on", "id"],
            ),
            # The supervisor's page of families waiting for approval.
            models.Index(fields=["responsible_unit", "approval_requested_at"], condition=Q(approval_requested_at__isnull=False),
                         name="family_waiting_approval_idx"),
        ]

    def __str__(self) -> str:
        """The family's name wherever it is named (pages, lists, exports, the API): its current
        applicants; one who died or left (Applicant.left_family_reason) stays in the record and its
        history, not in the name. "Family № <id>" (as the pages number a family) when no applicant is left."""
        names = [str(a) for a in self.current_applicants()]
        return " & ".join(names) if names else _("Family № %(n)s") % {"n": self.pk}

    @property
    def approval_status_label(self) -> str:
        """The family's approval status as the pages and the API name it, in the active language:
        "awaiting approval" while a request for approval waits for a supervisor's decision
        (approval_requested_at), else the stored status's name."""
        if self.approval_requested_at is not None:
            return str(AWAITING_APPROVAL)
        return str(self.get_approval_status_display())

    @property
    def named_by_applicants(self) -> bool:
        """Whether the family's name is its applicants' names: with no applicant left its name is its
        number, so a label that shows the number and then the name shows the name only when this is
        True ("Family № 5 (Family № 5)" otherwise)."""
        return bool(self.current_applicants())

    def current_applicants(self) -> list["Applicant"]:
        """The applicants still in the family, by position (read from a prefetch of ``applicants`` when
        there is one): the ones its name, edit form and carers are."""
        return [a for a in self.applicants.all() if a.in_family]

    def departed_applicants(self) -> list["Applicant"]:
        """The applicants whose death, divorce or departure is recorded, by position: kept in the record."""
        return [a for a in self.applicants.all() if not a.in_family]

    def clean(self) -> None:
        errors = {}
        ages = (self.preferred_age_min, self.preferred_age_max)
        if None not in ages and ages[0] > ages[1]:
            errors["preferred_age_max"] = _("The oldest age accepted must not be below the youngest.")
        for issued, expires in (("home_study_issued_on", "home_study_expires_on"), ("training_issued_on", "training_expires_on")):
            issued_on, expires_on = getattr(self, issued), getattr(self, expires)
            if expires_on and issued_on and expires_on < issued_on:
                errors[expires] = _("The expiry date is before the issue date (%(date)s).") % {"date": day_text(issued_on)}
            elif expires_on and (not issued_on or expires_on <= issued_on):
                errors[expires] = _("The expiry date must come after the issue date.")
        if self.approval_status == self.ApprovalStatus.APPROVED and not (self.approved_on and self.approval_expires_on):
            errors["approval_expires_on"] = _("An approved family needs an approval date and an expiry date.")
        if errors:
            raise ValidationError(errors)

    def expired_documents(self, on: dt.date) -> list[str]:
        """Names of the approval and certificates that are missing or expired on the given date."""
        checks = (
            ("approval_expires_on", self.approval_expires_on),
            ("home_study_expires_on", self.home_study_expires_on),
            ("training_expires_on", self.training_expires_on),
        )
        return [name for name, expires in checks if expires is None or expires < on]


class ApprovalDecision(CheckConstraintsInOneQuery):
    """A supervisor's approval or refusal of a family's registration, with the reason. Never edited."""

    family = models.ForeignKey(Family, verbose_name=_("family"), on_delete=models.CASCADE, related_name="approval_decisions")
    approved = models.BooleanField(_("approved"))
    reason = models.TextField(_("reason"), **max_length(REASON_MAX_LENGTH), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("decided by"), on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"))
    # The approval's expiry when approved (the family row keeps the current one).
    approval_expires_on = models.DateField(_("approval expires on"), null=True, blank=True, validators=AHEAD_DATE)

    class Meta:
        ordering = ["family", "-decided_at", "-id"]
        verbose_name = _("family approval decision")
        verbose_name_plural = _("family approval decisions")
        constraints = [
            # A refusal always says why.
            models.CheckConstraint(condition=Q(approved=True) | ~Q(reason=""), name="approval_refusal_has_reason"),
            models.CheckConstraint(condition=Q(approved=False) | Q(approval_expires_on__isnull=False),
                                   name="approval_decision_approved_has_expiry"),
        ]
        indexes = [models.Index(fields=["family", "decided_at"]), models.Index(fields=["decided_at"])]

    def __str__(self) -> str:
        return _("Approval decision on family № %(n)s") % {"n": self.family_id}


class Applicant(NameSearchable, TimeStampedModel):
    """One of the (at most two) people applying together as a family."""

    family = models.ForeignKey(Family, verbose_name=_("family"), on_delete=models.CASCADE, related_name="applicants")
    position = models.PositiveSmallIntegerField(_("applicant number"), default=1)
    last_name = models.CharField(_("last name"), max_length=100)
    first_name = models.CharField(_("first name"), max_length=100)
    patronymic = models.CharField(_("patronymic"), max_length=100, blank=True)
    birth_date = models.DateField(_("birth date"), validators=[validate_sane_date, validate_not_future])
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    iin = models.CharField(_("IIN"), max_length=12, validators=[validate_iin])
    # A change in the family: the applicant died, divorced or moved out (families.services).
    left_family_reason = models.CharField(_("left the family"), max_length=20, choices=ApplicantLeaving.choices,
                                          blank=True, default="", db_default="")
    left_family_on = models.DateField(_("left the family on"), null=True, blank=True,
                                      validators=[validate_sane_date, validate_not_future])

    class Meta:
        ordering = ["family", "position"]
        verbose_name = _("applicant")
        verbose_name_plural = _("applicants")
        constraints = [
            # Position 1 or 2, once each: a family is one person or a couple, enforced by the database.
            models.CheckConstraint(condition=Q(position__in=[1, 2]), name="applicant_position_one_or_two"),
            models.UniqueConstraint(fields=["family", "position"], name="applicant_position_unique_in_family"),
            models.UniqueConstraint(fields=["family", "iin"], name="applicant_iin_unique_in_family"),
            models.CheckConstraint(condition=Q(iin__regex=r"^[0-9]{12}$"), name="applicant_iin_twelve_digits"),
            models.CheckConstraint(condition=Q(sex__in=["M", "F"]), name="applicant_sex_valid"),
            models.CheckConstraint(
                condition=Q(left_family_reason="", left_family_on__isnull=True)
                | (Q(left_family_reason__in=ApplicantLeaving.values) & Q(left_family_on__isnull=False)),
                name="applicant_left_family_has_date",
            ),
            *date_range_constraints("applicant", ["birth_date", "left_family_on"]),
        ]
        indexes = [models.Index(fields=["iin"]), models.Index(fields=["birth_date", "last_name"]), search_text_index("applicant")]

    def __str__(self) -> str:
        return f"{self.last_name} {self.first_name}"

    @property
    def in_family(self) -> bool:
        """Whether the applicant is still one of the family's (no death, divorce or departure recorded)."""
        return not self.left_family_reason

    @property
    def left_family_badge(self) -> str:
        """How and when the applicant left the family, in the active language, as its badge says it
        (LEFT_FAMILY_BADGES); "" for one still in the family."""
        badge = LEFT_FAMILY_BADGES.get((self.left_family_reason, self.sex))
        if badge is None or self.left_family_on is None:
            return ""
        return badge % {"date": date_format(self.left_family_on, "DATE_FORMAT")}

    def clean(self) -> None:
        if self.left_family_on and self.birth_date and self.left_family_on < self.birth_date:
            raise ValidationError({"left_family_on": _("An applicant cannot leave the family before their birth date.")})
        if self.iin:
            try:
                validate_iin(self.iin)
            except ValidationError:
                return
            errors = validate_iin_matches(self.iin, birth_date=self.birth_date, sex=self.sex)
            if errors:
                raise ValidationError(errors)
