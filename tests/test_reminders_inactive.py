"""No notification is addressed to an inactive account (issue 15, item 5): each kind a worker
receives goes to the supervisors of the case's unit while the worker's account is deactivated, the
kinds for supervisors skip an inactive supervisor, and no e-mail goes to an inactive account."""

import datetime as dt

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile

from notifications.models import Notification
from notifications.services import run_reminder_sweep, send_pending_emails
from risk.models import PlacementRisk
from tests.factories import CaseFactory, FamilyFactory, PlacementFactory, UserFactory, VisitFactory
from tests.test_reminders import TODAY, at, day, written_days_ago

pytestmark = pytest.mark.django_db


def received(user) -> list[tuple[str, str, dt.date]]:
    return sorted(Notification.objects.filter(recipient=user).values_list("kind", "subject_key", "due_on"))


@pytest.fixture
def gone(district):
    """A worker whose account was deactivated (left the service), still assigned to their cases."""
    return UserFactory(unit=district, is_active=False)


@pytest.fixture
def placement(district, gone):
    case = CaseFactory(responsible_unit=district, stage="placed", assigned_worker=gone)
    return PlacementFactory(case=case, child=case.child, started_on=day(-100))


@pytest.fixture
def district_supervisor(district):
    return UserFactory(role="supervisor", unit=district)


def assert_nothing_to_inactive_accounts() -> None:
    assert not Notification.objects.filter(recipient__is_active=False).exists()


def test_visit_due_of_a_deactivated_worker_goes_to_the_units_supervisors(placement, gone, supervisor, district_supervisor):
    visit = VisitFactory(placement=placement, planned_on=day(7))
    assert run_reminder_sweep(today=TODAY).created["visit_due"] == 2
    assert received(gone) == []
    for boss in (supervisor, district_supervisor):
        assert [(k, due) for k, _key, due in received(boss)] == [("visit_due", visit.planned_on)]
    assert_nothing_to_inactive_accounts()


def test_visit_overdue_of_a_deactivated_worker_goes_to_the_supervisors(placement, gone, supervisor):
    VisitFactory(placement=placement, planned_on=day(-1))
    run_reminder_sweep(today=TODAY)
    assert [(k, due) for k, _key, due in received(supervisor)] == [("visit_overdue", day(-1))]
    assert_nothing_to_inactive_accounts()


def test_a_stuck_case_of_a_deactivated_worker_goes_to_the_supervisors(district, gone, supervisor):
    case = CaseFactory(responsible_unit=district, stage="matching", stage_entered_at=at(day(-90)), assigned_worker=gone)
    run_reminder_sweep(today=TODAY)
    assert received(supervisor) == [("case_stuck", f"case:{case.pk}:matching", TODAY)]
    assert_nothing_to_inactive_accounts()


def test_high_risk_without_a_visit_of_a_deactivated_worker_goes_to_the_supervisors(placement, supervisor):
    PlacementRisk.objects.create(placement=placement, score=70, band="high", factors=[], computed_on=TODAY,
                                 last_visit_on=day(-31))
    run_reminder_sweep(today=TODAY)
    assert received(supervisor) == [("high_risk_no_visit", f"placement:{placement.pk}", day(-1))]
    assert_nothing_to_inactive_accounts()


def test_an_expiring_document_of_a_deactivated_workers_case_goes_to_the_supervisors(district, worker, gone, supervisor,
                                                                                    media_root):
    from documents.services import upload_document

    case = CaseFactory(responsible_unit=district, assigned_worker=worker)
    document = upload_document(
        actor=worker, case=case, doc_type="training_certificate", document_date=dt.date(2025, 1, 15),
        expires_on=TODAY + dt.timedelta(days=10), file=SimpleUploadedFile("c.pdf", b"%PDF-1.4\n%%EOF\n"),
    )
    case.assigned_worker = gone
    case.save()
    run_reminder_sweep(today=TODAY)
    assert received(supervisor) == [("certificate_expiring", f"document:{document.pk}", document.expires_on)]
    assert_nothing_to_inactive_accounts()


def test_supervisor_kinds_skip_an_inactive_supervisor(district, worker, supervisor, settings):
    """Escalations, family certificates, a move into high risk and an emergency access."""
    from emergency.services import open_emergency_access
    from notifications.services import notify_supervisors_of_placements

    settings.NOTIFICATION_ESCALATE_AFTER_DAYS = 1
    retired = UserFactory(role="supervisor", unit=district, is_active=False)
    case = CaseFactory(responsible_unit=district, stage="placed", assigned_worker=worker)
    placement = PlacementFactory(case=case, child=case.child, started_on=day(-100))
    VisitFactory(placement=placement, planned_on=day(-2))
    FamilyFactory(responsible_unit=district, home_study_issued_on=day(-300), home_study_expires_on=day(20))
    run_reminder_sweep(today=TODAY)
    notify_supervisors_of_placements(placement_ids=[placement.pk], kind="high_risk", due_on=TODAY)
    other = CaseFactory(responsible_unit=district)
    open_emergency_access(case=other, actor=worker, reason="Child brought in at night")
    kinds = {kind for kind, _key, _due in received(supervisor)}
    assert {"escalation", "certificate_expiring", "high_risk", "emergency_access"} <= kinds
    assert received(retired) == []
    assert_nothing_to_inactive_accounts()


def test_a_worker_deactivated_after_a_sweep_hands_the_open_reminders_to_the_supervisors_the_next_day(
    district, worker, supervisor
):
    case = CaseFactory(responsible_unit=district, stage="placed", assigned_worker=worker)
    placement = PlacementFactory(case=case, child=case.child, started_on=day(-100))
    VisitFactory(placement=placement, planned_on=day(-3))
    VisitFactory(placement=placement, planned_on=day(5))
    run_reminder_sweep(today=day(-1))
    assert {k for k, _key, _due in received(worker)} == {"visit_overdue", "visit_due"}
    written_days_ago(3)
    worker.is_active = False
    worker.save()
    run_reminder_sweep(today=TODAY)  # incremental: nothing about the visits or the case changed
    assert {(k, due) for k, _key, due in received(supervisor)} == {("visit_overdue", day(-3)), ("visit_due", day(5))}


def test_no_email_goes_to_an_inactive_account(district, worker, supervisor):
    Notification.objects.create(recipient=worker, kind="visit_due", subject_key="visit:1:scheduled", due_on=TODAY,
                                title="Visit due")
    Notification.objects.create(recipient=supervisor, kind="visit_due", subject_key="visit:1:scheduled", due_on=TODAY,
                                title="Visit due")
    worker.is_active = False
    worker.save()
    mail.outbox.clear()
    assert send_pending_emails() == 1
    assert [m.to for m in mail.outbox] == [[supervisor.email]]
    assert Notification.objects.get(recipient=worker).emailed_at is None
