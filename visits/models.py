"""Follow-up visits to a child in a placement: planned, then done; and the policy that plans them."""

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.choices import FormOfCare
from core.dates import date_range_constraints, day_text, validate_sane_date
from core.models import TimeStampedModel
from core.text import NOTES_MAX_LENGTH, SOURCE_MAX_LENGTH, max_length

# The short checklist a worker answers at each visit: key -> question shown to the worker.
CHECKLIST_ITEMS = {
    "living_conditions_adequate": _("Living conditions are adequate"),
    "child_healthy": _("The child is healthy and receives medical care"),
    "attends_school_or_kindergarten": _("The child attends school or kindergarten"),
    "attached_to_carers": _("The child is attached to the carers"),
    "carers_coping": _("The carers are coping and have support"),
    "child_wishes_heard": _("The child was heard alone and says they want to stay"),
    # The one item where "yes" is the worrying answer; it sets the risk of return to high.
    "signs_of_harm": _("Signs of harm: injuries, neglect, or the child afraid of the carers"),
}


class VisitPolicy(TimeStampedModel):
    """When follow-up visits fall due for one form of care, counted in months from the placement start.

    Visits fall at each of ``first_visits_months``, then every ``repeat_every_months`` until
    ``repeat_until_months`` (or, when that is empty, for as long as the placement lasts: the planned
    visits then reach ``horizon_months`` ahead and the nightly sweep extends them). The carer's annual
    report falls every ``annual_report_every_months`` when set.
    """

    form_of_care = models.CharField(_("form of care"), max_length=20, choices=FormOfCare.choices, unique=True)
    first_visits_months = models.JSONField(_("first visits (months after the start)"), default=list)
    repeat_every_months = models.PositiveSmallIntegerField(_("then every (months)"), null=True, blank=True)
    repeat_until_months = models.PositiveSmallIntegerField(
        _("until (months after the start)"), null=True, blank=True,
        help_text=_("Empty: for as long as the placement lasts."),
    )
    horizon_months = models.PositiveSmallIntegerField(
        _("plan ahead (months)"), default=36, help_text=_("How far ahead open-ended schedules are planned.")
    )
    annual_report_every_months = models.PositiveSmallIntegerField(
        _("carer's report every (months)"), null=True, blank=True
    )
    # Where the schedule comes from: a law or regulation, or "local default" (practice).
    source = models.TextField(_("source of the schedule"), **max_length(SOURCE_MAX_LENGTH), default="local default",
                              db_default="local default")

    class Meta:
        ordering = ["form_of_care"]
        verbose_name = _("visit policy")
        verbose_name_plural = _("visit policies")
        constraints = [
            models.CheckConstraint(condition=Q(form_of_care__in=FormOfCare.values), name="visit_policy_form_of_care_valid"),
            models.CheckConstraint(
                condition=Q(repeat_every_months__isnull=True) | Q(repeat_every_months__gt=0), name="visit_policy_repeat_positive"
            ),
            models.CheckConstraint(
                condition=Q(annual_report_every_months__isnull=True) | Q(annual_report_every_months__gt=0),
                name="visit_policy_report_positive",
            ),
            models.CheckConstraint(condition=Q(horizon_months__gt=0), name="visit_policy_horizon_positive"),
        ]

    def __str__(self) -> str:
        return str(self.get_form_of_care_display())

    def clean(self) -> None:
        months = self.first_visits_months
        if not isinstance(months, list) or not all(isinstance(m, int) and not isinstance(m, bool) and m > 0 for m in months):
            raise ValidationError({"first_visits_months": _("Give a list of whole months after the start, e.g. [1, 3, 6, 12].")})
        if months != sorted(set(months)):
            raise ValidationError({"first_visits_months": _("List each month once, in increasing order.")})
        if self.repeat_until_months is not None and self.repeat_every_months is None:
            raise ValidationError({"repeat_every_months": _("Say how often visits repeat until the end month.")})
        if not months and self.repeat_every_months is None:
            raise ValidationError({"first_visits_months": _("A policy plans at least one visit.")})

    @property
    def open_ended(self) -> bool:
        return self.repeat_every_months is not None and self.repeat_until_months is None


class Visit(TimeStampedModel):
    class Kind(models.TextChoices):
        SCHEDULED = "scheduled", _("scheduled visit")
        EXTRA = "extra", _("extra visit (risk finding)")
        # Planned for each placed child when a change in the family suspends its approval
        # (risk.services.record_family_change): not a risk finding, and labelled as what it is.
        FAMILY_CHANGE = "family_change", _("extra visit (change in the family)")
        ANNUAL_REPORT = "annual_report", _("carer's annual report")
        # Recorded by the worker outside the schedule; they never use up a planned visit.
        URGENT = "urgent", _("urgent visit (unscheduled)")
        UNSCHEDULED = "unscheduled", _("extra visit (unscheduled)")

    class Condition(models.TextChoices):
        GOOD = "good", _("good")
        SOME_CONCERNS = "some_concerns", _("some concerns")
        SERIOUS_CONCERNS = "serious_concerns", _("serious concerns")

    SENSITIVE_FIELDS = ("concerns",)

    placement = models.ForeignKey("cases.Placement", verbose_name=_("placement"), on_delete=models.CASCADE, related_name="visits")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.SCHEDULED)
    planned_on = models.DateField(_("planned on"), validators=[validate_sane_date])
    done_on = models.DateField(_("done on"), null=True, blank=True, validators=[validate_sane_date])
    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("social worker"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="visits",
    )
    child_seen = models.BooleanField(_("child seen in person"), default=False)
    seen_by = models.CharField(_("who saw the child"), max_length=200, blank=True)
    child_condition = models.CharField(_("child's condition"), max_length=20, choices=Condition.choices, blank=True)
    family_condition = models.CharField(_("family's condition"), max_length=20, choices=Condition.choices, blank=True)
    checklist = models.JSONField(_("checklist answers"), default=dict, blank=True)
    concerns = models.TextField(_("concerns"), **max_length(NOTES_MAX_LENGTH), blank=True)  # sensitive

    class Meta:
        ordering = ["planned_on", "id"]
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=["scheduled", "extra", "family_change", "annual_report", "urgent", "unscheduled"]),
                                   name="visit_kind_valid"),
            models.CheckConstraint(
                condition=Q(child_condition__in=["", "good", "some_concerns", "serious_concerns"])
                & Q(family_condition__in=["", "good", "some_concerns", "serious_concerns"]),
                name="visit_conditions_valid",
            ),
            # A visit that took place says who made it.
            models.CheckConstraint(condition=Q(done_on__isnull=True) | Q(worker__isnull=False), name="visit_done_has_worker"),
            # A schedule plans one visit of a kind per date, so regenerating or extending it is an
            # INSERT ... ON CONFLICT DO NOTHING that never doubles a visit.
            models.UniqueConstraint(
                fields=["placement", "kind", "planned_on"], condition=Q(kind__in=["scheduled", "annual_report"]),
                name="visit_scheduled_once_per_date",
            ),
            *date_range_constraints("visit", ["planned_on", "done_on"]),
        ]
        indexes = [
            models.Index(fields=["placement", "planned_on"]),
            # The reminder sweep scans only the visits still to do.
            # (With the placement, so that the sweep reads the index only, not the 9M-row table.)
            models.Index(fields=["planned_on"], include=["placement"], condition=Q(done_on__isnull=True),
                         name="visit_pending_planned_idx"),
            models.Index(fields=["placement", "done_on"], condition=Q(done_on__isnull=False), name="visit_done_idx"),
            # ... and the visits written since its previous run (one added or moved, one recorded late).
            models.Index(fields=["updated_at"], name="visit_updated_idx"),
        ]

    def __str__(self) -> str:
        return _("Visit on %(date)s") % {"date": day_text(self.planned_on)}

    @property
    def is_done(self) -> bool:
        return self.done_on is not None

    def is_overdue(self, today: dt.date) -> bool:
        """Not done, planned before today, on a placement still open: a visit planned on a placement
        that has since ended is a missed visit of the record, not work overdue (the sweep, the
        dashboards and the case list use the same rule in SQL). Nor is a visit superseded by a later
        one done (missed, see visits.selectors.superseded): read from ``superseded`` when the query
        set it (visit_list, mark_superseded). Reads ``placement`` (select it)."""
        return (self.done_on is None and self.planned_on < today and self.placement.ended_on is None
                and not getattr(self, "superseded", False))
