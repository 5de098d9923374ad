"""Saving a visit policy keeps the visits it still plans, and no re-plan, re-run or re-import sends
the same reminder twice (issue 15, item 6: a saved policy deleted the pending visits and planned new
rows, and the next day the worker had a second "visit due" reminder and e-mail for the same date)."""

import datetime as dt
from collections import Counter

import pytest
from django.core import mail
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from notifications.models import Notification
from notifications.services import run_reminder_sweep, send_pending_emails
from tests.factories import CaseFactory, FamilyFactory, PlacementFactory
from visits.models import Visit, VisitPolicy
from visits.services import extend_visit_horizons, save_visit_policy, schedule_visits_for_placement

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 3, 2)
VISIT_KINDS = ("visit_due", "visit_overdue", "escalation")


def placed(district, started_on: dt.date, form_of_care: str = "foster_family"):
    case = CaseFactory(responsible_unit=district, stage="placed")
    placement = PlacementFactory(case=case, child=case.child, family=FamilyFactory(form_of_care=form_of_care),
                                 started_on=started_on)
    schedule_visits_for_placement(placement=placement, today=started_on)
    return placement


def pending(placement) -> dict[tuple[str, dt.date], int]:
    """(kind, planned date) -> id of the placement's visits not done."""
    return {(v.kind, v.planned_on): v.pk for v in placement.visits.filter(done_on__isnull=True)}


def test_saving_an_unchanged_policy_keeps_every_visit(district):
    placement = placed(district, dt.date(2025, 11, 20))
    before = pending(placement)
    save_visit_policy(policy=VisitPolicy.objects.get(form_of_care="foster_family"), today=TODAY)
    after = pending(placement)
    assert {key: after[key] for key in before} == before  # every row kept, ids and all
    # Only what came within the horizon since the placement was scheduled is new.
    assert all(day > dt.date(2028, 11, 20) for _kind, day in set(after) - set(before))
    assert save_visit_policy(policy=VisitPolicy.objects.get(form_of_care="foster_family"), today=TODAY) == 0
    assert pending(placement) == after


def test_a_changed_policy_deletes_only_the_visits_that_moved(district):
    placement = placed(district, dt.date(2025, 11, 20))  # visits at 1, 4, 7, 10, 13 ... months
    before = pending(placement)
    policy = VisitPolicy.objects.get(form_of_care="foster_family")
    policy.repeat_every_months = 6  # now 1, 7, 13, 19 ... months
    save_visit_policy(policy=policy, today=TODAY)
    after = pending(placement)
    kept = {key for key in after if key in before}
    assert (Visit.Kind.SCHEDULED, dt.date(2026, 6, 20)) in kept  # month 7: in both policies
    for key in kept:
        assert after[key] == before[key], key  # same row
    assert (Visit.Kind.SCHEDULED, dt.date(2026, 9, 20)) not in after  # month 10: moved away
    assert all(day < TODAY or (kind, day) in after for (kind, day) in before if kind == Visit.Kind.ANNUAL_REPORT)


def test_a_policy_saved_after_the_reminder_does_not_remind_the_same_visit_again(district):
    """The reported input: visit due reminder sent, policy saved, next day's sweep and e-mails."""
    placement = placed(district, dt.date(2026, 2, 5))  # month 1: a visit due on 2026-03-05
    run_reminder_sweep(today=TODAY)
    mail.outbox.clear()
    assert send_pending_emails() == 1
    policy = VisitPolicy.objects.get(form_of_care="foster_family")
    policy.horizon_months = 24  # a change that moves no visit date in the next months
    save_visit_policy(policy=policy, today=TODAY)
    run_reminder_sweep(today=TODAY + dt.timedelta(days=1))
    send_pending_emails()
    due = Notification.objects.filter(kind="visit_due", placement=placement)
    assert list(due.values_list("due_on", flat=True)) == [dt.date(2026, 3, 5)]
    assert len(mail.outbox) == 1


def test_a_visit_planned_again_after_it_was_deleted_is_not_reminded_twice(district):
    """A re-plan (or a re-import of the placement's visits) that gives one date a new row."""
    placement = placed(district, dt.date(2026, 2, 5))
    run_reminder_sweep(today=TODAY)
    visit = placement.visits.get(planned_on=dt.date(2026, 3, 5))
    visit.delete()
    Visit.objects.create(placement=placement, kind=visit.kind, planned_on=visit.planned_on)
    assert run_reminder_sweep(today=TODAY + dt.timedelta(days=1)).created["visit_due"] == 0
    assert run_reminder_sweep(today=TODAY + dt.timedelta(days=1), force=True).created["visit_due"] == 0


def test_the_migration_rekeys_old_reminders_by_placement_kind_and_date(district):
    import importlib

    from django.db import connection

    migration = importlib.import_module("notifications.migrations.0006_visit_reminders_keyed_by_placement_kind_date")
    placement = placed(district, dt.date(2026, 2, 5))
    visit = placement.visits.get(planned_on=dt.date(2026, 3, 5))
    worker = placement.case.assigned_worker
    old = Notification.objects.create(recipient=worker, kind="visit_due", subject_key=f"visit:{visit.pk}",
                                      due_on=visit.planned_on, title="due", placement=placement)
    gone = Notification.objects.create(recipient=worker, kind="visit_due", subject_key="visit:999999999",
                                       due_on=visit.planned_on, title="due", placement=placement)
    with connection.cursor() as cursor:
        cursor.execute(migration.REKEY)
    old.refresh_from_db()
    gone.refresh_from_db()
    assert old.subject_key == f"visit:{placement.pk}:scheduled"
    assert gone.subject_key == "visit:999999999"  # its visit was deleted: nothing to map it to
    # The sweep finds the reminder already there: the worker is not reminded again.
    assert run_reminder_sweep(today=TODAY).created["visit_due"] == 0


policies = st.fixed_dictionaries({
    "first_visits_months": st.lists(st.integers(1, 4), min_size=1, max_size=3, unique=True).map(sorted),
    "repeat_every_months": st.sampled_from([1, 2, 3, 6]),
    "repeat_until_months": st.sampled_from([None, 24, 36]),
    "horizon_months": st.sampled_from([6, 12, 36]),
})
steps = st.lists(st.one_of(
    st.tuples(st.just("save"), policies),
    st.tuples(st.just("sweep"), st.integers(0, 9)),  # days on since the previous step
    st.tuples(st.just("extend"), st.integers(0, 9)),
    st.tuples(st.just("force"), st.integers(0, 3)),
), min_size=1, max_size=10)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=steps)
def test_any_sequence_of_policy_saves_and_sweeps_sends_each_reminder_at_most_once(district, supervisor, steps):
    with transaction.atomic():
        placements = [placed(district, started) for started in (dt.date(2025, 11, 20), dt.date(2026, 1, 31))]
        policy = VisitPolicy.objects.get(form_of_care="foster_family")
        policy.annual_report_every_months = None  # one kind of visit: (placement, date) names it
        save_visit_policy(policy=policy, today=TODAY)
        mail.outbox.clear()
        today = TODAY
        for action, value in steps:
            if action == "save":
                for field, setting in value.items():
                    setattr(policy, field, setting)
                save_visit_policy(policy=policy, today=today)
            elif action == "extend":
                today += dt.timedelta(days=value)
                extend_visit_horizons(today=today)
            else:
                today += dt.timedelta(days=value)
                run_reminder_sweep(today=today, force=action == "force")
                send_pending_emails()
        sent = Counter(Notification.objects.filter(kind__in=VISIT_KINDS, placement__in=placements)
                       .values_list("recipient_id", "kind", "placement_id", "due_on"))
        assert all(n == 1 for n in sent.values()), [key for key, n in sent.items() if n > 1]
        emails = Counter((tuple(m.to), m.subject) for m in mail.outbox)
        assert all(n == 1 for n in emails.values()), [key for key, n in emails.items() if n > 1]
        transaction.set_rollback(True)
