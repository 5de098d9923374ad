"""The child's case-file PDF from the pages: the child's page and the case page link to it for
whoever the export gives it to (and for no one else), the link works with the page's session, and
the PDF is written wholly in the reader's language (kk, ru, en), worded as the case page's timeline."""

import datetime as dt
import io
import re

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from pypdf import PdfReader

from audit.models import AccessLog
from cases.models import StageChange
from cases.wording import stage_reason
from documents.services import upload_document
from emergency.services import open_emergency_access
from tests import factories

pytestmark = pytest.mark.django_db

RETURN_REASON = "Returned to institution (carers' unrealistic expectations)."


def export_url(child_id: int) -> str:
    return f"/api/v1/exports/children/{child_id}/case-file.pdf"


def link_href(html: str) -> str | None:
    match = re.search(r'<a class="small" id="case-file" href="([^"]+)" download>', html)
    return match[1] if match else None


def pdf_text(content: bytes) -> str:
    return " ".join("\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages).split())


@pytest.fixture
def case(worker, district):
    worker.first_name, worker.last_name = "Айгерим", "Сапарова"
    worker.save(update_fields=["first_name", "last_name"])
    child = factories.ChildFactory(last_name="Нұрланов", first_name="Арман", patronymic="Серікұлы", health_notes="Астма",
                                   current_home=None)
    return factories.CaseFactory(child=child, assigned_worker=worker, responsible_unit=district, stage="placed")


@pytest.fixture
def whole_case(case, worker):
    """A case with a text of every kind the PDF writes: a returned placement, visits, a consent, a document."""
    family = factories.FamilyFactory(form_of_care="guardianship")
    factories.ApplicantFactory(family=family, last_name="Садыкова", first_name="Дана")
    returned = factories.PlacementFactory(
        case=case, child=case.child, family=family, form_of_care="guardianship", started_on=dt.date(2023, 5, 25),
        ended_on=dt.date(2023, 9, 1), end_reason="returned", return_reason="unrealistic_expectations",
        decision_document_number="15", decision_date=dt.date(2023, 5, 20),
    )
    factories.VisitFactory(placement=returned, planned_on=dt.date(2023, 6, 24), done_on=dt.date(2023, 6, 24), worker=worker,
                           child_condition="good", family_condition="some_concerns", concerns="Ребёнок плачет по ночам")
    factories.VisitFactory(placement=returned, planned_on=dt.date(2023, 8, 24))
    StageChange.objects.create(case=case, from_stage="registered", to_stage="available", reason="Статус подтверждён", actor=worker)
    StageChange.objects.create(case=case, from_stage="placed", to_stage="available", reason=RETURN_REASON, actor=worker)
    factories.ConsentFactory(case=case, given_by="Законный представитель", scope="Для суда", given_on=dt.date(2023, 5, 1),
                             revoked_on=dt.date(2023, 7, 1), revoked_by=worker)
    upload_document(
        actor=worker, case=case, doc_type="guardianship_act", document_date=dt.date(2023, 5, 20), title="Акт опеки № 77",
        expires_on=dt.date(2030, 1, 1), file=SimpleUploadedFile("act.pdf", b"%PDF-1.4\n%%EOF\n"),
    )
    return case


def test_the_childs_page_and_the_case_page_link_the_case_file_for_its_worker_and_supervisor(client, worker, supervisor, case):
    for user in (worker, supervisor):
        client.force_login(user)
        for page in (f"/children/{case.child_id}/", f"/cases/{case.pk}/"):
            response = client.get(page)
            assert response.status_code == 200
            assert link_href(response.content.decode()) == export_url(case.child_id), (user.role, page)
            assert "Case file (PDF)" in response.content.decode()


def test_no_link_for_whom_the_export_refuses(client, district, case):
    # Emergency access sees the case, but not the file (the export answers 403).
    colleague = factories.UserFactory(role="social_worker", unit=district)
    open_emergency_access(case=case, actor=colleague, reason="Child brought in at night, placement needed")
    client.force_login(colleague)
    response = client.get(f"/cases/{case.pk}/")
    assert response.status_code == 200 and link_href(response.content.decode()) is None
    assert client.get(export_url(case.child_id)).status_code == 403


def test_no_link_when_an_earlier_case_of_the_child_is_someone_elses(client, worker, case):
    factories.CaseFactory(
        child=case.child, stage="closed", outcome="reunified", closed_on=dt.date(2024, 1, 5),
        responsible_unit=factories.DistrictFactory(region=factories.region_by_code("astana")),
    )
    client.force_login(worker)
    for page in (f"/children/{case.child_id}/", f"/cases/{case.pk}/"):
        response = client.get(page)
        assert response.status_code == 200 and link_href(response.content.decode()) is None, page
    assert client.get(export_url(case.child_id)).status_code == 403


def test_an_analyst_gets_neither_the_pages_nor_the_file(client, analyst, case):
    client.force_login(analyst)
    assert client.get(f"/children/{case.child_id}/").status_code == 403
    assert client.get(export_url(case.child_id)).status_code == 403


def test_following_the_link_with_the_pages_session_gives_the_pdf_and_logs_the_access(client, worker, case):
    client.force_login(worker)
    href = link_href(client.get(f"/cases/{case.pk}/").content.decode())
    logged = AccessLog.objects.filter(user=worker, child=case.child, saw_sensitive=True)
    before = logged.count()  # the page's own opening is logged too

    response = client.get(href)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf" and response.content.startswith(b"%PDF")
    assert "Нұрланов Арман Серікұлы" in pdf_text(response.content)
    assert logged.count() == before + 1  # the export's row (the access log is append-only)


def _pdf_in(client, worker, case, language: str) -> str:
    client.force_login(worker)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    href = link_href(client.get(f"/children/{case.child_id}/").content.decode())
    response = client.get(href)
    assert response.status_code == 200
    return pdf_text(response.content)


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_the_pdf_in_kazakh_or_russian_has_no_english(client, worker, whole_case, language):
    text = _pdf_in(client, worker, whole_case, language)

    # Every record's own text above is in Cyrillic: any Latin word is the PDF's own, untranslated.
    assert re.findall(r"[A-Za-z]{2,}", text) == []
    with translation.override(language):
        # The return worded as the case page's timeline words it.
        assert stage_reason(RETURN_REASON) in text
        assert str(whole_case.child.region) in text and str(whole_case.responsible_unit) in text
    assert "Ребёнок плачет по ночам" in text and "Акт опеки № 77" in text and "Садыкова Дана" in text


def test_the_pdf_in_russian_words_the_placement_and_the_visit_in_russian(client, worker, whole_case):
    text = _pdf_in(client, worker, whole_case, "ru")

    assert "с 25.05.2023" in text
    assert "Посещение 24.06.2023 — " in text
    assert "Возвращён в учреждение (нереалистичные ожидания воспитателей)." in text


def test_the_pdf_in_english(client, worker, whole_case):
    text = _pdf_in(client, worker, whole_case, "en")

    assert "from 25.05.2023" in text and "Visit 24.06.2023 — " in text
    assert RETURN_REASON in text
    assert "decision 15 of 20.05.2023" in text and "expires 01.01.2030" in text


# The case's number as every other case label writes it: 'Case № 12' / «Дело № 12» / «№ 12 іс» (the
# catalogue's "Case № %(n)s"), not 'Case 12'; a document of the case: 'case № 12' / «дело № 12» / «№ 12 іс».
CASE_NUMBER = {"en": ("Case № {}", "(case № {})"), "ru": ("Дело № {}", "(дело № {})"), "kk": ("№ {} іс", "(№ {} іс)")}


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
def test_the_pdf_numbers_the_case_with_the_number_sign_as_the_pages_do(client, worker, whole_case, language):
    text = _pdf_in(client, worker, whole_case, language)
    heading, document = (words.format(whole_case.pk) for words in CASE_NUMBER[language])
    assert heading in text and document in text
    bare = {"en": rf"\b[Cc]ase {whole_case.pk}\b", "ru": rf"\b[Дд]ело {whole_case.pk}\b", "kk": rf"(?<!№ ){whole_case.pk} іс"}
    assert not re.search(bare[language], text)
