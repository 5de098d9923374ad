"""Writes on follow-up visits: planning them from the policy, cancelling them when a placement
ends, recording a visit, and regenerating schedules when an official changes a policy."""

import datetime as dt
import logging

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from cases.models import Placement
from core.exceptions import DomainError
from visits.models import CHECKLIST_ITEMS, Visit, VisitPolicy
from visits.schedule import PLANNED_VISITS_SQL, plan_until, planned_dates, policy_params
from visits.signals import visit_recorded, visits_scheduled

logger = logging.getLogger(__name__)


def schedule_visits_for_placement(*, placement: Placement, today: dt.date | None = None) -> list[Visit]:
    """Plan the follow-up visits of a new placement from its form of care's policy.

    Called by the workflow inside the transaction that places the child. A form of care without a
    policy (a guest family is not a placement) plans nothing. Dates already planned are kept, so
    calling it twice does not double a visit. Also records the placement's first risk assessment,
    so calibration knows the band at placement start.
    """
    today = today or timezone.localdate()
    policy = VisitPolicy.objects.filter(form_of_care=placement.form_of_care).first()
    created: list[Visit] = []
    with transaction.atomic():
        if policy is not None:
            wanted = planned_dates(policy, started_on=placement.started_on, not_after=plan_until(
                policy, started_on=placement.started_on, today=today))
            existing = set(
                Visit.objects.filter(placement=placement, kind__in=[Visit.Kind.SCHEDULED, Visit.Kind.ANNUAL_REPORT])
                .values_list("kind", "planned_on")
            )
            created = Visit.objects.bulk_create(
                [Visit(placement=placement, kind=kind, planned_on=day) for kind, day in wanted if (kind, day) not in existing]
            )
        visits_scheduled.send(sender=Placement, placement=placement, today=today)
    return created


def cancel_pending_visits(*, placement: Placement) -> int:
    """Delete the visits not yet done that fall on or after the placement's end; returns how many.

    Visits missed before the end stay, as the record of what did not happen.
    """
    end = placement.ended_on or timezone.localdate()
    with transaction.atomic():
        deleted, _by_model = Visit.objects.filter(placement=placement, done_on__isnull=True, planned_on__gte=end).delete()
    return deleted


def _validate_checklist(checklist: object) -> dict[str, bool]:
    if not isinstance(checklist, dict):
        raise DomainError(_("The checklist is a set of yes/no answers."), field="checklist")
    unknown = sorted(set(checklist) - set(CHECKLIST_ITEMS))
    if unknown:
        raise DomainError(_("Unknown checklist items: %(items)s.") % {"items": ", ".join(unknown)}, field="checklist")
    if not all(isinstance(v, bool) for v in checklist.values()):
        raise DomainError(_("Answer each checklist item with yes or no."), field="checklist")
    return dict(checklist)


def record_visit(
    *,
    visit: Visit,
    actor: User,
    done_on: dt.date,
    child_seen: bool,
    seen_by: str,
    child_condition: str,
    family_condition: str,
    checklist: dict[str, bool],
    concerns: str = "",
) -> Visit:
    """Record a planned visit as done; the risk app recomputes the placement's risk of return in the
    same transaction (``visits.signals.visit_recorded``)."""
    today = timezone.localdate()
    with transaction.atomic():
        visit = Visit.objects.select_for_update().select_related("placement").get(pk=visit.pk)
        placement = visit.placement
        if visit.done_on is not None:
            raise DomainError(_("This visit was already recorded on %(date)s.") % {"date": visit.done_on}, field="done_on")
        if done_on > today:
            raise DomainError(_("A visit cannot be recorded before it happens."), field="done_on")
        if done_on < placement.started_on:
            raise DomainError(_("The visit date is before the placement started."), field="done_on")
        if placement.ended_on is not None and done_on > placement.ended_on:
            raise DomainError(_("The visit date is after the placement ended."), field="done_on")
        if child_seen and not seen_by.strip():
            raise DomainError(_("Say who saw the child."), field="seen_by")
        if not child_seen and not concerns.strip():
            raise DomainError(_("The child was not seen: explain why under concerns."), field="concerns")
        visit.done_on = done_on
        visit.worker = actor
        visit.child_seen = child_seen
        visit.seen_by = seen_by.strip()
        visit.child_condition = child_condition
        visit.family_condition = family_condition
        visit.checklist = _validate_checklist(checklist)
        visit.concerns = concerns
        if not child_condition:
            raise DomainError(_("Give the child's condition."), field="child_condition")
        if not family_condition:
            raise DomainError(_("Give the family's condition."), field="family_condition")
        visit.full_clean()
        visit.save()
        visit_recorded.send(sender=Visit, visit=visit, placement=placement, today=today)
    return visit


def save_visit_policy(*, policy: VisitPolicy, today: dt.date | None = None) -> int:
    """Save an edited policy and re-plan the open placements' visits from it, in one transaction.
    Returns the number of visits planned."""
    with transaction.atomic():
        policy.full_clean()
        policy.save()
        return regenerate_planned_visits(policy=policy, today=today)


def regenerate_planned_visits(*, policy: VisitPolicy, today: dt.date | None = None) -> int:
    """After a policy change: re-plan, for every open placement of its form of care, the scheduled
    visits and reports not done yet from today on. Two statements whatever the number of placements.
    Returns the number of visits planned."""
    today = today or timezone.localdate()
    from dateutil.relativedelta import relativedelta

    params = {**policy_params(policy), "from_date": today, "to_date": today + relativedelta(months=policy.horizon_months)}
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            """
            DELETE FROM visits_visit v USING cases_placement p
            WHERE v.placement_id = p.id AND p.ended_on IS NULL AND p.form_of_care = %(form)s
              AND v.done_on IS NULL AND v.kind IN ('scheduled', 'annual_report') AND v.planned_on >= %(from_date)s
            """,
            params,
        )
        cursor.execute(PLANNED_VISITS_SQL.format(placement_filter=""), params)
        return cursor.rowcount


def extend_visit_horizons(*, today: dt.date | None = None, window_days: int = 7) -> int:
    """Nightly: plan the visits of open-ended schedules that have just come within the horizon.

    Looks at a window of a few days before the horizon, so a missed night is caught up; the unique
    visit date makes a re-run plan nothing twice. One statement per open-ended policy.
    """
    today = today or timezone.localdate()
    from dateutil.relativedelta import relativedelta

    planned = 0
    with transaction.atomic(), connection.cursor() as cursor:
        for policy in VisitPolicy.objects.filter(repeat_every_months__isnull=False, repeat_until_months__isnull=True):
            to_date = today + relativedelta(months=policy.horizon_months)
            params = {**policy_params(policy), "from_date": to_date - dt.timedelta(days=window_days), "to_date": to_date}
            cursor.execute(PLANNED_VISITS_SQL.format(placement_filter=""), params)
            planned += cursor.rowcount
    return planned


UNSCHEDULED_KINDS = (Visit.Kind.URGENT, Visit.Kind.UNSCHEDULED)


def record_unscheduled_visit(
    *,
    placement: Placement,
    actor: User,
    kind: str,
    done_on: dt.date,
    child_seen: bool,
    seen_by: str,
    child_condition: str,
    family_condition: str,
    checklist: dict[str, bool],
    concerns: str = "",
) -> Visit:
    """Record an urgent or extra visit made outside the schedule (``kind`` in ``UNSCHEDULED_KINDS``).
    It is a visit of its own, so the next planned visit stays to do; the same checks as
    ``record_visit`` apply and the risk of return is recomputed. Only a user who may change the
    placement's case may record it; a placement that has ended takes none. One transaction: on a
    refusal (DomainError naming the field) nothing is saved."""
    from access.selectors import cases_editable_by

    if kind not in UNSCHEDULED_KINDS:
        raise DomainError(_("Choose an urgent or an extra visit."), field="kind")
    with transaction.atomic():
        placement = Placement.objects.select_for_update().get(pk=placement.pk)
        if not cases_editable_by(actor).filter(pk=placement.case_id).exists():
            raise DomainError(_("You may not record visits on this case."), field="non_field_errors", code="permission_denied")
        if placement.ended_on is not None:
            raise DomainError(_("This placement has ended; record no more visits on it."), field="non_field_errors")
        visit = Visit.objects.create(placement=placement, kind=kind, planned_on=min(done_on, timezone.localdate()))
        return record_visit(
            visit=visit, actor=actor, done_on=done_on, child_seen=child_seen, seen_by=seen_by, child_condition=child_condition,
            family_condition=family_condition, checklist=checklist, concerns=concerns,
        )
