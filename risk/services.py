"""Writes on the risk of return: recomputing scores, acting on a move into the high band, and
recording the family events that feed the score."""

import datetime as dt
import logging
import time

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.models import User
from cases.models import Placement
from core.exceptions import DomainError
from core.history import history_params, history_rows_sql
from families.models import Applicant, ApplicantLeaving, CarerCheckFailure, Family
from risk.models import FamilyEvent, RiskAssessment, RiskBacktest, RiskFactorWeight, RiskPolicy, RiskScoringRun
from risk.scoring import ScoreChange, score_history, score_placements
from visits.models import Visit

logger = logging.getLogger(__name__)


def recompute_risk(
    *, placement: Placement, reason: str, visit: object | None = None, today: dt.date | None = None
) -> ScoreChange | None:
    """Recompute one active placement's score, keep it in the history, and act if it moved into
    "high". Returns None for a placement that is not active."""
    changes = recompute_risk_for_placements(
        placement_ids=[placement.pk], reason=reason, visit_id=getattr(visit, "pk", None), today=today
    )
    return changes[0] if changes else None


def recompute_risk_for_placements(
    *, placement_ids: list[int], reason: str, visit_id: int | None = None, today: dt.date | None = None
) -> list[ScoreChange]:
    today = today or timezone.localdate()
    if reason not in RiskAssessment.Reason.values:
        raise ValueError(reason)
    with transaction.atomic():
        changes = score_placements(today=today, reason=reason, placement_ids=placement_ids, visit_id=visit_id)
        moved = [c.placement_id for c in changes if c.band == "high" and c.previous_band != "high"]
        if moved:
            act_on_moves_into_high(placement_ids=moved, today=today)
    return changes


def recompute_risk_for_child(*, child_id: int, reason: str = RiskAssessment.Reason.ASSESSMENT) -> list[ScoreChange]:
    """For the children app after an assessment (a new SDQ score) is saved."""
    ids = list(Placement.objects.filter(child_id=child_id, ended_on__isnull=True).values_list("pk", flat=True))
    return recompute_risk_for_placements(placement_ids=ids, reason=reason) if ids else []


def record_sdq_assessment(*, placement: Placement, sdq_total_difficulties: int, actor: User) -> ScoreChange | None:
    """Record a new SDQ total difficulties score (0–40) for the placed child and recompute the risk.

    The children app has no update service yet, so this is the one place that writes the child's
    SDQ score after registration; it validates through the model like any other write.
    """
    from children.models import Child

    if not 0 <= sdq_total_difficulties <= 40:
        raise DomainError(_("The SDQ total difficulties score is between 0 and 40."), field="sdq_total_difficulties")
    if placement.ended_on is not None:
        raise DomainError(_("This placement has ended; record the assessment on the child's current placement."))
    from cases.services import lock_case

    with transaction.atomic():
        # Case, then placement, then child: the order every write follows; the right checked on the locked case.
        lock_case(placement.case_id, actor=actor)
        placement = Placement.objects.select_for_update().get(pk=placement.pk)
        if placement.ended_on is not None:
            raise DomainError(_("This placement has ended; record the assessment on the child's current placement."))
        child = Child.objects.select_for_update().get(pk=placement.child_id)
        child.sdq_total_difficulties = sdq_total_difficulties
        child.full_clean()
        child.save(update_fields=["sdq_total_difficulties", "updated_at"])
        logger.info("SDQ assessment recorded for placement %s by user %s", placement.pk, actor.pk)
        return recompute_risk(placement=placement, reason=RiskAssessment.Reason.ASSESSMENT)


# Active placements whose score may differ from the one stored by the last run (begun at ``since``
# plus the margin, on day ``last``): rows written since (the placement, another placement of the
# child, the child, the family, a visit written or deleted, a family event), the day-driven inputs
# whose day falls in (last, today] (a pending visit becoming missed, a family event counted or no
# longer counted), and placements without a score yet. Not seen here (a full run, every
# RISK_FULL_SCORING_EVERY_DAYS, catches them): a visit dated in the future at recording reaching its
# day (record_visit refuses such dates), a family event deleted (events keep no history).
CHANGED_PLACEMENTS_SQL = """
WITH changed AS (
    SELECT id FROM cases_placement WHERE ended_on IS NULL AND updated_at >= %(since)s
    UNION
    SELECT a.id FROM cases_placement e JOIN cases_placement a ON a.child_id = e.child_id AND a.ended_on IS NULL
    WHERE e.ended_on IS NOT NULL AND e.updated_at >= %(since)s
    UNION
    SELECT a.id FROM children_child c JOIN cases_placement a ON a.child_id = c.id AND a.ended_on IS NULL
    WHERE c.updated_at >= %(since)s
    UNION
    SELECT a.id FROM families_family f JOIN cases_placement a ON a.family_id = f.id AND a.ended_on IS NULL
    WHERE f.updated_at >= %(since)s
    UNION
    SELECT v.placement_id FROM visits_visit v WHERE v.updated_at >= %(since)s
    UNION
    SELECT h.placement_id FROM audit_historicalvisit h WHERE h.history_date >= %(since)s AND h.history_type = '-'
    UNION  -- missed from planned + grace days + 1
    SELECT v.placement_id FROM visits_visit v
    WHERE v.done_on IS NULL AND v.planned_on > %(last)s::date - %(t_missed)s - 1 AND v.planned_on <= %(today)s::date - %(t_missed)s - 1
    UNION
    SELECT a.id FROM risk_familyevent fe JOIN cases_placement a ON a.family_id = fe.family_id AND a.ended_on IS NULL
    WHERE fe.updated_at >= %(since)s
       OR (fe.occurred_on > %(last)s::date AND fe.occurred_on <= %(today)s::date)
       OR (fe.occurred_on + %(t_events)s > %(last)s::date AND fe.occurred_on + %(t_events)s <= %(today)s::date)
    UNION
    SELECT a.id FROM cases_placement a
    WHERE a.ended_on IS NULL AND NOT EXISTS (SELECT 1 FROM risk_placementrisk r WHERE r.placement_id = a.id)
)
SELECT c.id FROM changed c JOIN cases_placement p ON p.id = c.id AND p.ended_on IS NULL ORDER BY c.id
"""

# The bounds of consecutive runs of RISK_SCORING_BATCH active placements, in id order.
ACTIVE_BATCHES_SQL = """
SELECT min(id), max(id), count(*) FROM (
    SELECT id, (row_number() OVER (ORDER BY id) - 1) / %(batch)s AS batch FROM cases_placement WHERE ended_on IS NULL
) numbered GROUP BY batch ORDER BY batch
"""


def _full_run_reason(*, previous: RiskScoringRun | None, today: dt.date, full: bool | None) -> str:
    """Why this run scores every active placement ("" when it may score only what changed)."""
    if full:
        return "asked"
    if previous is None:
        return "no previous run"
    if previous.run_on > today:
        return "previous run scored a later day"
    last_full = RiskScoringRun.objects.filter(full=True).order_by("-started_at").values_list("run_on", flat=True).first()
    if last_full is None or (today - last_full).days >= int(settings.RISK_FULL_SCORING_EVERY_DAYS):
        return "weekly full run"
    if (RiskFactorWeight.objects.filter(updated_at__gte=previous.started_at).exists()
            or RiskPolicy.objects.filter(updated_at__gte=previous.started_at).exists()):
        return "weights or bands changed"
    return ""


def recompute_all_risks(*, today: dt.date | None = None, full: bool | None = None) -> int:
    """Nightly: recompute the risk of the active placements and act on the moves into high (an
    extra visit, the supervisors alerted). Returns the number of placements that moved into high.

    Every active placement (``full=True``, the first run, a weekly run, after the weights or bands
    changed), or else only those whose inputs may have changed since the last run
    (CHANGED_PLACEMENTS_SQL). Batches of RISK_SCORING_BATCH placements, one transaction each
    (risk.scoring.score_batch: grouped inputs, only changed rows written); the run is recorded as a
    RiskScoringRun. Same scores as the one-statement path (``score_placements``), tested."""
    from risk.scoring import _weights, score_batch

    today = today or timezone.localdate()
    started_at = timezone.now()
    began = time.perf_counter()
    previous = RiskScoringRun.objects.order_by("-started_at", "-id").first()
    why = _full_run_reason(previous=previous, today=today, full=full)
    weights, policy = _weights(), RiskPolicy.current()
    size = max(1, int(settings.RISK_SCORING_BATCH))
    batches: list[tuple[int, int, list[int] | None]] = []
    with connection.cursor() as cursor:
        if why:
            cursor.execute(ACTIVE_BATCHES_SQL, {"batch": size})
            rows = cursor.fetchall()
            batches = [(lo, hi, None) for lo, hi, _ in rows]
            scored = sum(n for _, _, n in rows)
        else:
            assert previous is not None
            since = previous.started_at - dt.timedelta(minutes=int(settings.RISK_CHANGE_MARGIN_MINUTES))
            cursor.execute(CHANGED_PLACEMENTS_SQL, {
                "since": since, "last": previous.run_on, "today": today,
                "t_missed": weights["t_missed_visits"], "t_events": weights["t_family_events"],
            })
            ids = [row[0] for row in cursor.fetchall()]
            batches = [(chunk[0], chunk[-1], chunk) for chunk in (ids[i:i + size] for i in range(0, len(ids), size))]
            scored = len(ids)
    moved_into_high = 0
    for lo, hi, chunk in batches:
        with transaction.atomic():
            with connection.cursor() as cursor:
                # A compiled plan costs 1-3 s a statement here and saves nothing; grouped inputs want memory.
                cursor.execute("SET LOCAL jit = off")
                cursor.execute("SELECT set_config('work_mem', %s, true)", [settings.RISK_SCORING_WORK_MEM])
            changes = score_batch(today=today, lo=lo, hi=hi, placement_ids=chunk, weights=weights, policy=policy)
            moved = [c.placement_id for c in changes]
            if moved:
                act_on_moves_into_high(placement_ids=moved, today=today)
        moved_into_high += len(moved)
    seconds = time.perf_counter() - began
    RiskScoringRun.objects.create(
        started_at=started_at, finished_at=timezone.now(), run_on=today, full=bool(why), why=why or "incremental",
        placements_scored=scored, moved_into_high=moved_into_high, seconds=round(seconds, 3),
    )
    logger.info("risk scoring for %s (%s): %s placements in %s batches, %s moved into high, %.1f s",
                today, why or "incremental", scored, len(batches), moved_into_high, seconds)
    return moved_into_high


def record_risk_history() -> int:
    """Assess every placement at its start and at each visit done, where no assessment exists yet
    (data loaded without its history). One statement; returns the assessments written."""
    with transaction.atomic():
        return score_history()


def record_backtest(*, from_date: dt.date, to_date: dt.date, lead_days: int = 60) -> RiskBacktest:
    """Replay the score over [from_date, to_date] (risk.backtest.run_backtest) and store the result
    for the supervisors' calibration page. Raises ValueError for from_date after to_date or a
    negative lead. Returns the stored row."""
    from risk.backtest import run_backtest

    result = run_backtest(from_date=from_date, to_date=to_date, lead_days=lead_days)
    backtest = RiskBacktest(
        from_date=result.from_date, to_date=result.to_date, lead_days=result.lead_days,
        placements=result.placements, placements_flagged=result.placements_flagged,
        returns=result.returns, returns_flagged_early=result.returns_flagged_early,
        auc_60=result.auc.get(60), auc_180=result.auc.get(180), calibration=result.calibration,
        thresholds=result.thresholds, policy=result.policy, seconds=round(result.seconds, 3),
    )
    backtest.full_clean()
    backtest.save()
    logger.info("risk backtest %s..%s stored: %s placements, %.1f s", from_date, to_date, result.placements, result.seconds)
    return backtest


def plan_extra_visits(*, placement_ids: list[int], on: dt.date, reason: str, kind: str = "extra") -> int:
    """Plan an extra visit of ``kind`` (``extra``: a risk finding; ``family_change``: a change in the
    family) on ``on`` for each active placement without an extra visit of either kind pending by
    then, never on or after the child's 18th birthday, with its history row (``reason``,
    untranslated). One statement; returns how many were planned."""
    with transaction.atomic(), connection.cursor() as cursor:
        # The extra visits and their history rows (who: the current change's user, or none for the
        # nightly run), in one statement.
        cursor.execute(
            """
            WITH planned AS (
                INSERT INTO visits_visit (created_at, updated_at, placement_id, kind, planned_on, child_seen, seen_by,
                                          child_condition, family_condition, checklist, concerns)
                SELECT now(), now(), p.id, %(kind)s, %(on)s, false, '', '', '', '{}'::jsonb, ''
                FROM cases_placement p
                JOIN children_child c ON c.id = p.child_id
                WHERE p.id = ANY(%(ids)s) AND p.ended_on IS NULL
                  -- no visit on or after the 18th birthday: the placement ends "came of age"
                  AND %(on)s < (c.birth_date + make_interval(years => %(majority)s))::date
                  AND NOT EXISTS (SELECT 1 FROM visits_visit v WHERE v.placement_id = p.id AND v.kind IN ('extra', 'family_change')
                                  AND v.done_on IS NULL AND v.planned_on <= %(on)s)
                RETURNING *
            )
            """ + history_rows_sql(Visit, source="planned", history_type="+"),
            {"ids": placement_ids, "on": on, "kind": kind, "majority": int(settings.AGE_OF_MAJORITY), **history_params(reason=reason)},
        )
        return cursor.rowcount


def act_on_moves_into_high(*, placement_ids: list[int], today: dt.date) -> None:
    """Plan an extra visit within the policy's days (unless one is already planned) and alert the
    supervisors of each case's unit. Set-based: two statements for any number of placements."""
    from notifications.services import notify_supervisors_of_placements

    within = RiskPolicy.current().extra_visit_within_days
    with transaction.atomic():
        plan_extra_visits(placement_ids=placement_ids, on=today + dt.timedelta(days=within),
                          reason=gettext_noop("Extra visit: the placement moved into high risk of return."))
        notify_supervisors_of_placements(placement_ids=placement_ids, kind="high_risk", due_on=today)


FAMILY_CHANGE_KINDS = {
    **{kind: "applicant" for kind in ApplicantLeaving.values},
    **{kind: "carer_check" for kind in CarerCheckFailure.values},
}
FAMILY_CHANGE_KIND_CHOICES = sorted(FAMILY_CHANGE_KINDS)


def record_family_change(
    *, family: Family, kind: str, on: dt.date, actor: User | None, applicant: Applicant | None = None,
    today: dt.date | None = None,
) -> Family:
    """A change in the family: an applicant's death, divorce or departure (``applicant`` required),
    or a failed carer check (conviction, psychiatric or narcological registration, prosecution) of
    ``applicant`` (one of the family's still in it, named in the reason: families.services.record_carer_check).

    Either suspends the family's approval (families.services: a leaving until a new home study, a failed
    check until a check that passes or that applicant's leaving), so the family
    drops out of matching and cannot be chosen in a decision; then, for each of its active
    placements, raises the risk (factor "family_suspended"), plans a visit within
    FAMILY_CHANGE_VISIT_WITHIN_DAYS (14) and alerts each placed child's social worker and the
    supervisors of the family's and the cases' units, each change on its own (a second change on a
    family already suspended too), each told of the placed children's cases they work on or supervise
    only. One transaction. Returns the family, its ``active_placement_ids`` set (whoever may see
    them: the caller filters before naming them).
    Raises DomainError with the field to fix."""
    from families.services import record_applicant_leaving, record_carer_check
    from notifications.services import notify_of_family_change

    today = today or timezone.localdate()
    if kind not in FAMILY_CHANGE_KINDS:
        raise DomainError(_("Choose what changed: an applicant's death, divorce or departure, or a failed carer check."),
                          field="kind")
    with transaction.atomic():
        if FAMILY_CHANGE_KINDS[kind] == "applicant":
            if applicant is None or applicant.family_id != family.pk:
                raise DomainError(_("Name the applicant of this family who left."), field="applicant")
            family = record_applicant_leaving(applicant=applicant, reason=kind, on=on, actor=actor)
        else:  # the applicant the failed check concerns (record_carer_check checks they are this family's)
            family = record_carer_check(family=family, checked_on=on, failure=kind, actor=actor, applicant=applicant)
        ids = list(Placement.objects.filter(family=family, ended_on__isnull=True).values_list("pk", flat=True))
        family.active_placement_ids = ids  # for the caller's message (web.views.families.record_change)
        within = int(settings.FAMILY_CHANGE_VISIT_WITHIN_DAYS)
        if ids:
            plan_extra_visits(placement_ids=ids, on=today + dt.timedelta(days=within), kind="family_change",
                              reason=gettext_noop("Extra visit: the family's approval was suspended by a change in the family."))
            recompute_risk_for_placements(placement_ids=ids, reason=RiskAssessment.Reason.FAMILY_EVENT, today=today)
        # Every change its own alert, a family already suspended too (notifications.services.family_change_subject).
        notify_of_family_change(family=family, change=kind, on=on, visit_within_days=within,
                                            applicant=applicant if FAMILY_CHANGE_KINDS[kind] == "applicant" else None,
                                            checked=applicant if FAMILY_CHANGE_KINDS[kind] != "applicant" else None)
    return family


def record_family_event(*, family: Family, kind: str, occurred_on: dt.date, notes: str, actor: User) -> FamilyEvent:
    """Record a stressor in a family and recompute the risk of its children's active placements."""
    today = timezone.localdate()
    if occurred_on > today:
        raise DomainError(_("A family event cannot be recorded before it happens."), field="occurred_on")
    from access.selectors import families_visible_to

    with transaction.atomic():
        # The family row locked, then the actor's right to it checked on the locked row.
        Family.objects.select_for_update().filter(pk=family.pk).first()
        if actor is not None and not families_visible_to(actor).filter(pk=family.pk).exists():
            raise DomainError(_("You may not record events of this family."), code="permission_denied")
        event = FamilyEvent(family=family, kind=kind, occurred_on=occurred_on, notes=notes, recorded_by=actor)
        event.full_clean()
        event.save()
        ids = list(Placement.objects.filter(family=family, ended_on__isnull=True).values_list("pk", flat=True))
        if ids:
            recompute_risk_for_placements(placement_ids=ids, reason=RiskAssessment.Reason.FAMILY_EVENT, today=today)
    return event
