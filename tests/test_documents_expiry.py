"""A document's expiry feeds the reminders: the selector, and the step added to the daily sweep."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from documents.reminders import STEP_NAME
from documents.selectors import documents_expiring
from documents.services import upload_document
from notifications.models import Notification
from notifications.services import SWEEP_STEPS, run_reminder_sweep
from tests import factories

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 3, 1)


def certificate(*, actor, expires_on, **record):
    return upload_document(
        actor=actor, doc_type="training_certificate", document_date=dt.date(2025, 1, 15), expires_on=expires_on,
        file=SimpleUploadedFile("certificate.pdf", b"%PDF-1.4\n%%EOF\n"), **record,
    )


@pytest.fixture
def case(worker, district):
    return factories.CaseFactory(assigned_worker=worker, responsible_unit=district)


def test_documents_expiring_lists_those_within_the_window_soonest_first(worker, case, media_root):
    later = certificate(actor=worker, case=case, expires_on=TODAY + dt.timedelta(days=30))
    sooner = certificate(actor=worker, child=case.child, expires_on=TODAY + dt.timedelta(days=3))
    certificate(actor=worker, case=case, expires_on=TODAY + dt.timedelta(days=31))
    certificate(actor=worker, case=case, expires_on=TODAY - dt.timedelta(days=1))

    assert list(documents_expiring(30, today=TODAY)) == [sooner, later]


def test_the_sweep_has_the_document_step():
    assert STEP_NAME in [name for name, _step in SWEEP_STEPS]


def test_the_sweep_reminds_the_cases_worker_once(worker, case, media_root):
    document = certificate(actor=worker, case=case, expires_on=TODAY + dt.timedelta(days=10))

    first = run_reminder_sweep(today=TODAY)
    second = run_reminder_sweep(today=TODAY + dt.timedelta(days=1))

    reminders = Notification.objects.filter(subject_key=f"document:{document.pk}")
    assert [(n.recipient_id, n.kind, n.due_on, n.case_id) for n in reminders] == [
        (worker.pk, "certificate_expiring", document.expires_on, case.pk)
    ]
    assert first.created[STEP_NAME] == 1
    assert second.created[STEP_NAME] == 0


def test_a_childs_document_reminds_the_worker_of_the_childs_open_case(worker, case, media_root):
    document = certificate(actor=worker, child=case.child, expires_on=TODAY + dt.timedelta(days=5))

    run_reminder_sweep(today=TODAY)

    assert Notification.objects.get(subject_key=f"document:{document.pk}").recipient == worker


def test_a_familys_document_reminds_the_supervisors_of_its_unit(supervisor, district, media_root):
    family = factories.FamilyFactory(responsible_unit=district)
    document = certificate(actor=supervisor, family=family, expires_on=TODAY + dt.timedelta(days=20))

    run_reminder_sweep(today=TODAY)

    assert Notification.objects.get(subject_key=f"document:{document.pk}").recipient == supervisor


def test_no_reminder_outside_the_window(worker, case, media_root):
    certificate(actor=worker, case=case, expires_on=timezone.localdate() + dt.timedelta(days=400))

    run_reminder_sweep(today=TODAY)

    assert not Notification.objects.filter(subject_key__startswith="document:").exists()
