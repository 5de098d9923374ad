"""Writes on the risk of return: recomputing scores, acting on a move into the high band, and
recording the family events that feed the score."""

import datetime as dt
import logging

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from cases.models import Placement
from core.exceptions import DomainError
from families.models import Family
from risk.models import FamilyEvent, RiskAssessment, RiskPolicy
from risk.scoring import ScoreChange, score_history, score_placements

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
    with transaction.atomic():
        child = Child.objects.select_for_update().get(pk=placement.child_id)
        child.sdq_total_difficulties = sdq_total_difficulties
        child.full_clean()
        child.save(update_fields=["sdq_total_difficulties", "updated_at"])
        logger.info("SDQ assessment recorded for placement %s by user %s", placement.pk, actor.pk)
        return recompute_risk(placement=placement, reason=RiskAssessment.Reason.ASSESSMENT)


def recompute_all_risks(*, today: dt.date | None = None) -> int:
    """Nightly: recompute every active placement in one statement; returns the moves into high."""
    today = today or timezone.localdate()
    with transaction.atomic():
        changes = score_placements(today=today, reason=RiskAssessment.Reason.SWEEP)
        moved = [c.placement_id for c in changes]
        if moved:
            act_on_moves_into_high(placement_ids=moved, today=today)
    return len(moved)


def record_risk_history() -> int:
    """Assess every placement at its start and at each visit done, where no assessment exists yet
    (data loaded without its history). One statement; returns the assessments written."""
    with transaction.atomic():
        return score_history()


def act_on_moves_into_high(*, placement_ids: list[int], today: dt.date) -> None:
    """Plan an extra visit within the policy's days (unless one is already planned) and alert the
    supervisors of each case's unit. Set-based: two statements for any number of placements."""
    from notifications.services import notify_supervisors_of_placements

    within = RiskPolicy.current().extra_visit_within_days
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO visits_visit (created_at, updated_at, placement_id, kind, planned_on, child_seen, seen_by,
                                      child_condition, family_condition, checklist, concerns)
            SELECT now(), now(), p.id, 'extra', %(on)s, false, '', '', '', '{}'::jsonb, ''
            FROM cases_placement p
            WHERE p.id = ANY(%(ids)s) AND p.ended_on IS NULL
              AND NOT EXISTS (SELECT 1 FROM visits_visit v WHERE v.placement_id = p.id AND v.kind = 'extra'
                              AND v.done_on IS NULL AND v.planned_on <= %(on)s)
            """,
            {"ids": placement_ids, "on": today + dt.timedelta(days=within)},
        )
        notify_supervisors_of_placements(placement_ids=placement_ids, kind="high_risk", due_on=today)


def record_family_event(*, family: Family, kind: str, occurred_on: dt.date, notes: str, actor: User) -> FamilyEvent:
    """Record a stressor in a family and recompute the risk of its children's active placements."""
    today = timezone.localdate()
    if occurred_on > today:
        raise DomainError(_("A family event cannot be recorded before it happens."), field="occurred_on")
    with transaction.atomic():
        event = FamilyEvent(family=family, kind=kind, occurred_on=occurred_on, notes=notes, recorded_by=actor)
        event.full_clean()
        event.save()
        ids = list(Placement.objects.filter(family=family, ended_on__isnull=True).values_list("pk", flat=True))
        if ids:
            recompute_risk_for_placements(placement_ids=ids, reason=RiskAssessment.Reason.FAMILY_EVENT, today=today)
    return event
