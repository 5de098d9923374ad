"""The PDF of a child's case file: its content, and who may produce it."""

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from pypdf import PdfReader

from audit.models import AccessLog
from cases.models import StageChange
from documents.services import upload_document
from emergency.services import open_emergency_access
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(worker, district):
    child = factories.ChildFactory(last_name="Нұрланов", first_name="Арман", patronymic="Серікұлы", health_notes="Asthma, inhaler")
    return factories.CaseFactory(child=child, assigned_worker=worker, responsible_unit=district)


def export_url(child_id: int) -> str:
    return f"/api/v1/exports/children/{child_id}/case-file.pdf"


def pdf_text(response) -> str:
    """The PDF's text with its runs of white space as one space: pypdf's extraction may put two
    between words of a line and breaks a wrapped line (as tests/test_case_file_pages.pdf_text)."""
    reader = PdfReader(io.BytesIO(response.content))
    return " ".join("\n".join(page.extract_text() for page in reader.pages).split())


def test_worker_exports_the_case_file_with_timeline_placement_visits_and_documents(api_client, worker, case, media_root):
    StageChange.objects.create(case=case, from_stage="registered", to_stage="available", reason="Legal status confirmed", actor=worker)
    placement = factories.PlacementFactory(case=case, child=case.child, form_of_care="guardianship", family__form_of_care="guardianship")
    factories.ApplicantFactory(family=placement.family, last_name="Садыкова", first_name="Дана")
    factories.VisitFactory(placement=placement, concerns="Misses school on Mondays")
    upload_document(
        actor=worker, case=case, doc_type="guardianship_act", document_date=dt.date(2025, 4, 2), title="Акт опеки № 77",
        file=SimpleUploadedFile("act.pdf", b"%PDF-1.4\n%%EOF\n"),
    )
    factories.ConsentFactory(case=case, given_by="Законный представитель")
    api_client.force_authenticate(worker)

    response = api_client.get(export_url(case.child_id))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    text = pdf_text(response)
    assert "Нұрланов Арман Серікұлы" in text
    assert "Asthma, inhaler" in text  # sensitive fields belong to the full file
    assert "Legal status confirmed" in text
    assert "Садыкова Дана" in text
    assert "Misses school on Mondays" in text
    assert "Акт опеки № 77" in text
    assert "Законный представитель" in text


def test_the_export_is_written_to_the_access_log(api_client, worker, case):
    api_client.force_authenticate(worker)

    api_client.get(export_url(case.child_id))

    log = AccessLog.objects.get(user=worker, child=case.child)
    assert log.saw_sensitive is True


def test_supervisor_of_the_unit_exports_the_case_file(api_client, supervisor, case):
    api_client.force_authenticate(supervisor)

    response = api_client.get(export_url(case.child_id))

    assert response.status_code == 200
    assert "Нұрланов" in pdf_text(response)


def test_another_worker_gets_not_found(api_client, case):
    api_client.force_authenticate(factories.UserFactory(role="social_worker"))

    assert api_client.get(export_url(case.child_id)).status_code == 404


def test_analyst_is_refused(api_client, analyst, case):
    api_client.force_authenticate(analyst)

    assert api_client.get(export_url(case.child_id)).status_code == 403


def test_administrator_who_may_not_see_sensitive_fields_is_refused(api_client, case):
    api_client.force_authenticate(factories.UserFactory(role="administrator"))

    response = api_client.get(export_url(case.child_id))

    assert response.status_code == 403
    assert not AccessLog.objects.exists()


def test_emergency_access_does_not_allow_the_export(api_client, district, case):
    colleague = factories.UserFactory(role="social_worker", unit=district)
    open_emergency_access(case=case, actor=colleague, reason="Child brought in at night, placement needed")
    api_client.force_authenticate(colleague)

    response = api_client.get(export_url(case.child_id))

    assert response.status_code == 403
    assert "sensitive" in str(response.data["detail"])


def test_a_worker_who_sees_only_the_latest_case_is_refused(api_client, worker, district, case):
    # The child's earlier, closed case belongs to someone else: the file would not be whole.
    factories.CaseFactory(
        child=case.child, stage="closed", outcome="reunified", closed_on=dt.date(2024, 1, 5),
        responsible_unit=factories.DistrictFactory(region=factories.region_by_code("astana")),
    )
    api_client.force_authenticate(worker)

    assert api_client.get(export_url(case.child_id)).status_code == 403


def test_without_the_cyrillic_font_the_export_falls_back_to_transliteration(api_client, worker, case, settings):
    settings.DOCUMENTS_PDF_FONT = "/nonexistent/font.ttf"
    api_client.force_authenticate(worker)

    response = api_client.get(export_url(case.child_id))

    assert response.status_code == 200
    assert "Nurlanov Arman" in pdf_text(response)


def test_a_character_outside_the_cut_down_font_is_set_with_the_whole_font(api_client, worker, case):
    # The per-process font covers Latin and Cyrillic; Armenian letters are only in the whole DejaVu file.
    case.child.last_name = "Աբրահամյան"
    case.child.save(update_fields=["last_name"])
    long_concern = "Needs a quiet room for homework " * 12  # wraps over several lines
    placement = factories.PlacementFactory(case=case, child=case.child)
    factories.VisitFactory(placement=placement, concerns=long_concern.strip())
    api_client.force_authenticate(worker)

    response = api_client.get(export_url(case.child_id))

    assert response.status_code == 200
    text = pdf_text(response)
    assert "Աբրահամյան Арман" in text
    assert " ".join(text.split()).count("Needs a quiet room for homework") == 12
