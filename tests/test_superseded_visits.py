"""A planned visit not done is overdue only until a later visit of the same placement is done; then
it is missed: not the next visit, not overdue, not in the kit nor reminded, but still a missed visit
for the risk score (docs/visits-risk-reminders.md, "Missed, not overdue")."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.models import Stage
from notifications.models import Notification
from notifications.services import run_reminder_sweep
from risk.services import recompute_risk
from tests.factories import CaseFactory, PlacementFactory, UserFactory, VisitFactory
from visitkit.selectors import package_visits
from visits.models import Visit
from visits.selectors import mark_superseded
from web.selectors import caseload, my_cases, overdue_visits

pytestmark = pytest.mark.django_db


def days(n: int) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=n)


@pytest.fixture
def placement(worker):
    """A placed case of the worker: a visit missed long ago, a later one done, one to come."""
    case = CaseFactory(assigned_worker=worker, responsible_unit=worker.unit, stage=Stage.PLACED, child__last_name="Missedova")
    placement = PlacementFactory(case=case, child=case.child, started_on=days(-1000))
    placement.missed = VisitFactory(placement=placement, planned_on=days(-900))
    VisitFactory(placement=placement, planned_on=days(-60), done_on=days(-59), worker=worker)
    placement.next = VisitFactory(placement=placement, planned_on=days(5))
    return placement


def test_the_case_list_shows_the_next_visit_due_not_the_old_missed_one(client, worker, placement):
    (row,) = my_cases(user=worker)
    assert (row.next_visit_on, row.has_overdue) == (days(5), False)
    assert not my_cases(user=worker, overdue=True).exists()
    # A visit planned after the last one done and not made is overdue, and is then the next visit.
    late = VisitFactory(placement=placement, planned_on=days(-3))
    (row,) = my_cases(user=worker, overdue=True)
    assert (row.next_visit_on, row.has_overdue) == (late.planned_on, True)


def test_the_case_page_marks_the_old_visit_missed_and_shows_the_next_one(client, worker, placement):
    client.force_login(worker)
    response = client.get(reverse("web:case", args=[placement.case_id]))
    assert response.context["next_visit"] == placement.next
    html = response.content.decode()
    assert '<span class="badge">missed</span>' in html
    assert 'class="badge overdue">overdue<' not in html


def test_the_dashboard_neither_lists_nor_counts_a_superseded_visit(supervisor, worker, placement):
    administrator = UserFactory(role="administrator")
    assert overdue_visits(user=supervisor, limit=10) == []
    assert overdue_visits(user=administrator, limit=10) == []
    assert caseload(user=supervisor)[0]["overdue"] == 0
    late = VisitFactory(placement=placement, planned_on=days(-3))
    assert overdue_visits(user=supervisor, limit=10) == [late]
    assert overdue_visits(user=administrator, limit=10) == [late]
    assert caseload(user=supervisor)[0]["overdue"] == 1


def test_the_visit_kit_leaves_out_the_superseded_visit(worker, placement):
    assert [v.pk for v in package_visits(user=worker, until=days(14))] == [placement.next.pk]


def test_the_visits_api_does_not_call_a_superseded_visit_overdue(api_client, worker, placement):
    late = VisitFactory(placement=placement, planned_on=days(-3))
    api_client.force_authenticate(worker)
    overdue = {v["id"]: v["overdue"] for v in api_client.get("/api/v1/visits/").data["results"]}
    assert (overdue[placement.missed.pk], overdue[late.pk], overdue[placement.next.pk]) == (False, True, False)


def test_no_overdue_reminder_nor_escalation_for_a_visit_superseded_within_the_window(worker, placement, supervisor):
    VisitFactory(placement=placement, planned_on=days(-6))  # missed: the one of days(-4) was made
    VisitFactory(placement=placement, planned_on=days(-4), done_on=days(-4), worker=worker)
    late = VisitFactory(placement=placement, planned_on=days(-2))
    run_reminder_sweep(today=timezone.localdate())
    sent = Notification.objects.filter(kind__in=["visit_overdue", "escalation"]).values_list("kind", "due_on")
    assert list(sent) == [("visit_overdue", late.planned_on)]


def test_an_annual_report_is_superseded_by_a_later_report_only():
    placement = PlacementFactory()
    worker = placement.case.assigned_worker or UserFactory()
    report = VisitFactory(placement=placement, kind=Visit.Kind.ANNUAL_REPORT, planned_on=days(-400))
    visit = VisitFactory(placement=placement, planned_on=days(-300))
    VisitFactory(placement=placement, planned_on=days(-200), done_on=days(-200), worker=worker)
    loaded = list(Visit.objects.filter(placement=placement))
    mark_superseded(loaded)
    assert {v.pk: v.superseded for v in loaded if v.done_on is None} == {report.pk: False, visit.pk: True}
    assert report.is_overdue(timezone.localdate())  # no later report done: still overdue


def test_the_risk_score_still_counts_a_superseded_visit_as_missed(worker, placement):
    result = recompute_risk(placement=placement, reason="assessment")
    assert {f["factor"]: f["contribution"] for f in result.factors}.get("missed_visits") == 10
