"""Writes on follow-up visits: planning them from the policy, cancelling them when a placement
ends, recording a visit, and regenerating schedules when an official changes a policy."""

import datetime as dt
import logging

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from simple_history.utils import bulk_create_with_history

from accounts.models import User
from cases.models import Placement
from core.dates import day_text
from core.exceptions import DomainError, raise_errors
from core.history import history_kwargs, history_params, history_rows_sql
from visits.models import CHECKLIST_ITEMS, Visit, VisitPolicy
from visits.schedule import PLANNED_VISITS_SQL, UNWANTED_VISITS_SQL, plan_until, planned_dates, policy_params
from visits.signals import visit_recorded, visits_scheduled

logger = logging.getLogger(__name__)

# Why a visit was planned or removed, in its history (history_change_reason, 100 characters): stored
# in English like the stage history's reasons, translatable where shown.
REASON_PLACED = gettext_noop("Planned from the visit policy when the child was placed.")
REASON_POLICY = gettext_noop("Re-planned after the visit policy was changed.")
REASON_HORIZON = gettext_noop("Planned by the nightly extension of the schedule.")
REASON_ENDED = gettext_noop("Cancelled: the placement ended.")


def _planned_sql() -> str:
    return PLANNED_VISITS_SQL.format(placement_filter="", history=history_rows_sql(Visit, source="planned", history_type="+"))


def _unwanted_sql() -> str:
    return UNWANTED_VISITS_SQL.format(placement_filter="", history=history_rows_sql(Visit, source="moved", history_type="-"))


def schedule_visits_for_placement(*, placement: Placement, today: dt.date | None = None,
                                  actor: User | None = None) -> list[Visit]:
    """Plan the follow-up visits of a new placement from its form of care's policy.

    Called by the workflow inside the transaction that places the child. A form of care without a
    policy (a guest family is not a placement) plans nothing. Dates already planned are kept, so
    calling it twice does not double a visit. Also records the placement's first risk assessment,
    so calibration knows the band at placement start. Each visit planned leaves a history row with
    ``actor`` and the reason.
    """
    today = today or timezone.localdate()
    policy = VisitPolicy.objects.filter(form_of_care=placement.form_of_care).first()
    created: list[Visit] = []
    with transaction.atomic():
        if policy is not None:
            # Nothing after the day before the 18th birthday: the placement ends "came of age" then.
            last_day = comes_of_age_on(placement.child.birth_date) - dt.timedelta(days=1)
            wanted = planned_dates(policy, started_on=placement.started_on, not_after=min(last_day, plan_until(
                policy, started_on=placement.started_on, today=today)))
            existing = set(
                Visit.objects.filter(placement=placement, kind__in=[Visit.Kind.SCHEDULED, Visit.Kind.ANNUAL_REPORT])
                .values_list("kind", "planned_on")
            )
            created = bulk_create_with_history(
                [Visit(placement=placement, kind=kind, planned_on=day) for kind, day in wanted if (kind, day) not in existing],
                Visit, **history_kwargs(user=actor, reason=REASON_PLACED),
            )
        visits_scheduled.send(sender=Placement, placement=placement, today=today)
    return created


def comes_of_age_on(birth_date: dt.date) -> dt.date:
    """The 18th birthday (setting AGE_OF_MAJORITY): no visit is planned on or after it."""
    return birth_date + relativedelta(years=int(settings.AGE_OF_MAJORITY))


def cancel_pending_visits(*, placement: Placement, actor: User | None = None) -> int:
    """Delete the visits not yet done that fall on or after the placement's end; returns how many.

    Visits missed before the end stay, as the record of what did not happen. Each deletion leaves a
    history row naming ``actor`` (else the current change's user) and the reason.
    """
    end = placement.ended_on or timezone.localdate()
    deleted = 0
    with transaction.atomic():
        # One placement's few pending visits, deleted one by one so that each writes its history row.
        for visit in Visit.objects.filter(placement=placement, done_on__isnull=True, planned_on__gte=end):
            if actor is not None:
                visit._history_user = actor
            visit._change_reason = REASON_ENDED
            visit.delete()
            deleted += 1
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


def check_visit_findings(*, child_seen: bool, seen_by: str, child_condition: str, family_condition: str,
                         checklist: object, concerns: str) -> dict[str, bool]:
    """The rules a visit's findings follow whatever the visit (``record_visit``; the visit kit checks
    a record made offline with them before deciding whether it is recorded or kept as a conflict).
    Returns the checklist answers; raises DomainError naming every field to fix at once."""
    errors = visit_findings_errors(child_seen=child_seen, seen_by=seen_by, child_condition=child_condition,
                                   family_condition=family_condition, concerns=concerns)
    try:
        answers = _validate_checklist(checklist)
    except DomainError as exc:
        errors = {**exc.errors, **errors}
    raise_errors(errors)
    return answers


def visit_findings_errors(*, child_seen: bool, seen_by: str, child_condition: str, family_condition: str,
                          concerns: str) -> dict[str, str]:
    """Each finding a visit's record misses, field → message, all at once (the page's form asks it too,
    web.forms.RecordVisitForm, so that they show on the same submit as the date's mistake)."""
    errors = {}
    if child_seen and not (seen_by or "").strip():
        errors["seen_by"] = _("Say who saw the child.")
    if not child_seen and not (concerns or "").strip():
        errors["concerns"] = _("The child was not seen: explain why under concerns.")
    if not child_condition:
        errors["child_condition"] = _("Give the child's condition.")
    if not family_condition:
        errors["family_condition"] = _("Give the family's condition.")
    return errors


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
    from cases.services import lock_case

    today = timezone.localdate()
    with transaction.atomic():
        # The lock order of every write: case, then placement, then visit (end_placement takes the
        # same three; locking the visit first deadlocked against it). The actor's right is checked
        # on the locked case.
        placement_id = Visit.objects.filter(pk=visit.pk).values_list("placement_id", flat=True).first()
        case_id = Placement.objects.filter(pk=placement_id).values_list("case_id", flat=True).first()
        if case_id is None:
            raise DomainError(_("This visit no longer exists: it was cancelled when the placement ended."), field="non_field_errors")
        lock_case(case_id, actor=actor)
        placement = Placement.objects.select_for_update().get(pk=placement_id)
        visit = Visit.objects.select_for_update().filter(pk=visit.pk).first()
        if visit is None:
            raise DomainError(_("This visit no longer exists: it was cancelled when the placement ended."), field="non_field_errors")
        visit.placement = placement
        if visit.done_on is not None:
            raise DomainError(_("This visit was already recorded on %(date)s.") % {"date": day_text(visit.done_on)}, field="done_on")
        # The date's mistake and the findings' at once, each beside its field.
        errors = {}
        if done_on > today:
            errors["done_on"] = _("A visit cannot be recorded before it happens.")
        elif done_on < placement.started_on:
            errors["done_on"] = _("The visit date is before the placement started.")
        elif placement.ended_on is not None and done_on > placement.ended_on:
            errors["done_on"] = _("The visit date is after the placement ended.")
        try:
            checked = check_visit_findings(child_seen=child_seen, seen_by=seen_by, child_condition=child_condition,
                                           family_condition=family_condition, checklist=checklist, concerns=concerns)
        except DomainError as exc:
            errors.update(exc.errors)
        raise_errors(errors)
        visit.done_on = done_on
        visit.worker = actor
        visit.child_seen = child_seen
        visit.seen_by = seen_by.strip()
        visit.child_condition = child_condition
        visit.family_condition = family_condition
        visit.checklist = checked
        visit.concerns = concerns
        visit.full_clean()
        visit.save()
        visit_recorded.send(sender=Visit, visit=visit, placement=placement, today=today)
    return visit


def save_visit_policy(*, policy: VisitPolicy, today: dt.date | None = None, actor: User | None = None) -> int:
    """Save an edited policy and re-plan the open placements' visits from it, in one transaction.
    Returns the number of visits planned (those that did not exist yet)."""
    with transaction.atomic():
        policy.full_clean()
        policy.save()
        return regenerate_planned_visits(policy=policy, today=today, actor=actor)


def regenerate_planned_visits(*, policy: VisitPolicy, today: dt.date | None = None, actor: User | None = None) -> int:
    """After a policy change: re-plan, for every open placement of its form of care, the scheduled
    visits and reports not done yet from today on. Two statements whatever the number of placements.

    A visit the new policy still plans keeps its row (its id, and so its reminders and any link to
    it); only those it no longer plans are deleted, and only the new dates are inserted. Every row
    deleted or inserted leaves a history row with ``actor`` and the reason. Returns the number of
    visits planned (inserted)."""
    today = today or timezone.localdate()

    params = {**policy_params(policy), "from_date": today, "to_date": today + relativedelta(months=policy.horizon_months),
              **history_params(user=actor, reason=REASON_POLICY)}
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(_unwanted_sql(), params)
        cursor.execute(_planned_sql(), params)
        return cursor.rowcount


def extend_visit_horizons(*, today: dt.date | None = None, window_days: int = 7) -> int:
    """Nightly: plan the visits of open-ended schedules that have just come within the horizon.

    Looks at a window of a few days before the horizon, so a missed night is caught up; the unique
    visit date makes a re-run plan nothing twice. One statement per open-ended policy.
    """
    today = today or timezone.localdate()

    planned = 0
    with transaction.atomic(), connection.cursor() as cursor:
        for policy in VisitPolicy.objects.filter(repeat_every_months__isnull=False, repeat_until_months__isnull=True):
            to_date = today + relativedelta(months=policy.horizon_months)
            params = {**policy_params(policy), "from_date": to_date - dt.timedelta(days=window_days), "to_date": to_date,
                      **history_params(reason=REASON_HORIZON)}
            cursor.execute(_planned_sql(), params)
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
