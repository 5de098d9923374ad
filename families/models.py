"""Prospective families (candidates): their applicants, preferences, certificates and approval."""

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from core.choices import FormOfCare, HealthNeeds, Sex
from core.iin import validate_iin, validate_iin_matches
from core.models import TimeStampedModel


class ApprovalStatus(models.TextChoices):
    APPLIED = "applied", _("applied")
    UNDER_ASSESSMENT = "under_assessment", _("under assessment")
    APPROVED = "approved", _("approved")
    SUSPENDED = "suspended", _("suspended")
    REJECTED = "rejected", _("rejected")
    WITHDRAWN = "withdrawn", _("withdrawn")


class Family(TimeStampedModel):
    ApprovalStatus = ApprovalStatus

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
    is_relative = models.BooleanField(_("relatives of a child (kinship)"), default=False)
    applied_on = models.DateField(_("applied on"))
    # Preferences
    preferred_age_min = models.PositiveSmallIntegerField(_("youngest age accepted"), default=0)
    preferred_age_max = models.PositiveSmallIntegerField(_("oldest age accepted"), default=17)
    preferred_sex = models.CharField(_("preferred sex"), max_length=1, choices=PreferredSex.choices, blank=True, default="")
    max_siblings = models.PositiveSmallIntegerField(_("number of children accepted together"), default=1)
    max_health_needs = models.PositiveSmallIntegerField(
        _("health needs accepted"), choices=HealthNeeds.choices, default=HealthNeeds.MINOR
    )
    # Certificates: the home study and the school-of-adoptive-parents training.
    home_study_issued_on = models.DateField(_("home study issued on"), null=True, blank=True)
    home_study_expires_on = models.DateField(_("home study expires on"), null=True, blank=True)
    training_certificate_number = models.CharField(_("training certificate number"), max_length=50, blank=True)
    training_issued_on = models.DateField(_("training certificate issued on"), null=True, blank=True)
    training_expires_on = models.DateField(_("training certificate expires on"), null=True, blank=True)
    approval_status = models.CharField(
        _("approval status"), max_length=20, choices=ApprovalStatus.choices, default=ApprovalStatus.APPLIED
    )
    approved_on = models.DateField(_("approved on"), null=True, blank=True)
    approval_expires_on = models.DateField(_("approval expires on"), null=True, blank=True)
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
        ]
        indexes = [
            models.Index(fields=["approval_status", "form_of_care", "region"]),
            models.Index(fields=["responsible_unit"]),
            models.Index(fields=["home_study_expires_on"]),
            models.Index(fields=["training_expires_on"]),
            models.Index(fields=["approval_expires_on"]),
            # The supervisor's page of families waiting for approval.
            models.Index(fields=["responsible_unit", "approval_requested_at"], condition=Q(approval_requested_at__isnull=False),
                         name="family_waiting_approval_idx"),
        ]

    def __str__(self) -> str:
        names = [str(a) for a in self.applicants.all()]
        return " & ".join(names) if names else _("Family %(id)s") % {"id": self.pk}

    def clean(self) -> None:
        errors = {}
        ages = (self.preferred_age_min, self.preferred_age_max)
        if None not in ages and ages[0] > ages[1]:
            errors["preferred_age_max"] = _("The oldest age accepted must not be below the youngest.")
        for issued, expires in (("home_study_issued_on", "home_study_expires_on"), ("training_issued_on", "training_expires_on")):
            if getattr(self, expires) and (not getattr(self, issued) or getattr(self, expires) <= getattr(self, issued)):
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


class ApprovalDecision(models.Model):
    """A supervisor's approval or refusal of a family's registration, with the reason. Never edited."""

    family = models.ForeignKey(Family, verbose_name=_("family"), on_delete=models.CASCADE, related_name="approval_decisions")
    approved = models.BooleanField(_("approved"))
    reason = models.TextField(_("reason"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("decided by"), on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"))
    # The approval's expiry when approved (the family row keeps the current one).
    approval_expires_on = models.DateField(_("approval expires on"), null=True, blank=True)

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
        return _("Approval decision on family %(id)s") % {"id": self.family_id}


class Applicant(TimeStampedModel):
    """One of the (at most two) people applying together as a family."""

    family = models.ForeignKey(Family, verbose_name=_("family"), on_delete=models.CASCADE, related_name="applicants")
    position = models.PositiveSmallIntegerField(_("applicant number"), default=1)
    last_name = models.CharField(_("last name"), max_length=100)
    first_name = models.CharField(_("first name"), max_length=100)
    patronymic = models.CharField(_("patronymic"), max_length=100, blank=True)
    birth_date = models.DateField(_("birth date"))
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    iin = models.CharField(_("IIN"), max_length=12, validators=[validate_iin])

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
        ]
        indexes = [models.Index(fields=["iin"]), models.Index(fields=["birth_date", "last_name"])]

    def __str__(self) -> str:
        return f"{self.last_name} {self.first_name}"

    def clean(self) -> None:
        if self.iin:
            try:
                validate_iin(self.iin)
            except ValidationError:
                return
            errors = validate_iin_matches(self.iin, birth_date=self.birth_date, sex=self.sex)
            if errors:
                raise ValidationError(errors)
