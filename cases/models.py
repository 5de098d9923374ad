"""A child's case (the path from the registry to a family), its stage history and placements."""

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.choices import CarerRelationship, FormOfCare
from core.dates import date_range_constraints, day_text, validate_not_future, validate_sane_date
from core.models import TimeStampedModel
from core.text import NOTES_MAX_LENGTH, REASON_MAX_LENGTH, SOURCE_MAX_LENGTH, max_length


class Stage(models.TextChoices):
    """DOMAIN's default workflow, in order."""

    REGISTERED = "registered", _("registered")
    AVAILABLE = "available", _("available for family care")
    MATCHING = "matching", _("matching")
    ACQUAINTANCE = "acquaintance", _("acquaintance")
    DECISION = "decision", _("decision")
    PLACED = "placed", _("placed")
    CLOSED = "closed", _("closed")


class CaseOutcome(models.TextChoices):
    PERMANENCY = "permanency", _("permanency achieved")
    CAME_OF_AGE = "came_of_age", _("child came of age")
    REUNIFIED = "reunified", _("reunified with birth family")
    TRANSFERRED = "transferred", _("transferred to another region")
    DEATH = "death", _("death")


class DecisionStatus(models.TextChoices):
    NOT_REQUESTED = "", _("not requested")
    PENDING = "pending", _("waiting for supervisor approval")
    APPROVED = "approved", _("approved by supervisor")
    REJECTED = "rejected", _("rejected by supervisor")


class Case(TimeStampedModel):
    child = models.ForeignKey("children.Child", verbose_name=_("child"), on_delete=models.PROTECT, related_name="cases")
    stage = models.CharField(_("stage"), max_length=20, choices=Stage.choices, default=Stage.REGISTERED)
    stage_entered_at = models.DateTimeField(_("in this stage since"), default=timezone.now)
    assigned_worker = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("assigned social worker"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="assigned_cases",
    )
    responsible_unit = models.ForeignKey(
        "accounts.OrganisationalUnit", verbose_name=_("responsible unit"), on_delete=models.PROTECT, related_name="cases"
    )
    opened_on = models.DateField(_("opened on"), default=timezone.localdate, validators=[validate_sane_date])
    closed_on = models.DateField(_("closed on"), null=True, blank=True, validators=[validate_sane_date])
    outcome = models.CharField(_("outcome"), max_length=20, choices=CaseOutcome.choices, blank=True)
    # The form of care being sought for the child, chosen when the case becomes available.
    form_of_care = models.CharField(_("form of care sought"), max_length=20, choices=FormOfCare.choices, blank=True)
    decision_status = models.CharField(_("decision approval"), max_length=10, choices=DecisionStatus.choices, blank=True)
    decision_family = models.ForeignKey(
        "families.Family", verbose_name=_("family in the decision"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="decision_cases",
    )
    # Bumped by every stage change: an optimistic check against two users acting at once.
    version = models.PositiveIntegerField(_("version"), default=1)
    # The supervisor's review of the decision (approve or reject), kept beside the status.
    decision_reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("decision reviewed by"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )
    decision_reviewed_at = models.DateTimeField(_("decision reviewed at"), null=True, blank=True)
    decision_review_reason = models.TextField(_("reason given by the supervisor"), **max_length(REASON_MAX_LENGTH), blank=True, default="",
                                              db_default="")
    # The child's previous case, closed, that this one follows: a re-entry into care after an exit
    # (CFSR re-entry is measured through this link). Set by cases.services.open_next_case.
    follows = models.OneToOneField(
        "self", verbose_name=_("follows the case"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="followed_by",
    )

    class Meta:
        ordering = ["-stage_entered_at", "id"]
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        constraints = [
            models.CheckConstraint(condition=Q(stage__in=Stage.values), name="case_stage_valid"),
            models.CheckConstraint(
                condition=Q(outcome="") | Q(outcome__in=CaseOutcome.values), name="case_outcome_valid"
            ),
            # A closed case has its outcome and date; an open one has neither.
            models.CheckConstraint(
                condition=(Q(stage="closed") & ~Q(outcome="") & Q(closed_on__isnull=False))
                | (~Q(stage="closed") & Q(outcome="") & Q(closed_on__isnull=True)),
                name="case_closed_iff_outcome",
            ),
            models.CheckConstraint(
                condition=Q(decision_status__in=["", "pending", "approved", "rejected"]), name="case_decision_status_valid"
            ),
            # One open path to a family per child.
            models.UniqueConstraint(fields=["child"], condition=~Q(stage="closed"), name="case_one_open_per_child"),
            *date_range_constraints("case", ["opened_on", "closed_on"]),
            models.CheckConstraint(condition=~Q(follows=F("id")), name="case_does_not_follow_itself"),
        ]
        indexes = [
            models.Index(fields=["assigned_worker", "stage"]),
            models.Index(fields=["responsible_unit", "stage"]),
            models.Index(fields=["stage", "stage_entered_at"]),
            # The reminder sweep looks at the cases written since its previous run (a new worker).
            models.Index(fields=["updated_at"], name="case_updated_idx"),
        ]

    def __str__(self) -> str:
        return _("Case № %(n)s") % {"n": self.pk}


class StageChange(models.Model):
    """One move of a case from one stage to another, with who, when and why. Never edited."""

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="stage_changes")
    from_stage = models.CharField(_("from stage"), max_length=20, choices=Stage.choices, blank=True)
    to_stage = models.CharField(_("to stage"), max_length=20, choices=Stage.choices)
    reason = models.TextField(_("reason"), **max_length(REASON_MAX_LENGTH), blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("acting user"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    changed_at = models.DateTimeField(_("changed at"), default=timezone.now)

    class Meta:
        ordering = ["case", "changed_at", "id"]
        verbose_name = _("stage change")
        verbose_name_plural = _("stage changes")
        constraints = [
            models.CheckConstraint(condition=Q(to_stage__in=Stage.values), name="stage_change_to_valid"),
        ]
        indexes = [models.Index(fields=["case", "changed_at"])]

    def __str__(self) -> str:
        return f"{self.from_stage or '∅'} → {self.to_stage}"


class DecisionReview(models.Model):
    """A supervisor's approval or rejection of a case's decision, with who, when and why: an entry
    of the case's timeline beside its stage changes. Never edited."""

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="decision_reviews")
    family = models.ForeignKey(
        "families.Family", verbose_name=_("family in the decision"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    approved = models.BooleanField(_("approved"))
    reason = models.TextField(_("reason"), **max_length(REASON_MAX_LENGTH), blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("reviewed by"), on_delete=models.PROTECT, related_name="+")
    reviewed_at = models.DateTimeField(_("reviewed at"), default=timezone.now)

    class Meta:
        ordering = ["case", "reviewed_at", "id"]
        verbose_name = _("decision review")
        verbose_name_plural = _("decision reviews")
        constraints = [
            # A rejection always says why (cases.services.approve_decision asks for it).
            models.CheckConstraint(condition=Q(approved=True) | ~Q(reason=""), name="decision_rejection_has_reason"),
        ]
        indexes = [models.Index(fields=["case", "reviewed_at"])]

    def __str__(self) -> str:
        return _("Decision review of case № %(id)s") % {"id": self.case_id}


class EndReason(models.TextChoices):
    PERMANENCY = "permanency", _("permanency achieved (monitoring period over)")
    CAME_OF_AGE = "came_of_age", _("child came of age")
    REUNIFIED = "reunified", _("reunified with birth family")
    TRANSFERRED = "transferred", _("transferred to another placement or region")
    # A family-to-family move inside one case (cases.services.move_child): the case stays open.
    MOVED = "moved", _("moved to another family (the case continues)")
    RETURNED = "returned", _("returned to institution")
    DEATH = "death", _("death")


class ReturnReason(models.TextChoices):
    """Why a placement broke down and the child went back to an institution (secondary orphanhood)."""

    CHILD_BEHAVIOUR = "child_behaviour", _("child's emotional or behavioural difficulties")
    FAMILY_CONFLICT = "family_conflict", _("conflict in the family")
    CARER_HEALTH = "carer_health", _("carer's illness or death")
    CARER_CIRCUMSTANCES = "carer_circumstances", _("new stressors: birth, divorce, job loss")
    UNREALISTIC_EXPECTATIONS = "unrealistic_expectations", _("carers' unrealistic expectations")
    ABUSE_IN_FAMILY = "abuse_in_family", _("abuse or neglect in the family")
    CHILD_REQUEST = "child_request", _("at the child's own request")
    OTHER = "other", _("other")


DECISION_NUMBER_MISSING = _("Give the number of the decision the placement rests on: the court's decision or the "
                            "guardianship authority's act or contract.")
DECISION_DATE_MISSING = _("Give the date of the decision the placement rests on.")
DECISION_AFTER_START = _("The decision cannot be dated after the placement starts (%(date)s): the placement rests on it.")


def decision_date_error(decision_date: dt.date | None, starts_on: dt.date | None) -> str | None:
    """What is wrong with the date of the decision a new placement rests on, or None: the decision
    comes first, so it is dated neither after the placement's first day nor in the future."""
    if decision_date is None:
        return None
    try:
        validate_not_future(decision_date)
    except ValidationError as refused:
        return refused.messages[0]
    if starts_on is not None and decision_date > starts_on:
        return DECISION_AFTER_START % {"date": day_text(starts_on)}
    return None


class Placement(TimeStampedModel):
    """A child living in a family under one form of care, from start to end."""

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="placements")
    # The child is kept here too so that the database itself can forbid two active placements.
    child = models.ForeignKey("children.Child", verbose_name=_("child"), on_delete=models.PROTECT, related_name="placements")
    family = models.ForeignKey("families.Family", verbose_name=_("family"), on_delete=models.PROTECT, related_name="placements")
    form_of_care = models.CharField(_("form of care"), max_length=20, choices=FormOfCare.choices)
    # Whether the carer is a relative, and which: a fact about this placement, not a form of care.
    carer_relationship = models.CharField(
        _("carer's relationship to the child"), max_length=20, choices=CarerRelationship.choices,
        default=CarerRelationship.NONE, db_default=CarerRelationship.NONE,
    )
    # A guardianship becomes a trusteeship at 14 without ending the placement: the day it was recorded.
    converted_to_trusteeship_on = models.DateField(
        _("converted to trusteeship on"), null=True, blank=True, validators=[validate_sane_date]
    )
    started_on = models.DateField(_("started on"), validators=[validate_sane_date])
    ended_on = models.DateField(_("ended on"), null=True, blank=True, validators=[validate_sane_date])
    end_reason = models.CharField(_("end reason"), max_length=20, choices=EndReason.choices, blank=True)
    return_reason = models.CharField(_("reason for return"), max_length=30, choices=ReturnReason.choices, blank=True)
    end_notes = models.TextField(_("notes on the end"), **max_length(NOTES_MAX_LENGTH), blank=True)
    decision_document_number = models.CharField(_("court decision or act number"), max_length=60, blank=True)
    decision_date = models.DateField(_("date of the decision"), null=True, blank=True, validators=[validate_sane_date])
    siblings_separated = models.BooleanField(_("placed apart from siblings"), default=False)
    # Where the child lived before the placement: a return sends the child back there by default.
    home_before = models.ForeignKey(
        "children.ChildrensHome", verbose_name=_("children's home before the placement"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )

    class Meta:
        ordering = ["-started_on", "id"]
        verbose_name = _("placement")
        verbose_name_plural = _("placements")
        constraints = [
            models.UniqueConstraint(fields=["child"], condition=Q(ended_on__isnull=True), name="placement_one_active_per_child"),
            models.CheckConstraint(condition=Q(form_of_care__in=FormOfCare.values), name="placement_form_of_care_valid"),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=F("started_on")), name="placement_ends_after_start"
            ),
            # An ended placement says why; an active one has no end reason.
            models.CheckConstraint(
                condition=(Q(ended_on__isnull=True) & Q(end_reason=""))
                | (Q(ended_on__isnull=False) & Q(end_reason__in=EndReason.values)),
                name="placement_end_reason_iff_ended",
            ),
            # A return to an institution always records its reason; other ends never do.
            models.CheckConstraint(
                condition=(Q(end_reason="returned") & Q(return_reason__in=ReturnReason.values))
                | (~Q(end_reason="returned") & Q(return_reason="")),
                name="placement_return_reason_iff_returned",
            ),
            models.CheckConstraint(
                condition=Q(carer_relationship__in=CarerRelationship.values), name="placement_carer_relationship_valid"
            ),
            # A conversion leaves a trusteeship that started before it.
            models.CheckConstraint(
                condition=Q(converted_to_trusteeship_on__isnull=True)
                | (Q(form_of_care="trusteeship") & Q(converted_to_trusteeship_on__gte=F("started_on"))),
                name="placement_conversion_is_to_trusteeship",
            ),
            *date_range_constraints("placement", ["started_on", "ended_on", "decision_date", "converted_to_trusteeship_on"]),
        ]
        indexes = [
            models.Index(fields=["family"]),
            models.Index(fields=["case"]),
            models.Index(fields=["started_on"]),
            # The reminder sweep looks at the active placements written since its previous run.
            models.Index(fields=["updated_at"], condition=Q(ended_on__isnull=True), name="placement_active_updated_idx"),
            models.Index(fields=["end_reason", "ended_on"]),
        ]

    def __str__(self) -> str:
        return _("Placement № %(id)s") % {"id": self.pk}

    @classmethod
    def from_db(cls, db: str | None, field_names: list[str], values: list) -> "Placement":
        placement = super().from_db(db, field_names, values)
        # The decision's date and the start as read, so that clean() judges only a new or changed pair.
        if {"decision_date", "started_on"} <= set(field_names):
            placement._decision_dates_read = (placement.decision_date, placement.started_on)
        return placement

    def clean(self) -> None:
        # A new placement rests on an authority's decision: its number and date (the fields stay
        # optional in the table for the placements recorded before the rule; cases.services asks first).
        errors = {}
        if self._state.adding:
            if not (self.decision_document_number or "").strip():
                errors["decision_document_number"] = DECISION_NUMBER_MISSING
            if self.decision_date is None:
                errors["decision_date"] = DECISION_DATE_MISSING
        # The decision comes before the placement: on a new row, or when either date is changed (a
        # placement recorded before the rule with its decision after the start keeps it, and can end).
        read = getattr(self, "_decision_dates_read", None)
        if self._state.adding or (read is not None and read != (self.decision_date, self.started_on)):
            wrong = decision_date_error(self.decision_date, self.started_on)
            if wrong and "decision_date" not in errors:
                errors["decision_date"] = wrong
        if errors:
            raise ValidationError(errors)

    @property
    def is_active(self) -> bool:
        return self.ended_on is None


class SiblingSeparationDecision(models.Model):
    """A recorded decision that this case's child may be placed apart from its sibling group."""

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="sibling_separation_decisions")
    reason = models.TextField(_("reason"), **max_length(REASON_MAX_LENGTH))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("decided by"), on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), default=timezone.now)

    class Meta:
        ordering = ["case", "-decided_at"]
        verbose_name = _("sibling separation decision")
        verbose_name_plural = _("sibling separation decisions")
        constraints = [
            models.CheckConstraint(condition=~Q(reason=""), name="sibling_separation_has_reason"),
        ]
        indexes = [models.Index(fields=["case", "decided_at"])]

    def __str__(self) -> str:
        return _("Sibling separation for case № %(id)s") % {"id": self.case_id}


class StageTimeLimit(models.Model):
    """Policy: how long a case may stay in a stage before a "stuck case" reminder. Officials edit it."""

    stage = models.CharField(_("stage"), max_length=20, choices=Stage.choices, unique=True)
    max_days = models.PositiveIntegerField(_("maximum days in the stage"))

    class Meta:
        ordering = ["stage"]
        verbose_name = _("stage time limit")
        verbose_name_plural = _("stage time limits")
        constraints = [
            models.CheckConstraint(condition=Q(max_days__gt=0), name="stage_time_limit_positive"),
            models.CheckConstraint(condition=Q(stage__in=Stage.values), name="stage_time_limit_stage_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.stage}: {self.max_days}"


class FormOfCareRule(models.Model):
    """Policy: the rules of one form of care that the law sets and may change again (ages, how many
    children a family takes, the carer's training). Loaded by a data migration with Kazakhstan's
    rules as amended in 2025 (``source`` says where each comes from); an administrator edits them.

    Ages are whole years on the day of the placement or decision: ``min_age`` inclusive,
    ``max_age`` exclusive ("under 14"). ``max_children`` counts the children in the family's active
    placements, the new one included; with ``siblings_count_as_one`` a sibling group counts once.
    """

    form_of_care = models.CharField(_("form of care"), max_length=20, choices=FormOfCare.choices, unique=True)
    min_age = models.PositiveSmallIntegerField(_("from age (years, inclusive)"), null=True, blank=True)
    max_age = models.PositiveSmallIntegerField(_("under age (years, exclusive)"), null=True, blank=True)
    max_children = models.PositiveSmallIntegerField(_("children at most in one family"), null=True, blank=True)
    siblings_count_as_one = models.BooleanField(_("a sibling group counts as one child"), default=False)
    requires_psychological_training = models.BooleanField(_("the carer needs psychological training"), default=False)
    source = models.TextField(_("source of the rule"), **max_length(SOURCE_MAX_LENGTH), blank=True)

    class Meta:
        ordering = ["form_of_care"]
        verbose_name = _("form of care rule")
        verbose_name_plural = _("form of care rules")
        constraints = [
            models.CheckConstraint(condition=Q(form_of_care__in=FormOfCare.values), name="form_of_care_rule_form_valid"),
            models.CheckConstraint(
                condition=Q(min_age__isnull=True) | Q(max_age__isnull=True) | Q(min_age__lt=F("max_age")),
                name="form_of_care_rule_ages_ordered",
            ),
            models.CheckConstraint(
                condition=Q(max_children__isnull=True) | Q(max_children__gte=1), name="form_of_care_rule_capacity_positive"
            ),
        ]

    def __str__(self) -> str:
        return str(self.get_form_of_care_display())
class CaseNote(models.Model):
    """A dated note of the work on a case between its stages and visits: a contact, a meeting of
    the child with a family, a phone call, a home visit outside the schedule. A sensitive note is
    shown only to users holding view_sensitive on the case. Kept, never edited."""

    class Kind(models.TextChoices):
        CONTACT = "contact", _("contact")
        ACQUAINTANCE_MEETING = "acquaintance_meeting", _("acquaintance meeting")
        PHONE_CALL = "phone_call", _("phone call")
        HOME_VISIT = "home_visit", _("home visit outside the schedule")

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="notes")
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    written_on = models.DateField(_("date"))
    text = models.TextField(_("note"), **max_length(NOTES_MAX_LENGTH))
    sensitive = models.BooleanField(_("sensitive"), default=False,
                                    help_text=_("Shown only to those who may see the case's sensitive fields."))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("written at"), default=timezone.now)

    class Meta:
        ordering = ["-written_on", "-id"]
        verbose_name = _("case note")
        verbose_name_plural = _("case notes")
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=["contact", "acquaintance_meeting", "phone_call", "home_visit"]),
                                   name="case_note_kind_valid"),
            models.CheckConstraint(condition=~Q(text=""), name="case_note_text_not_empty"),
        ]
        indexes = [models.Index(fields=["case", "written_on"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.written_on}"
