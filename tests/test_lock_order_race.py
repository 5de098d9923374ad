"""Issue 14, item 12: every write checks the actor's right on the row it has locked, and every write
locks in one order (case, then placement, then visit). Real concurrent transactions on PostgreSQL:
one thread holds the locks, the other is seen waiting for them (pg_stat_activity), then the first
commits. Nothing here waits for a fixed time."""

import datetime as dt
import threading
from collections.abc import Callable

import pytest
from django.db import connection, connections, transaction
from django.utils import timezone
from rest_framework.test import APIClient

from access.services import transfer_case
from cases.models import Case, DecisionStatus, Placement, Stage
from cases.services import end_placement, transition_case
from core.exceptions import DomainError
from tests import factories
from tests.processes import wait_until
from visits.models import Visit
from visits.services import record_visit

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def lock_waiters() -> int:
    """Backends of this database waiting for a row lock now (the statistics snapshot is per
    transaction: cleared first, so that a poll inside the holder's transaction sees new waits)."""
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0]


def run_while_holding(hold: Callable[[], None], then: Callable[[], None], contender: Callable[[], object]) -> dict:
    """In one thread: ``hold()`` (takes locks) inside a transaction; once ``contender`` (another
    thread) waits for a lock, ``then()`` in the same transaction, and commit. Returns what each side
    raised or returned."""
    outcome: dict = {}
    held = threading.Event()

    def holder() -> None:
        try:
            with transaction.atomic():
                hold()
                held.set()
                wait_until(lock_waiters, timeout=20, what="the contender waiting for the lock")
                then()
            outcome["holder"] = "committed"
        except Exception as exc:
            outcome["holder"] = exc
            held.set()
        finally:
            connections.close_all()

    def other() -> None:
        held.wait(timeout=20)
        try:
            outcome["contender"] = contender()
        except Exception as exc:
            outcome["contender"] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=holder), threading.Thread(target=other)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    connection.close()
    return outcome


@pytest.fixture
def people():
    worker = factories.UserFactory(role="social_worker")
    supervisor = factories.UserFactory(role="supervisor", unit=worker.unit.parent)
    astana = factories.DistrictFactory(region=factories.region_by_code("astana"))
    return {"worker": worker, "supervisor": supervisor, "astana": astana}


def test_a_case_transferred_while_the_worker_acts_refuses_the_workers_write(people):
    """The given race: the worker's move passed every check before the supervisor's transfer
    committed; the move, waiting for the case's lock, must see the transfer and write nothing."""
    worker, supervisor = people["worker"], people["supervisor"]
    case = factories.CaseFactory(assigned_worker=worker, responsible_unit=worker.unit, stage=Stage.REGISTERED)

    def hold() -> None:
        Case.objects.select_for_update().get(pk=case.pk)

    def then() -> None:
        transfer_case(case=Case.objects.get(pk=case.pk), unit=people["astana"], actor=supervisor,
                      override_reason="the child moved to Astana with the guardian")

    stale = Case.objects.get(pk=case.pk)  # read while the worker could still change it
    outcome = run_while_holding(hold, then, lambda: transition_case(
        case=stale, to_stage=Stage.AVAILABLE, actor=worker, form_of_care="guardianship"))

    assert outcome["holder"] == "committed"
    assert isinstance(outcome["contender"], DomainError) and outcome["contender"].code == "permission_denied"
    fresh = Case.objects.get(pk=case.pk)
    assert (fresh.stage, fresh.responsible_unit_id, fresh.version) == (Stage.REGISTERED, people["astana"].pk, case.version)


def test_through_the_api_the_late_write_answers_403_not_500(people):
    worker, supervisor = people["worker"], people["supervisor"]
    case = factories.CaseFactory(assigned_worker=worker, responsible_unit=worker.unit, stage=Stage.REGISTERED)

    def hold() -> None:
        Case.objects.select_for_update().get(pk=case.pk)

    def then() -> None:
        transfer_case(case=Case.objects.get(pk=case.pk), unit=people["astana"], actor=supervisor,
                      override_reason="the child moved to Astana with the guardian")

    def post():
        client = APIClient()
        client.force_authenticate(worker)
        return client.post(f"/api/v1/cases/{case.pk}/transition/", {"to_stage": "available", "form_of_care": "guardianship"},
                           format="json")

    outcome = run_while_holding(hold, then, post)
    assert outcome["holder"] == "committed"
    assert outcome["contender"].status_code == 403, outcome["contender"].content
    assert Case.objects.get(pk=case.pk).stage == Stage.REGISTERED


@pytest.mark.parametrize("service", ["end_placement", "sibling_separation", "approve"])
def test_every_case_write_checks_the_right_on_the_locked_row(people, service):
    """Siblings of the transfer race: each service of the workflow refuses after the transfer."""
    from cases.services import approve_decision, record_sibling_separation

    worker, supervisor = people["worker"], people["supervisor"]
    placement = factories.PlacementFactory(case__assigned_worker=worker, case__responsible_unit=worker.unit,
                                           case__stage=Stage.PLACED)
    case = placement.case
    calls = {
        "end_placement": lambda: end_placement(placement=placement, ended_on=timezone.localdate(), end_reason="reunified",
                                               actor=worker),
        "sibling_separation": lambda: record_sibling_separation(case=case, actor=worker, reason="court decision"),
        "approve": lambda: approve_decision(case=case, actor=supervisor, approve=True),
    }

    def hold() -> None:
        Case.objects.select_for_update().get(pk=case.pk)

    def then() -> None:
        transfer_case(case=Case.objects.get(pk=case.pk), unit=people["astana"], actor=supervisor,
                      override_reason="the child moved to Astana with the guardian")

    outcome = run_while_holding(hold, then, calls[service])
    assert outcome["holder"] == "committed"
    # approve answers with its own rule (not a supervisor of the case's unit any more), also on the locked row.
    assert isinstance(outcome["contender"], DomainError)
    assert outcome["contender"].code == ("not_supervisor" if service == "approve" else "permission_denied")
    assert Placement.objects.get(pk=placement.pk).ended_on is None


def test_recording_a_visit_while_the_placement_ends_does_not_deadlock(people):
    """The given deadlock: end_placement locks case and placement then deletes the visits still to
    come; record_visit locked the visit first and then needed the placement. Both now lock case,
    placement, visit: the visit's recording waits, then finds the visit cancelled."""
    worker = people["worker"]
    placement = factories.PlacementFactory(case__assigned_worker=worker, case__responsible_unit=worker.unit,
                                           case__stage=Stage.PLACED, started_on=timezone.localdate() - dt.timedelta(days=90))
    visit = factories.VisitFactory(placement=placement, planned_on=timezone.localdate())

    def hold() -> None:
        # end_placement's own first two locks, taken before the visit's recorder starts.
        Case.objects.select_for_update().get(pk=placement.case_id)
        Placement.objects.select_for_update().get(pk=placement.pk)

    def then() -> None:
        end_placement(placement=Placement.objects.get(pk=placement.pk), ended_on=timezone.localdate(),
                      end_reason="reunified", actor=worker)

    outcome = run_while_holding(hold, then, lambda: record_visit(
        visit=visit, actor=worker, done_on=timezone.localdate(), child_seen=True, seen_by="A. Worker",
        child_condition="good", family_condition="good", checklist={}))

    assert outcome["holder"] == "committed", outcome
    assert isinstance(outcome["contender"], DomainError), outcome
    assert "cancelled" in str(outcome["contender"].message)
    assert Placement.objects.get(pk=placement.pk).ended_on == timezone.localdate()
    assert not Visit.objects.filter(pk=visit.pk).exists()


def test_a_visit_recorded_first_then_the_placement_ends(people):
    """The other order: the recorder holds the case; ending the placement waits, then ends it with
    the visit kept as done."""
    worker = people["worker"]
    placement = factories.PlacementFactory(case__assigned_worker=worker, case__responsible_unit=worker.unit,
                                           case__stage=Stage.PLACED, started_on=timezone.localdate() - dt.timedelta(days=90))
    visit = factories.VisitFactory(placement=placement, planned_on=timezone.localdate())

    def hold() -> None:
        Case.objects.select_for_update().get(pk=placement.case_id)

    def then() -> None:
        record_visit(visit=visit, actor=worker, done_on=timezone.localdate(), child_seen=True, seen_by="A. Worker",
                     child_condition="good", family_condition="good", checklist={})

    outcome = run_while_holding(hold, then, lambda: end_placement(
        placement=Placement.objects.get(pk=placement.pk), ended_on=timezone.localdate(), end_reason="reunified",
        actor=worker))
    assert outcome["holder"] == "committed", outcome
    assert isinstance(outcome["contender"], Placement), outcome
    assert Visit.objects.get(pk=visit.pk).done_on == timezone.localdate()


def test_approve_after_the_decision_is_pending(people):
    """A plain supervisor approval still goes through (the check under the lock lets the right user in)."""
    from cases.services import approve_decision

    worker, supervisor = people["worker"], people["supervisor"]
    case = factories.CaseFactory(assigned_worker=worker, responsible_unit=worker.unit, stage=Stage.DECISION,
                                 form_of_care="adoption", decision_family=factories.FamilyFactory(),
                                 decision_status=DecisionStatus.PENDING)
    assert approve_decision(case=case, actor=supervisor, approve=True).decision_status == DecisionStatus.APPROVED
