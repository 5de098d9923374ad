"""Published differentially private tables.

A noisy table is stored when first released and served unchanged to every later identical request:
asking again must not draw fresh noise, or averaging the answers would wash the noise out.
"""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.dates import local


class PrivateRelease(models.Model):
    key = models.CharField(_("request fingerprint"), max_length=64, unique=True)
    indicator = models.CharField(_("indicator"), max_length=60)
    epsilon = models.FloatField(_("epsilon"))
    request = models.JSONField(_("request"))
    table = models.JSONField(_("published table"))
    created_at = models.DateTimeField(_("released at"), auto_now_add=True)

    class Meta:
        verbose_name = _("private statistics release")
        verbose_name_plural = _("private statistics releases")
        constraints = [models.CheckConstraint(condition=Q(epsilon__gt=0), name="stats_release_epsilon_positive")]
        indexes = [models.Index(fields=["indicator", "created_at"])]

    def __str__(self) -> str:
        return f"{self.indicator} ε={self.epsilon}"


class PrivacySpend(models.Model):
    """One noisy release paid for from an analyst's privacy budget of a period (a calendar quarter,
    ``period`` its first day). A release served again from PrivateRelease costs nothing: the noise
    it carries was drawn once."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="+")
    period = models.DateField(_("first day of the budget period"))
    epsilon = models.FloatField(_("epsilon spent"))
    release = models.OneToOneField(PrivateRelease, verbose_name=_("release"), on_delete=models.CASCADE, related_name="spend")
    spent_at = models.DateTimeField(_("spent at"), auto_now_add=True)

    class Meta:
        verbose_name = _("privacy budget spend")
        verbose_name_plural = _("privacy budget spends")
        constraints = [models.CheckConstraint(condition=Q(epsilon__gt=0), name="stats_spend_epsilon_positive")]
        indexes = [models.Index(fields=["user", "period"], name="stats_spend_user_period")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.period} ε={self.epsilon}"


class RecordKey(models.Model):
    """The cell key method's record key of each child: a random whole number in [0, KEY_RANGE) drawn
    once, the first time the child is copied into the snapshot, and never redrawn (a fresh key would
    give a cell a fresh perturbation, and averaging would wash it out). Copied into the snapshot
    tables as ``record_key``; see stats.cellkey."""

    child_id = models.BigIntegerField(_("child"), primary_key=True)
    key = models.SmallIntegerField(_("record key"))

    class Meta:
        verbose_name = _("record key (cell key method)")
        verbose_name_plural = _("record keys (cell key method)")
        constraints = [models.CheckConstraint(condition=Q(key__gte=0, key__lt=256), name="stats_recordkey_in_range")]

    def __str__(self) -> str:
        return f"child {self.child_id}"


# --- Snapshot tables the indicators are computed from --------------------------------------------
# One narrow row per case and per placement, with the child's region, sex and birth date copied in,
# so that a national indicator is one scan of a small table instead of a join of three wide ones
# (measured at 1M cases: about 2.5 times faster; see bench/README.md). Brought up to date by
# stats.services.refresh_statistics (nightly, and by `manage.py refresh_statistics`): every row is
# recomputed, only the rows that differ are written. Plain ids, not
# foreign keys: a snapshot must never hold up a change to the records it was copied from.


class CaseFact(models.Model):
    case_id = models.BigIntegerField(_("case"), primary_key=True)
    child_id = models.BigIntegerField(_("child"), db_default=0)
    record_key = models.SmallIntegerField(_("record key"), db_default=0)
    region_id = models.BigIntegerField(_("region of registration"))
    sex = models.CharField(_("sex"), max_length=1)
    birth_date = models.DateField(_("birth date"))
    opened_on = models.DateField(_("opened on"))
    closed_on = models.DateField(_("closed on"), null=True)
    outcome = models.CharField(_("outcome"), max_length=20, blank=True)
    # Per-case facts about its placements, so that the case indicators need no second scan:
    # the first start in a permanent form of care (STATS_PERMANENT_FORMS_OF_CARE at refresh time) and
    # the placement moves with their dates: each start of a placement in another form of care (a
    # move from the institution or another family into it) and each end in
    # STATS_PLACEMENT_MOVE_END_REASONS (a move back to an institution); see docs/statistics.md.
    first_placement_on = models.DateField(_("first placement started on"), null=True)
    first_permanent_on = models.DateField(_("first permanent placement started on"), null=True)
    # A permanent placement started within 12 months of entry and had not broken down (return,
    # move, transfer) by then: CFSR permanency in 12 months.
    permanent_12m = models.BooleanField(_("in a permanent family that holds at 12 months"), db_default=False)
    # The form of care of the case's last placement (its exit route when the case closed from it).
    last_form_of_care = models.CharField(_("form of care of the last placement"), max_length=20, blank=True, db_default="")
    # The opening of the case that follows this one (the child came back into care): CFSR re-entry.
    reentered_on = models.DateField(_("re-entered care on"), null=True)
    moves = models.PositiveIntegerField(_("placement moves"), db_default=0)
    last_move_on = models.DateField(_("last move on"), null=True)
    move_dates = ArrayField(models.DateField(), verbose_name=_("move dates"), null=True)

    class Meta:
        verbose_name = _("case (statistics snapshot)")
        verbose_name_plural = _("cases (statistics snapshot)")
        constraints = [
            models.CheckConstraint(condition=Q(sex__in=["M", "F"]), name="stats_casefact_sex_valid"),
            models.CheckConstraint(condition=Q(closed_on__isnull=True) | ~Q(outcome=""), name="stats_casefact_closed_has_outcome"),
            models.CheckConstraint(condition=Q(moves=0) | Q(last_move_on__isnull=False), name="stats_casefact_moves_have_dates"),
        ]

    def __str__(self) -> str:
        return f"case {self.case_id}"


class PlacementFact(models.Model):
    placement_id = models.BigIntegerField(_("placement"), primary_key=True)
    case_id = models.BigIntegerField(_("case"))
    child_id = models.BigIntegerField(_("child"), db_default=0)
    record_key = models.SmallIntegerField(_("record key"), db_default=0)
    region_id = models.BigIntegerField(_("region of registration"))
    sex = models.CharField(_("sex"), max_length=1)
    birth_date = models.DateField(_("birth date"))
    form_of_care = models.CharField(_("form of care"), max_length=20)
    # Whether the carer is a relative (returns in Kazakhstan are mostly teenagers placed with relatives).
    carer_relationship = models.CharField(_("carer's relationship to the child"), max_length=20, default="none",
                                          db_default="none")
    started_on = models.DateField(_("started on"))
    ended_on = models.DateField(_("ended on"), null=True)
    end_reason = models.CharField(_("end reason"), max_length=20, blank=True)
    case_opened_on = models.DateField(_("case opened on"))
    # The case's first placement (by start date, then id): registration to a family, not a re-placement.
    first_in_case = models.BooleanField(_("first placement of the case"))

    class Meta:
        verbose_name = _("placement (statistics snapshot)")
        verbose_name_plural = _("placements (statistics snapshot)")
        constraints = [
            models.CheckConstraint(condition=Q(sex__in=["M", "F"]), name="stats_placementfact_sex_valid"),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True, end_reason="") | Q(ended_on__isnull=False) & ~Q(end_reason=""),
                name="stats_placementfact_end_reason_iff_ended",
            ),
        ]
        # The per-case subqueries (moves, first permanent placement) group by case.
        indexes = [models.Index(fields=["case_id"], name="stats_placementfact_case")]

    def __str__(self) -> str:
        return f"placement {self.placement_id}"


class FirstPlacementFact(models.Model):
    """The first placement of each case that has one (registration to a family, not a re-placement),
    with what the median-days indicator groups and filters by computed once at refresh: a third of
    PlacementFact's width and half its rows, so that counting 800k placements per (cell, day) is one
    scan of a narrow table with no date arithmetic per row (see bench/README.md, issue 6)."""

    case_id = models.BigIntegerField(_("case"), primary_key=True)
    child_id = models.BigIntegerField(_("child"), db_default=0)
    record_key = models.SmallIntegerField(_("record key"), db_default=0)
    region_id = models.BigIntegerField(_("region of registration"))
    sex = models.CharField(_("sex"), max_length=1)
    form_of_care = models.CharField(_("form of care"), max_length=20)
    started_on = models.DateField(_("started on"))
    year = models.SmallIntegerField(_("year the placement started"))
    # 20231 for 2023-Q1, as stats.dimensions computes it.
    quarter = models.IntegerField(_("quarter the placement started"))
    age_band = models.CharField(_("age band when the placement started"), max_length=5)
    days_from_registration = models.IntegerField(_("days from registration to placement"))

    class Meta:
        verbose_name = _("first placement (statistics snapshot)")
        verbose_name_plural = _("first placements (statistics snapshot)")
        constraints = [
            models.CheckConstraint(condition=Q(sex__in=["M", "F"]), name="stats_firstplacementfact_sex_valid"),
            models.CheckConstraint(
                condition=Q(quarter__gte=models.F("year") * 10 + 1, quarter__lte=models.F("year") * 10 + 4),
                name="stats_firstplacementfact_quarter_in_year",
            ),
        ]

    def __str__(self) -> str:
        return f"first placement of case {self.case_id}"


class FactsRefresh(models.Model):
    """One refresh of the snapshot tables: the statistics are as of ``finished_at``."""

    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"))
    cases = models.PositiveIntegerField(_("cases copied"))
    placements = models.PositiveIntegerField(_("placements copied"))

    class Meta:
        ordering = ["-finished_at"]
        verbose_name = _("statistics refresh")
        verbose_name_plural = _("statistics refreshes")
        constraints = [models.CheckConstraint(condition=Q(finished_at__gte=models.F("started_at")), name="stats_refresh_ends_after_start")]
        indexes = [models.Index(fields=["-finished_at"], name="stats_refresh_latest")]

    def __str__(self) -> str:
        return f"{local(self.finished_at):%Y-%m-%d %H:%M}"
