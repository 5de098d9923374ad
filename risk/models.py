"""The risk that a placement breaks down and the child returns to an institution (secondary
orphanhood): the policy (factor weights and band thresholds, editable by an administrator), the
current score of each active placement with the factors that raised it, its history, and the
family events that feed it."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.dates import date_range_constraints, local, validate_sane_date
from core.models import TimeStampedModel
from core.text import NOTES_MAX_LENGTH, max_length


class Factor(models.TextChoices):
    """DOMAIN's factors from the research literature. ``threshold`` and ``cap`` mean, per factor:"""

    OLDER_AT_PLACEMENT = "older_at_placement", _("older child at placement")  # threshold: age in years
    ADOLESCENT_AT_PLACEMENT = "adolescent_at_placement", _("adolescent at placement")  # threshold: age in years
    SDQ_RAISED = "sdq_raised", _("raised behavioural difficulties (SDQ)")  # threshold: SDQ total
    SDQ_HIGH = "sdq_high", _("high behavioural difficulties (SDQ)")  # threshold: SDQ total
    EARLIER_BREAKDOWNS = "earlier_breakdowns", _("earlier placement breakdowns")  # per return, up to cap
    LONG_IN_INSTITUTION = "long_in_institution", _("long time in institutions before placement")  # threshold: months
    ABUSE_OR_NEGLECT = "abuse_or_neglect", _("history of abuse or neglect")
    SIBLINGS_SEPARATED = "siblings_separated", _("placed apart from siblings")
    NON_KIN = "non_kin", _("non-kin care")  # the placement's carer is not a relative
    FAMILY_SUSPENDED = "family_suspended", _("family's approval suspended (a carer died, left or failed a check)")
    CARER_NOT_TRAINED = "carer_not_trained", _("carers without training certificate")
    FAMILY_EVENTS = "family_events", _("recent stressful family events")  # threshold: days back; per event, up to cap
    MISSED_VISITS = "missed_visits", _("missed follow-up visits")  # threshold: days overdue; per visit, up to cap
    LAST_VISIT_SOME_CONCERNS = "last_visit_some_concerns", _("concerns at the last visit")
    LAST_VISIT_SERIOUS_CONCERNS = "last_visit_serious_concerns", _("serious concerns at the last visit")
    # Safeguarding findings of the last visit: each sets the band to high by itself (``sets_high``).
    LAST_VISIT_SERIOUS_CONCERNS_BOTH = (
        "last_visit_serious_concerns_both", _("serious concerns about both the child and the family at the last visit")
    )
    LAST_VISIT_CHILD_NOT_SEEN = "last_visit_child_not_seen", _("child not seen at the last visit")
    LAST_VISIT_SIGNS_OF_HARM = "last_visit_signs_of_harm", _("signs of harm at the last visit")


class Band(models.TextChoices):
    LOW = "low", _("low")
    MEDIUM = "medium", _("medium")
    HIGH = "high", _("high")


class RiskFactorWeight(TimeStampedModel):
    """How much one factor adds to the score. Loaded with defaults by a data migration."""

    factor = models.CharField(_("factor"), max_length=40, choices=Factor.choices, unique=True)
    weight = models.PositiveSmallIntegerField(_("weight (points)"))
    threshold = models.PositiveSmallIntegerField(
        _("threshold"), null=True, blank=True, help_text=_("Age in years, SDQ score, months or days, depending on the factor.")
    )
    cap = models.PositiveSmallIntegerField(_("counted at most"), default=1, help_text=_("For counted factors: how many count."))
    enabled = models.BooleanField(_("enabled"), default=True)
    sets_high = models.BooleanField(
        _("sets the band to high"), default=False,
        help_text=_("A safeguarding finding: when present, the placement is high risk whatever its score."),
    )

    class Meta:
        ordering = ["factor"]
        verbose_name = _("risk factor weight")
        verbose_name_plural = _("risk factor weights")
        constraints = [
            models.CheckConstraint(condition=Q(factor__in=Factor.values), name="risk_factor_valid"),
            models.CheckConstraint(condition=Q(cap__gte=1), name="risk_factor_cap_positive"),
        ]

    def __str__(self) -> str:
        return str(self.get_factor_display())


class RiskPolicy(TimeStampedModel):
    """The band thresholds and what a move into the high band triggers. One row (id 1)."""

    medium_from = models.PositiveSmallIntegerField(_("medium band from (points)"), default=30)
    high_from = models.PositiveSmallIntegerField(_("high band from (points)"), default=55)
    extra_visit_within_days = models.PositiveSmallIntegerField(_("extra visit within (days) after a move into high"), default=14)

    class Meta:
        verbose_name = _("risk policy")
        verbose_name_plural = _("risk policy")
        constraints = [
            models.CheckConstraint(condition=Q(id=1), name="risk_policy_single_row"),
            models.CheckConstraint(condition=Q(medium_from__lt=models.F("high_from")), name="risk_policy_bands_ordered"),
        ]

    def __str__(self) -> str:
        return str(_("Risk policy"))

    @classmethod
    def current(cls) -> "RiskPolicy":
        return cls.objects.get_or_create(pk=1)[0]


class PlacementRisk(models.Model):
    """The current risk of return of one placement."""

    placement = models.OneToOneField(
        "cases.Placement", verbose_name=_("placement"), primary_key=True, on_delete=models.CASCADE, related_name="risk"
    )
    score = models.PositiveSmallIntegerField(_("score"))
    band = models.CharField(_("band"), max_length=10, choices=Band.choices)
    # [{"factor": code, "contribution": points, "detail": value}], largest contribution first.
    factors = models.JSONField(_("factors"), default=list)
    computed_on = models.DateField(_("computed on"))
    high_since = models.DateField(_("high since"), null=True, blank=True)
    # The last visit done, as of this computation (every recorded visit recomputes): lets the daily
    # "high risk and no visit for 30 days" reminder skip a lookup in the visits table per placement.
    last_visit_on = models.DateField(_("last visit done on"), null=True, blank=True)

    class Meta:
        verbose_name = _("placement risk")
        verbose_name_plural = _("placement risks")
        constraints = [models.CheckConstraint(condition=Q(band__in=Band.values), name="placement_risk_band_valid")]
        indexes = [models.Index(fields=["band"], condition=Q(band="high"), name="placement_risk_high_idx")]

    def __str__(self) -> str:
        return f"{self.placement_id}: {self.band} ({self.score})"


class RiskAssessment(models.Model):
    """One computation of a placement's risk, kept so that calibration can compare the band at
    placement start and at each visit with what happened."""

    class Reason(models.TextChoices):
        PLACEMENT_START = "placement_start", _("placement started")
        VISIT = "visit", _("visit recorded")
        ASSESSMENT = "assessment", _("assessment (SDQ) updated")
        FAMILY_EVENT = "family_event", _("family event recorded")
        SWEEP = "sweep", _("nightly recomputation")

    placement = models.ForeignKey("cases.Placement", verbose_name=_("placement"), on_delete=models.CASCADE, related_name="risk_assessments")
    assessed_on = models.DateField(_("assessed on"))
    reason = models.CharField(_("reason"), max_length=20, choices=Reason.choices)
    visit = models.ForeignKey("visits.Visit", verbose_name=_("visit"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    score = models.PositiveSmallIntegerField(_("score"))
    band = models.CharField(_("band"), max_length=10, choices=Band.choices)
    factors = models.JSONField(_("factors"), default=list)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["placement", "assessed_on", "id"]
        verbose_name = _("risk assessment")
        verbose_name_plural = _("risk assessments")
        constraints = [
            models.CheckConstraint(condition=Q(band__in=Band.values), name="risk_assessment_band_valid"),
            models.CheckConstraint(condition=Q(reason__in=["placement_start", "visit", "assessment", "family_event", "sweep"]),
                                   name="risk_assessment_reason_valid"),
        ]
        indexes = [models.Index(fields=["placement", "assessed_on"]), models.Index(fields=["reason", "band"])]

    def __str__(self) -> str:
        return f"{self.placement_id} {self.assessed_on}: {self.band}"


class FamilyEvent(TimeStampedModel):
    """A new stressor in a placed child's family: the literature links these to breakdowns."""

    class Kind(models.TextChoices):
        NEW_BIRTH = "new_birth", _("a new birth")
        DIVORCE = "divorce", _("separation or divorce")
        ILLNESS = "illness", _("serious illness or death of a carer")
        JOB_LOSS = "job_loss", _("job loss or money trouble")
        CONFLICT = "conflict", _("conflict in the family")
        MOVE = "move", _("moved home")

    family = models.ForeignKey("families.Family", verbose_name=_("family"), on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    occurred_on = models.DateField(_("occurred on"), validators=[validate_sane_date])
    notes = models.TextField(_("notes"), **max_length(NOTES_MAX_LENGTH), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-occurred_on", "id"]
        verbose_name = _("family event")
        verbose_name_plural = _("family events")
        constraints = [models.CheckConstraint(condition=Q(kind__in=["new_birth", "divorce", "illness", "job_loss", "conflict", "move"]),
                                              name="family_event_kind_valid"),
                       *date_range_constraints("family_event", ["occurred_on"])]
        indexes = [models.Index(fields=["family", "occurred_on"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.occurred_on}"


class RiskBacktest(models.Model):
    """One run of ``evaluate_risk --backtest`` (risk.backtest.run_backtest): the score replayed over
    a window of past days against what happened, kept so that the supervisors' calibration page
    reads it instead of recomputing (minutes at national scale). National figures, no child data."""

    created_at = models.DateTimeField(_("computed at"), auto_now_add=True)
    from_date = models.DateField(_("first day"))
    to_date = models.DateField(_("last day"))
    lead_days = models.PositiveSmallIntegerField(_("days ahead"))
    placements = models.PositiveIntegerField(_("placements"))
    placements_flagged = models.PositiveIntegerField(_("placements ever flagged high"))
    returns = models.PositiveIntegerField(_("returns"))
    returns_flagged_early = models.PositiveIntegerField(_("returns flagged high in time"))
    auc_60 = models.FloatField(_("AUC, return within 60 days"), null=True, blank=True)
    auc_180 = models.FloatField(_("AUC, return within 180 days"), null=True, blank=True)
    # [{horizon, band, placement_days, positive_days, observed, predicted, forced_days}]
    calibration = models.JSONField(_("calibration by band"), default=list)
    # [{high_from, placements_flagged, returns_flagged_early}] (shares 0–1)
    thresholds = models.JSONField(_("flags by threshold"), default=list)
    # the bands and weights the run used: {medium_from, high_from, weights: {w_<factor>: points}}
    policy = models.JSONField(_("policy used"), default=dict)
    seconds = models.FloatField(_("seconds"))

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("risk backtest")
        verbose_name_plural = _("risk backtests")
        constraints = [
            models.CheckConstraint(condition=Q(from_date__lte=models.F("to_date")), name="risk_backtest_dates_ordered"),
            models.CheckConstraint(condition=Q(placements_flagged__lte=models.F("placements")), name="risk_backtest_flagged_le_all"),
            models.CheckConstraint(condition=Q(returns_flagged_early__lte=models.F("returns")), name="risk_backtest_early_le_returns"),
        ]

    def __str__(self) -> str:
        return f"{self.from_date}–{self.to_date} ({local(self.created_at):%Y-%m-%d})"

    @property
    def share_of_returns_flagged_early(self) -> float | None:
        return self.returns_flagged_early / self.returns if self.returns else None

    @property
    def share_of_placements_flagged(self) -> float | None:
        return self.placements_flagged / self.placements if self.placements else None


class RiskScoringRun(models.Model):
    """One nightly scoring run (``risk.services.recompute_all_risks``). The next run reads the last
    one: an incremental run scores only the placements whose inputs may have changed since it began
    (``started_at``) or whose day-driven inputs (a visit becoming missed, a family event counted or
    expiring) fall after its day (``run_on``)."""

    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"))
    run_on = models.DateField(_("day scored"))
    full = models.BooleanField(_("every active placement"))
    why = models.CharField(_("why full or incremental"), max_length=60)
    placements_scored = models.PositiveIntegerField(_("placements scored"))
    moved_into_high = models.PositiveIntegerField(_("moved into high"))
    seconds = models.FloatField(_("seconds"))

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("risk scoring run")
        verbose_name_plural = _("risk scoring runs")
        indexes = [models.Index(fields=["-started_at"], name="risk_scoring_run_started_idx")]

    def __str__(self) -> str:
        return f"{self.run_on} ({'full' if self.full else 'incremental'})"
