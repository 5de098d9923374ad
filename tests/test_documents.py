"""Documents: upload with size and content checks, visibility by role, download with the access log."""

import datetime as dt
import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from audit.models import AccessLog
from documents.models import Document, DocumentDownload
from tests import factories

pytestmark = pytest.mark.django_db

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
WINDOWS_EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64


def docx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def plain_zip_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("payload.js", "alert(1)")
    return buffer.getvalue()


@pytest.fixture
def case(worker, district):
    return factories.CaseFactory(assigned_worker=worker, responsible_unit=district)


@pytest.fixture
def other_worker(db):
    """A social worker of another region: none of their records is visible to this region's staff."""
    astana = factories.DistrictFactory(region=factories.region_by_code("astana"))
    return factories.UserFactory(role="social_worker", unit=astana)


def upload(client, user, *, content=PDF_BYTES, name="court-decision.pdf", **fields):
    client.force_authenticate(user)
    data = {"doc_type": "court_decision", "document_date": "2025-03-01", "file": SimpleUploadedFile(name, content), **fields}
    return client.post("/api/v1/documents/", data, format="multipart")


def stored_document(case, *, uploaded_by, content=PDF_BYTES) -> Document:
    from documents.services import upload_document

    return upload_document(
        actor=uploaded_by, case=case, doc_type="court_decision", document_date=dt.date(2025, 3, 1),
        file=SimpleUploadedFile("decision.pdf", content),
    )


def test_worker_uploads_a_pdf_to_their_case(api_client, worker, case, media_root):
    response = upload(api_client, worker, case=case.pk, title="Court decision No. 12")

    assert response.status_code == 201, response.data
    assert response.data["case"] == case.pk
    assert response.data["content_type"] == "application/pdf"
    assert response.data["original_name"] == "court-decision.pdf"
    assert response.data["uploaded_by"] == worker.pk
    assert response.data["download_url"] == f"/api/v1/documents/{response.data['id']}/download/"
    document = Document.objects.get(pk=response.data["id"])
    assert document.file.read() == PDF_BYTES
    assert document.file.name.startswith("documents/") and "court-decision" not in document.file.name


def test_supervisor_uploads_a_home_study_to_a_family_of_their_unit(api_client, supervisor, district, media_root):
    family = factories.FamilyFactory(responsible_unit=district)

    response = upload(api_client, supervisor, family=family.pk, doc_type="home_study", content=PNG_BYTES, name="scan.png")

    assert response.status_code == 201, response.data
    assert response.data["family"] == family.pk
    assert response.data["content_type"] == "image/png"


def test_a_word_document_is_accepted(api_client, worker, case, media_root):
    response = upload(api_client, worker, case=case.pk, content=docx_bytes(), name="act.docx")

    assert response.status_code == 201, response.data
    assert response.data["content_type"].endswith("wordprocessingml.document")


def test_a_program_renamed_to_pdf_is_refused(api_client, worker, case, media_root):
    response = upload(api_client, worker, case=case.pk, content=WINDOWS_EXE, name="decision.pdf")

    assert response.status_code == 400
    assert "not an accepted type" in str(response.data["file"][0])
    assert not Document.objects.exists()


def test_a_zip_archive_renamed_to_docx_is_refused(api_client, worker, case, media_root):
    response = upload(api_client, worker, case=case.pk, content=plain_zip_bytes(), name="act.docx")

    assert response.status_code == 400
    assert "file" in response.data


def test_a_file_over_the_size_limit_is_refused(api_client, worker, case, media_root, settings):
    settings.DOCUMENTS_MAX_UPLOAD_BYTES = 1024

    response = upload(api_client, worker, case=case.pk, content=PDF_BYTES + b" " * 2048)

    assert response.status_code == 400
    assert "limit" in str(response.data["file"][0])
    assert not list(media_root.rglob("*.pdf"))


def test_an_empty_file_is_refused(api_client, worker, case, media_root):
    response = upload(api_client, worker, case=case.pk, content=b"")

    assert response.status_code == 400
    assert "file" in response.data


def test_a_document_must_name_exactly_one_record(api_client, worker, case, media_root):
    response = upload(api_client, worker, case=case.pk, child=case.child_id)

    assert response.status_code == 400
    assert "exactly one record" in str(response.data)


def test_upload_to_a_case_not_visible_answers_as_if_it_did_not_exist(api_client, other_worker, case, media_root):
    response = upload(api_client, other_worker, case=case.pk)

    assert response.status_code == 400
    assert "case" in response.data
    assert not Document.objects.exists()


def test_analyst_may_not_upload(api_client, analyst, case, media_root):
    assert upload(api_client, analyst, case=case.pk).status_code == 403


def test_administrator_may_not_upload(api_client, case, media_root):
    admin = factories.UserFactory(role="administrator")

    assert upload(api_client, admin, case=case.pk).status_code == 403


def test_a_future_document_date_is_refused(api_client, worker, case, media_root):
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()

    response = upload(api_client, worker, case=case.pk, document_date=tomorrow)

    assert response.status_code == 400
    assert "document_date" in response.data


def test_an_expiry_before_the_document_date_is_refused(api_client, worker, case, media_root):
    response = upload(api_client, worker, case=case.pk, expires_on="2024-01-01")

    assert response.status_code == 400
    assert "expires_on" in response.data
    assert not list(media_root.rglob("*.pdf"))


def test_list_shows_only_documents_of_visible_records(api_client, worker, other_worker, case, media_root, django_assert_max_num_queries):
    mine = stored_document(case, uploaded_by=worker)
    foreign_case = factories.CaseFactory(assigned_worker=other_worker, responsible_unit=other_worker.unit)
    stored_document(foreign_case, uploaded_by=other_worker)
    for _ in range(3):
        stored_document(case, uploaded_by=worker)
    api_client.force_authenticate(worker)

    with django_assert_max_num_queries(8):
        response = api_client.get("/api/v1/documents/")

    assert response.status_code == 200
    assert len(response.data["results"]) == 4 and response.data["next"] is None
    assert mine.pk in {row["id"] for row in response.data["results"]}


def test_supervisor_lists_the_documents_of_their_units_cases(api_client, supervisor, worker, other_worker, case, media_root):
    stored_document(case, uploaded_by=worker)
    stored_document(factories.CaseFactory(assigned_worker=other_worker, responsible_unit=other_worker.unit), uploaded_by=other_worker)
    api_client.force_authenticate(supervisor)

    response = api_client.get("/api/v1/documents/")

    assert [row["case"] for row in response.data["results"]] == [case.pk]


def test_analyst_cannot_list_documents(api_client, analyst):
    api_client.force_authenticate(analyst)

    assert api_client.get("/api/v1/documents/").status_code == 403


def test_worker_downloads_their_document_and_the_access_log_records_it(api_client, worker, case, media_root):
    document = stored_document(case, uploaded_by=worker)
    api_client.force_authenticate(worker)

    response = api_client.get(f"/api/v1/documents/{document.pk}/download/")

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF_BYTES
    assert response["Content-Type"] == "application/pdf"
    assert 'filename="decision.pdf"' in response["Content-Disposition"]
    assert response["Cache-Control"] == "private, no-store"
    log = AccessLog.objects.get(user=worker)
    assert (log.case_id, log.path) == (case.pk, f"/api/v1/documents/{document.pk}/download/")
    assert DocumentDownload.objects.filter(document=document, user=worker).count() == 1


def test_supervisor_downloads_a_document_of_their_unit(api_client, supervisor, worker, case, media_root):
    document = stored_document(case, uploaded_by=worker)
    api_client.force_authenticate(supervisor)

    response = api_client.get(f"/api/v1/documents/{document.pk}/download/")

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF_BYTES


def test_another_worker_cannot_download_and_nothing_is_logged(api_client, worker, other_worker, case, media_root):
    document = stored_document(case, uploaded_by=worker)
    api_client.force_authenticate(other_worker)

    response = api_client.get(f"/api/v1/documents/{document.pk}/download/")

    assert response.status_code == 404
    assert not DocumentDownload.objects.exists()
    assert not AccessLog.objects.filter(user=other_worker).exists()


def test_analyst_cannot_download(api_client, analyst, worker, case, media_root):
    document = stored_document(case, uploaded_by=worker)
    api_client.force_authenticate(analyst)

    assert api_client.get(f"/api/v1/documents/{document.pk}/download/").status_code == 403


def test_a_family_document_download_is_recorded_without_an_access_log_row(api_client, supervisor, district, media_root):
    from documents.services import upload_document

    family = factories.FamilyFactory(responsible_unit=district)
    document = upload_document(
        actor=supervisor, family=family, doc_type="training_certificate", document_date=dt.date(2025, 1, 10),
        expires_on=dt.date(2027, 1, 10), file=SimpleUploadedFile("cert.png", PNG_BYTES),
    )
    api_client.force_authenticate(supervisor)

    response = api_client.get(f"/api/v1/documents/{document.pk}/download/")

    assert response.status_code == 200
    assert DocumentDownload.objects.filter(document=document, user=supervisor).exists()


def test_the_database_refuses_a_document_attached_to_two_records(worker, case):
    from django.db import IntegrityError

    with pytest.raises(IntegrityError):
        Document.objects.create(
            case=case, child=case.child, doc_type="other", document_date=dt.date(2025, 1, 1), file="documents/x.pdf",
            original_name="x.pdf", content_type="application/pdf", size=10, sha256="0" * 64, uploaded_by=worker,
        )


def test_a_medical_report_is_hidden_from_a_worker_with_emergency_access(api_client, worker, district, case, media_root):
    from documents.services import upload_document
    from emergency.services import open_emergency_access

    upload_document(
        actor=worker, case=case, doc_type="medical_report", document_date=dt.date(2025, 2, 1),
        file=SimpleUploadedFile("medical.pdf", PDF_BYTES),
    )
    decision = stored_document(case, uploaded_by=worker)
    colleague = factories.UserFactory(role="social_worker", unit=district)
    open_emergency_access(case=case, actor=colleague, reason="Child brought in at night, placement needed")
    api_client.force_authenticate(colleague)

    response = api_client.get("/api/v1/documents/")

    assert [row["id"] for row in response.data["results"]] == [decision.pk]


def test_the_cases_worker_sees_the_medical_report(api_client, worker, case, media_root):
    from documents.services import upload_document

    report = upload_document(
        actor=worker, child=case.child, doc_type="medical_report", document_date=dt.date(2025, 2, 1),
        file=SimpleUploadedFile("medical.pdf", PDF_BYTES),
    )
    api_client.force_authenticate(worker)

    response = api_client.get(f"/api/v1/documents/{report.pk}/")

    assert response.status_code == 200
    assert response.data["doc_type"] == "medical_report"


def test_a_view_only_share_does_not_allow_adding_documents(api_client, supervisor, district, case, media_root):
    from access.services import share_case

    colleague = factories.UserFactory(role="social_worker", unit=district)
    share_case(case=case, user=colleague, actor=supervisor)

    response = upload(api_client, colleague, case=case.pk)

    assert response.status_code == 403
    assert not Document.objects.exists()


def test_download_accepts_a_pdf_accept_header(api_client, worker, case, media_root):
    document = stored_document(case, uploaded_by=worker)
    api_client.force_authenticate(worker)

    response = api_client.get(f"/api/v1/documents/{document.pk}/download/", HTTP_ACCEPT="application/pdf")

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF_BYTES


def test_the_original_name_keeps_only_the_file_name(worker, case, media_root):
    from documents.services import upload_document

    document = upload_document(
        actor=worker, case=case, doc_type="photo", document_date=dt.date(2025, 3, 1),
        file=SimpleUploadedFile("C:\\Users\\worker\\photo.png", PNG_BYTES),
    )

    assert document.original_name == "photo.png"
    assert document.file.name.endswith(".png")


def test_the_documents_of_one_case(api_client, worker, case, media_root, django_assert_max_num_queries):
    mine = stored_document(case, uploaded_by=worker)
    other_case = factories.CaseFactory(assigned_worker=worker, responsible_unit=case.responsible_unit)
    stored_document(other_case, uploaded_by=worker)
    api_client.force_authenticate(worker)

    # 9: one more than the whole list, for checking that ?case= names a case the user sees (issue 14).
    with django_assert_max_num_queries(9):
        response = api_client.get(f"/api/v1/documents/?case={case.pk}")

    assert [row["id"] for row in response.data["results"]] == [mine.pk]


def test_the_documents_of_a_case_not_visible_answer_as_an_unknown_case(api_client, other_worker, worker, case, media_root):
    stored_document(case, uploaded_by=worker)
    api_client.force_authenticate(other_worker)

    foreign = api_client.get(f"/api/v1/documents/?case={case.pk}")
    unknown = api_client.get("/api/v1/documents/?case=999999999")

    assert foreign.status_code == unknown.status_code == 400
    assert foreign.json() == unknown.json()


def test_detail_of_a_document_not_visible_is_not_found(api_client, other_worker, worker, case, media_root):
    document = stored_document(case, uploaded_by=worker)
    api_client.force_authenticate(other_worker)

    assert api_client.get(f"/api/v1/documents/{document.pk}/").status_code == 404
    assert api_client.get("/api/v1/documents/99999999999999999999/").status_code == 404


@pytest.mark.parametrize("path", ["/api/v1/documents/999999/download/", "/api/v1/exports/children/999999/case-file.pdf"])
def test_an_error_of_a_file_endpoint_is_json_even_when_the_file_was_asked_for(api_client, path):
    """Asked with ?format=file and a bad token, the refusal used to go out as ``*/*`` (schemathesis'
    content-type check); the schema documents JSON for errors."""
    response = api_client.get(path, {"format": "file"}, HTTP_AUTHORIZATION="Token not-a-token")
    assert response.status_code == 403
    assert response["Content-Type"] == "application/json"
    assert response.json()["detail"] == "Invalid token."


def test_a_page_past_the_last_is_a_documented_404(api_client, worker):
    api_client.force_authenticate(worker)
    schema = api_client.get("/api/schema/", {"format": "json"})
    assert "404" in schema.json()["paths"]["/api/v1/notifications/"]["get"]["responses"]
    response = api_client.get("/api/v1/notifications/", {"page": 99})
    assert response.status_code == 404 and response.json() == {"detail": "Invalid page."}
    # In the reader's language (the Kazakh and Russian used to be fuzzy copies of "Invalid token.").
    for language, message in (("kk", "Бет жарамсыз."), ("ru", "Неверная страница.")):
        response = api_client.get("/api/v1/notifications/", {"page": 0}, HTTP_ACCEPT_LANGUAGE=language)
        assert response.status_code == 404 and response.json() == {"detail": message}


def test_the_list_pages_without_counting_every_document(api_client, worker, case, media_root, monkeypatch,
                                                        django_assert_max_num_queries):
    from rest_framework.pagination import PageNumberPagination

    monkeypatch.setattr(PageNumberPagination, "page_size", 2)
    ids = [stored_document(case, uploaded_by=worker).pk for _ in range(5)]
    api_client.force_authenticate(worker)

    with django_assert_max_num_queries(8):
        first = api_client.get("/api/v1/documents/").json()
    assert "count" not in first and first["previous"] is None
    second = api_client.get(first["next"]).json()
    third = api_client.get(second["next"]).json()
    assert third["next"] is None and second["previous"].endswith("/api/v1/documents/")
    assert [row["id"] for page in (first, second, third) for row in page["results"]] == sorted(ids, reverse=True)
    for bad in ("4", "0", "x"):
        assert api_client.get("/api/v1/documents/", {"page": bad}).status_code == 404
