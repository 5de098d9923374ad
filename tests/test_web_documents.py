"""Documents on the child, family and case pages: upload with type and expiry, list, download, with
the API's checks (content type, size, visibility) and the errors beside the field."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from documents.models import Document, DocumentDownload
from tests import factories

pytestmark = pytest.mark.django_db

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _media(media_root):
    return media_root


@pytest.fixture
def case(worker):
    return factories.CaseFactory(assigned_worker=worker, responsible_unit=worker.unit)


def data(content=PDF_BYTES, name="court-decision.pdf", **overrides):
    today = timezone.localdate()
    values = {"doc_type": "court_decision", "title": "Решение суда", "number": "2-123/2026",
              "document_date": today.isoformat(), "expires_on": "", "file": SimpleUploadedFile(name, content)}
    values.update(overrides)
    return {f"doc-{k}": v for k, v in values.items()}


def test_uploading_to_a_case_lists_the_document_on_the_case_page_and_downloads_it(client, worker, case):
    client.force_login(worker)
    response = client.post(reverse("web:case-document-upload", args=[case.pk]), data())
    assert response.status_code == 302 and response["Location"].endswith("#documents")
    document = Document.objects.get(case=case)
    page = client.get(reverse("web:case", args=[case.pk])).content.decode()
    assert "Решение суда" in page and reverse("web:document-download", args=[document.pk]) in page
    download = client.get(reverse("web:document-download", args=[document.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF_BYTES
    assert download["Content-Type"] == "application/pdf" and download["Cache-Control"] == "private, no-store"
    assert DocumentDownload.objects.filter(document=document, user=worker).count() == 1


def test_a_forbidden_file_type_is_refused_beside_the_file_field(client, worker, case):
    client.force_login(worker)
    response = client.post(reverse("web:case-document-upload", args=[case.pk]),
                           data(content=b"MZ\x90\x00program", name="decision.pdf"))
    assert response.status_code == 400
    assert "not an accepted type" in response.context["form"].errors["file"][0]
    assert 'value="2-123/2026"' in response.content.decode()  # the typed number is kept
    assert not Document.objects.exists()


def test_an_expiry_before_the_documents_date_is_refused_beside_the_expiry(client, worker, case):
    client.force_login(worker)
    response = client.post(reverse("web:case-document-upload", args=[case.pk]),
                           data(expires_on=(timezone.localdate() - dt.timedelta(days=3)).isoformat()))
    assert response.status_code == 400
    assert "expiry date must come after" in response.context["form"].errors["expires_on"][0]
    assert not Document.objects.exists()


def test_a_too_large_file_is_refused(client, worker, case, settings):
    settings.DOCUMENTS_MAX_UPLOAD_BYTES = 20
    client.force_login(worker)
    response = client.post(reverse("web:case-document-upload", args=[case.pk]), data())
    assert response.status_code == 400
    assert "the limit is" in response.context["form"].errors["file"][0]


def test_documents_on_the_child_and_family_pages(client, worker, case):
    family = factories.FamilyFactory(responsible_unit=worker.unit)
    factories.ApplicantFactory(family=family)
    client.force_login(worker)
    assert client.post(reverse("web:child-document-upload", args=[case.child_id]),
                       data(doc_type="birth_certificate", title="Туу туралы куәлік")).status_code == 302
    assert client.post(reverse("web:family-document-upload", args=[family.pk]),
                       data(doc_type="home_study", title="Home study report",
                            expires_on=(timezone.localdate() + dt.timedelta(days=300)).isoformat())).status_code == 302
    assert "Туу туралы куәлік" in client.get(reverse("web:child", args=[case.child_id])).content.decode()
    assert "Home study report" in client.get(reverse("web:family", args=[family.pk])).content.decode()


def test_documents_of_a_case_one_cannot_see_are_not_found(client, worker):
    other = factories.CaseFactory()
    stranger = factories.UserFactory(role="social_worker", unit=other.responsible_unit)
    other.assigned_worker = stranger
    other.save()
    client.force_login(stranger)
    client.post(reverse("web:case-document-upload", args=[other.pk]), data())
    document = Document.objects.get(case=other)
    client.force_login(worker)
    assert client.get(reverse("web:document-download", args=[document.pk])).status_code == 404
    assert client.post(reverse("web:case-document-upload", args=[other.pk]), data()).status_code == 404


def test_a_view_only_share_lists_documents_but_may_not_upload(client, worker, supervisor):
    from access.services import share_case

    case = factories.CaseFactory(responsible_unit=worker.unit)
    share_case(case=case, user=worker, actor=supervisor, reason="cover")
    client.force_login(worker)
    page = client.get(reverse("web:case", args=[case.pk])).content.decode()
    assert "No documents yet." in page and "Upload a document" not in page
    assert client.post(reverse("web:case-document-upload", args=[case.pk]), data()).status_code == 403
    assert not Document.objects.exists()


def test_analysts_get_403(client, analyst, case):
    client.force_login(analyst)
    assert client.post(reverse("web:case-document-upload", args=[case.pk]), data()).status_code == 403
