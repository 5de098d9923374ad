"""Uploads and exports: bodies over the limit are refused from Content-Length before anything reads
them; file names lose invisible and direction-override characters; spreadsheet cells that would run
as formulas are escaped in every CSV and XLSX export."""

import csv
import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import multipartparser
from openpyxl import load_workbook

from core.filenames import clean_file_name
from core.spreadsheet import spreadsheet_safe
from documents.models import Document
from stats.renderers import CSVRenderer, XLSXRenderer
from tests import factories

pytestmark = pytest.mark.django_db

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def case(worker, district):
    return factories.CaseFactory(assigned_worker=worker, responsible_unit=district)


@pytest.fixture
def body_never_parsed(monkeypatch):
    """Fails the test if Django's multipart parser (which streams files to disk) is ever started."""
    calls = []
    original = multipartparser.MultiPartParser.parse

    def spy(self):
        calls.append(1)
        return original(self)

    monkeypatch.setattr(multipartparser.MultiPartParser, "parse", spy)
    return calls


def plain(message: str) -> str:
    return message.replace("\xa0", " ")  # filesizeformat puts a no-break space before the unit


def upload(api_client, user, *, content=PDF_BYTES, name="court-decision.pdf", **fields):
    api_client.force_authenticate(user)
    data = {"doc_type": "court_decision", "document_date": "2025-03-01", "file": SimpleUploadedFile(name, content), **fields}
    return api_client.post("/api/v1/documents/", data, format="multipart")


# Bodies over the limit


def test_an_upload_over_the_limit_is_refused_before_its_body_is_read(api_client, worker, case, media_root, settings,
                                                                       body_never_parsed, tmp_path):
    settings.DOCUMENTS_MAX_UPLOAD_BYTES = 1024
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)
    response = upload(api_client, worker, case=case.pk, content=PDF_BYTES + b" " * 200_000)
    assert response.status_code == 413
    detail = plain(response.json()["detail"])
    assert re.fullmatch(r"The request is 19\d\.\d KB; the limit here is 1\.0 KB\. Send a smaller file\.", detail), detail
    assert body_never_parsed == []
    assert list(tmp_path.iterdir()) == []  # no temporary upload file
    assert not Document.objects.exists()


def test_an_upload_within_the_limit_still_goes_through(api_client, worker, case, media_root, body_never_parsed):
    response = upload(api_client, worker, case=case.pk)
    assert response.status_code == 201
    assert body_never_parsed == [1]


def test_a_registry_file_over_its_limit_is_refused_from_content_length(api_client, worker, settings, body_never_parsed):
    settings.REGISTRY_MAX_UPLOAD_BYTES = 2048
    api_client.force_authenticate(worker)
    big = SimpleUploadedFile("children.csv", b"last_name,first_name\n" + b"A,B\n" * 40_000)
    response = api_client.post("/api/v1/registry/import/", {"kind": "children", "file": big}, format="multipart")
    assert response.status_code == 413
    assert "the limit here is 2.0 KB" in plain(response.json()["detail"])
    assert body_never_parsed == []


def test_a_json_body_over_the_limit_is_refused(api_client, worker, settings):
    settings.REQUEST_BODY_MAX_BYTES = 4096
    api_client.force_authenticate(worker)
    response = api_client.post("/api/v1/cases/", {"notes": "x" * 10_000}, format="json")
    assert response.status_code == 413
    assert "the limit here is 4.0 KB" in plain(response.json()["detail"])


def test_a_form_post_over_the_limit_is_refused_with_a_plain_message(client, settings, body_never_parsed):
    settings.REQUEST_BODY_MAX_BYTES = 4096
    response = client.post("/accounts/login/", {"username": "x" * 10_000, "password": "y"})
    assert response.status_code == 413
    assert response["Content-Type"].startswith("text/plain")
    assert "the limit here is 4.0 KB" in plain(response.content.decode())


def test_a_malformed_content_length_is_no_500(api_client, worker):
    api_client.force_authenticate(worker)
    response = api_client.post("/api/v1/cases/", data=b"{}", content_type="application/json", CONTENT_LENGTH="abc")
    assert response.status_code < 500


# File names


@pytest.mark.parametrize(("given", "stored"), [
    ("invoice\u202efdp.exe", "invoicefdp.exe"),        # right-to-left override: shown as "invoiceexe.pdf"
    ("re\u200bport\u200d.pdf", "report.pdf"),          # zero-width space and joiner
    ("\u2066act\u2069.pdf", "act.pdf"),                # directional isolates
    ("\ufeffbom.pdf", "bom.pdf"),
    ("line\nbreak\r.pdf", "linebreak.pdf"),
    ("nul\x00byte.pdf", "nulbyte.pdf"),
    ("C:\\Users\\aigerim\\decision.pdf", "decision.pdf"),
    ("../../etc/passwd", "passwd"),
    ("a\u00a0\u2003 b.pdf", "a b.pdf"),                # other spaces made plain, collapsed
    ("Cafe\u0301.pdf", "Café.pdf"),                    # NFC
    ("\u202e", "document"),
    ("Шешім №5.pdf", "Шешім №5.pdf"),                  # Kazakh and Russian names are kept
])
def test_file_names_are_normalised(given, stored):
    assert clean_file_name(given) == stored


def test_a_long_name_keeps_its_extension():
    name = clean_file_name("x" * 500 + ".pdf")
    assert len(name) == 200 and name.endswith(".pdf")


def test_an_uploaded_name_with_a_direction_override_is_stored_and_sent_back_clean(api_client, worker, case, media_root):
    response = upload(api_client, worker, case=case.pk, name="court\u202efdp.exe.pdf")
    assert response.status_code == 201
    assert response.json()["original_name"] == "courtfdp.exe.pdf"
    document = Document.objects.get()
    # A name stored before the cleaning existed is cleaned on the way out too.
    Document.objects.filter(pk=document.pk).update(original_name="old\u202etxt.pdf")
    download = api_client.get(f"/api/v1/documents/{document.pk}/download/")
    assert download.status_code == 200
    assert "\u202e" not in download["Content-Disposition"]
    assert "oldtxt.pdf" in download["Content-Disposition"]


def test_the_migration_cleans_stored_names(worker, case, media_root):
    import importlib

    from django.apps import apps

    from documents.services import upload_document

    document = upload_document(actor=worker, case=case, doc_type="court_decision",
                               document_date=__import__("datetime").date(2025, 3, 1),
                               file=SimpleUploadedFile("a.pdf", PDF_BYTES))
    Document.objects.filter(pk=document.pk).update(original_name="bad\u202efdp.exe")
    importlib.import_module("documents.migrations.0002_clean_original_names").clean(apps, None)
    document.refresh_from_db()
    assert document.original_name == "badfdp.exe"


# Spreadsheet exports


@pytest.mark.parametrize("value", ["=HYPERLINK(\"http://x\",\"y\")", "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"])
def test_a_formula_is_escaped(value):
    assert spreadsheet_safe(value) == "'" + value


@pytest.mark.parametrize("value", [12, -3, 1.5, None, "Almaty", "x", "", "Total"])
def test_other_cells_are_left_alone(value):
    assert spreadsheet_safe(value) == value


def table_with_formulas() -> dict:
    """A published table whose labels came from records someone could edit (a region's name, say)."""
    return {
        "indicator": "children_in_care", "title": "Children in care", "as_of": "2025-06-30", "definition": "Children.",
        "breakdown": ["region"], "measures": [{"name": "children"}],
        "rows": [
            {"region": 1, "region_label": "=cmd|' /C calc'!A0", "children": 14, "suppressed": []},
            {"region": 2, "region_label": "@SUM(1+1)", "children": -1, "suppressed": []},
            {"region": 3, "region_label": "Astana", "children": None, "suppressed": ["children"]},
        ],
        "totals": [{"region": None, "region_label": None, "children": 40, "suppressed": []}],
        "disclosure_control": {"applied": True, "k": 10, "method": "small cells suppressed"},
    }


def test_the_csv_export_escapes_formulas_and_keeps_numbers():
    text = CSVRenderer().render(table_with_formulas()).decode("utf-8-sig")
    rows = list(csv.reader(line for line in text.splitlines() if not line.startswith("#")))
    assert rows[1] == ["1", "'=cmd|' /C calc'!A0", "14"]
    assert rows[2] == ["2", "'@SUM(1+1)", "-1"]
    assert rows[3] == ["3", "Astana", "x"]


def test_the_xlsx_export_escapes_formulas_and_keeps_numbers():
    book = load_workbook(io.BytesIO(XLSXRenderer().render(table_with_formulas())))
    sheet = book.worksheets[0]
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
    table = list(sheet.iter_rows(values_only=True))
    assert table[1] == (1, "'=cmd|' /C calc'!A0", 14)
    assert table[2] == (2, "'@SUM(1+1)", -1)
