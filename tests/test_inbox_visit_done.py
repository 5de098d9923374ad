"""The inbox shows a visit's reminder and escalation as done once the visit is recorded
(notifications.selectors.with_visit_done): a reminder has only ``read_at``, so "Visit planned on ... is
overdue" stayed new after the worker recorded the visit. Read in the inbox's own query."""

import datetime as dt

import pytest
from django.urls import reverse

from notifications.models import Notification
from notifications.services import run_reminder_sweep
from tests.factories import CaseFactory, PlacementFactory, VisitFactory

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 3, 2)
DONE = {"en": "done on 05.03.2026", "ru": "проведено 05.03.2026", "kk": "05.03.2026 өткізілді"}
NEW = {"en": ">new<", "ru": ">новое<", "kk": ">жаңа<"}


def inbox(client, user, language="en"):
    client.force_login(user)
    client.cookies["django_language"] = language
    return client.get(reverse("web:inbox"), HTTP_ACCEPT_LANGUAGE=language).content.decode()


@pytest.fixture
def overdue(district, supervisor, settings):
    """A visit planned 8 days before TODAY, swept: overdue to the worker, escalated to the supervisor."""
    settings.NOTIFICATION_ESCALATE_AFTER_DAYS = 7
    case = CaseFactory(responsible_unit=district, stage="placed")
    placement = PlacementFactory(case=case, child=case.child, started_on=TODAY - dt.timedelta(days=100))
    visit = VisitFactory(placement=placement, planned_on=TODAY - dt.timedelta(days=8))
    run_reminder_sweep(today=TODAY)
    assert Notification.objects.filter(kind="visit_overdue").count() == 1
    assert Notification.objects.filter(kind="escalation", recipient=supervisor).count() == 1
    return visit


@pytest.mark.parametrize("language", ["en", "ru", "kk"])
def test_a_recorded_visit_shows_its_reminders_done(client, overdue, supervisor, language):
    worker = overdue.placement.case.assigned_worker
    before = inbox(client, worker, language)
    assert NEW[language] in before and DONE[language] not in before
    overdue.done_on, overdue.worker = dt.date(2026, 3, 5), worker
    overdue.save()
    for user in (worker, supervisor):
        page = inbox(client, user, language)
        assert DONE[language] in page
        assert NEW[language] not in page  # not needing action: no "new", no "Mark as read"
        assert 'class="badge done"' in page and "/read/" not in page


def test_another_visit_of_the_placement_recorded_leaves_the_reminder_open(client, overdue):
    """Only the visit the reminder is about (its placement, kind and planned date) resolves it."""
    VisitFactory(placement=overdue.placement, kind="extra", planned_on=overdue.planned_on, done_on=dt.date(2026, 3, 5),
                 worker=overdue.placement.case.assigned_worker)
    page = inbox(client, overdue.placement.case.assigned_worker)
    assert "done on" not in page and NEW["en"] in page


def test_the_inbox_reads_done_visits_in_constant_queries(client, district, worker, django_assert_num_queries):
    def count() -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            inbox(client, worker)
        return len(queries)

    def add(n: int) -> None:
        for _i in range(n):
            case = CaseFactory(responsible_unit=district, stage="placed", assigned_worker=worker)
            placement = PlacementFactory(case=case, child=case.child, started_on=TODAY - dt.timedelta(days=100))
            VisitFactory(placement=placement, planned_on=TODAY - dt.timedelta(days=3), done_on=TODAY, worker=worker)
            VisitFactory(placement=placement, planned_on=TODAY - dt.timedelta(days=2))
            for kind, planned in (("visit_overdue", 3), ("visit_overdue", 2)):
                due = TODAY - dt.timedelta(days=planned)
                Notification.objects.create(recipient=worker, kind=kind, subject_key=f"visit:{placement.pk}:scheduled",
                                            due_on=due, title="t", case=case, placement=placement)

    add(1)
    inbox(client, worker)
    few = count()
    add(8)
    assert count() == few
    page = inbox(client, worker)
    assert page.count("badge done") == 9 and page.count("badge unread") == 9
