"""What a new user found on the visit pages (the case page, recording a visit, the visit kit):

1. whether the child was seen is an explicit yes/no with no default (an unticked box read as "not
   seen" and made the placement high risk), its error beside it, and the pages say which factors set
   the band to high by themselves;
2. the kit writes dates as the other pages do (web/formats), whatever the browser's language;
3. the case page's visits are cards on a phone (each cell labelled by the server), and "№" stays
   with its number in every catalogue;
4. every free text has a maximum, refused beside its field, and a long one is shown clamped.
(The layout itself at 375 px: tests/e2e/test_visit_pages_phone_e2e.py.)"""

import datetime as dt
import json
import re

import pytest
from django.apps import apps
from django.core.validators import MaxLengthValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone, translation

from core.text import CLAMP_AFTER, NOTES_MAX_LENGTH
from families.services import request_approval
from risk.models import Factor
from tests import factories
from visits.models import Visit

pytestmark = pytest.mark.django_db
LANGUAGES = ["kk", "ru", "en"]
NBSP = "\u00a0"


def text(language: str, message: str, **values: object) -> str:
    """``message`` as the reader of ``language`` sees it; translated in kk and ru."""
    with translation.override(language):
        translated = translation.gettext(message)
    if language != "en":
        assert translated != message, f"not translated into {language}: {message}"
    return translated % values if values else translated


def get(client, user, language: str, url: str):
    client.force_login(user)
    client.cookies["django_language"] = language
    return client.get(url)


@pytest.fixture
def placed_case(worker):
    case = factories.CaseFactory(stage="placed", assigned_worker=worker, responsible_unit=worker.unit, form_of_care="adoption")
    placement = factories.PlacementFactory(case=case, started_on=timezone.localdate() - dt.timedelta(days=60))
    factories.VisitFactory(placement=placement, planned_on=timezone.localdate() - dt.timedelta(days=5))
    return case


def record_url(case) -> str:
    visit = case.placements.get().visits.get()
    return reverse("web:visit-record", args=[case.pk, visit.pk])


def findings(**overrides: object) -> dict:
    return {"done_on": timezone.localdate().isoformat(), "seen_by": "A. Worker", "child_condition": "good",
            "family_condition": "good", "concerns": "", **overrides}


# ---- 1. the child seen: an explicit answer ------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_record_page_asks_whether_the_child_was_seen_with_no_answer_chosen(client, worker, placed_case, language):
    html = get(client, worker, language, record_url(placed_case)).content.decode()
    fieldset = html[html.index("<fieldset"):html.index("</fieldset>")]
    assert f"<legend>{text(language, 'Was the child seen in person?')}</legend>" in fieldset
    radios = re.findall(r'<input type="radio" name="child_seen" value="(\w+)"[^>]*>', fieldset)
    assert radios == ["true", "false"]
    assert "checked" not in fieldset
    assert text(language, "Yes") in fieldset and text(language, "No") in fieldset


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_visit_without_the_answer_is_refused_beside_the_question_and_not_recorded(client, worker, placed_case, language):
    client.force_login(worker)
    client.cookies["django_language"] = language
    response = client.post(record_url(placed_case), findings())
    assert response.status_code == 400
    html = response.content.decode()
    fieldset = html[html.index("<fieldset"):html.index("</fieldset>")]
    assert "has-error" in fieldset and 'aria-describedby="id_child_seen_errors"' in fieldset
    assert f'<ul class="errorlist" id="id_child_seen_errors"><li>{text(language, "Say whether the child was seen in person.")}' \
           in fieldset
    # Who saw the child (given) is not asked again; the rest of the findings are checked on the same submit.
    assert set(response.context["form"].errors) == {"child_seen"}
    assert Visit.objects.get(placement__case=placed_case).done_on is None


def test_yes_records_the_child_seen_and_no_records_not_seen(client, worker, placed_case):
    client.force_login(worker)
    client.post(record_url(placed_case), findings(child_seen="true"))
    visit = Visit.objects.get(placement__case=placed_case)
    assert visit.done_on == timezone.localdate() and visit.child_seen is True
    second = factories.VisitFactory(placement=visit.placement, planned_on=timezone.localdate())
    client.post(reverse("web:visit-record", args=[placed_case.pk, second.pk]),
                findings(child_seen="false", seen_by="", concerns="Nobody opened the door."))
    second.refresh_from_db()
    assert second.done_on is not None and second.child_seen is False


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_record_page_and_the_case_page_say_which_factors_set_the_band_to_high(client, worker, placed_case, language):
    with translation.override(language):
        not_seen, harm = str(Factor.LAST_VISIT_CHILD_NOT_SEEN.label), str(Factor.LAST_VISIT_SIGNS_OF_HARM.label)
    html = get(client, worker, language, record_url(placed_case)).content.decode()
    note = html[html.index('id="forcing-factors"'):]
    note = note[:note.index("</p>")]
    assert text(language, "The risk of return becomes high, whatever the score, when the visit finds one of these:") in note
    assert not_seen in note and harm in note
    # The case page, next to the factors, after a visit where the child was not seen.
    client.post(record_url(placed_case), findings(child_seen="false", seen_by="", concerns="Nobody opened the door."))
    html = get(client, worker, language, reverse("web:case", args=[placed_case.pk])).content.decode()
    card = html[html.index('id="risk"'):html.index('id="risk"') + 4000]
    assert text(language, "High whatever the score when one of these is present:") in card and not_seen in card
    # The label, then the mark on a line of its own (a block, not words run into the label: "... not seen
    # at the last visit sets high"), then the points as before.
    row = card[card.index(f"<td>{not_seen}"):]
    row = row[:row.index("</tr>")]
    mark = f'<div class="forces"><span class="badge overdue">{text(language, "Sets the band to high")}</span></div>'
    assert row.startswith(f"<td>{not_seen}{mark}</td>"), row
    assert re.search(r'<td class="num">\+\d+</td>$', row), row


def test_the_api_keeps_child_seen_required_and_says_so_beside_it(api_client, worker, placed_case):
    """The API's contract already had no default for child_seen in JSON (DRF's BooleanField without
    one is required); it stays so, for the visit record and for the visit kit's records."""
    visit = Visit.objects.get(placement__case=placed_case)
    api_client.force_authenticate(worker)
    body = {**findings(), "checklist": {}}
    response = api_client.post(f"/api/v1/visits/{visit.pk}/record/", body, format="json")
    assert response.status_code == 400 and list(response.json()) == ["child_seen"]
    visit.refresh_from_db()
    assert visit.done_on is None
    response = api_client.post("/api/v1/visit-kit/records/", {**body, "device_id": "6f1c1c3e-1111-4c5e-9a55-3b9b1f0c2a10",
                                                              "visit": visit.pk}, format="json")
    assert response.status_code == 400 and "child_seen" in response.json()
    assert api_client.post(f"/api/v1/visits/{visit.pk}/record/", {**body, "child_seen": False, "seen_by": "",
                                                                  "concerns": "Away at school."},
                           format="json").status_code == 200


# ---- 2. the kit's dates --------------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_kit_page_gives_its_script_the_pages_date_formats_and_the_question_without_default(client, worker, language):
    html = get(client, worker, language, reverse("web:visit-kit")).content.decode()
    strings = html[html.index('id="kit-strings"'):]
    assert '"date_format": "d.m.Y"' in strings and '"datetime_format": "d.m.Y H:i"' in strings
    assert json.dumps(text(language, "Say whether the child was seen in person."))[1:-1] in strings
    fieldset = html[html.index("<fieldset"):]
    assert 'id="id_child_seen_row"' in fieldset and "checked" not in fieldset[:fieldset.index("</fieldset>")]


def test_the_kit_script_never_writes_a_date_in_the_browsers_locale():
    from pathlib import Path

    script = (Path(__file__).resolve().parent.parent / "web" / "static" / "web" / "js" / "visit-kit.js").read_text()
    assert "toLocale" not in script and "Intl." not in script


def test_the_package_gives_times_in_the_servers_zone(api_client, worker, placed_case):
    api_client.force_authenticate(worker)
    package = api_client.post("/api/v1/visit-kit/package/", {}, format="json").json()
    offset = timezone.localtime().strftime("%z")
    assert package["expires_at"].endswith(f"{offset[:3]}:{offset[3:]}") and package["expires_at"][11:16] == "00:00"


# ---- 3. cards on a phone, "№" with its number ------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_case_pages_visits_are_a_stacked_table_with_labelled_cells(client, worker, placed_case, language):
    html = get(client, worker, language, reverse("web:case", args=[placed_case.pk])).content.decode()
    table = html[html.index('<table class="stack visits">'):]
    table = table[:table.index("</table>")]
    for heading in ("Planned on", "Kind", "Done on", "Child's condition", "Family's condition"):
        assert f'data-label="{text(language, heading)}"'.replace("'", "&#x27;") in table, heading


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_case_pages_visits_say_whether_the_child_was_seen_and_by_whom(client, worker, placed_case, language):
    placement = placed_case.placements.get()
    today = timezone.localdate()
    factories.VisitFactory(placement=placement, planned_on=today - dt.timedelta(days=20), done_on=today - dt.timedelta(days=20),
                           child_seen=True, seen_by="Aigerim Nurlanovna", worker=worker)
    factories.VisitFactory(placement=placement, planned_on=today - dt.timedelta(days=10), done_on=today - dt.timedelta(days=10),
                           child_seen=False, seen_by="", concerns="Nobody opened the door.", worker=worker)
    html = get(client, worker, language, reverse("web:case", args=[placed_case.pk])).content.decode()
    table = html[html.index('<table class="stack visits">'):]
    table = table[:table.index("</table>")]
    assert f"<th>{text(language, 'Child seen')}</th>" in table
    label = text(language, "Child seen")
    cells = re.findall(rf'<td data-label="{label}" class="child-seen">(.*?)</td>', table)
    # In planned order: seen (with who saw the child), not seen, and the visit still to do.
    assert cells == [f"{text(language, 'yes')} (Aigerim Nurlanovna)", text(language, "no"), "—"], cells


def test_the_child_seen_column_adds_no_query_per_visit(client, worker, placed_case):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(worker)
    url = reverse("web:case", args=[placed_case.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        assert client.get(url).status_code == 200
    placement = placed_case.placements.get()
    for n in range(6):
        day = timezone.localdate() - dt.timedelta(days=30 + n)
        factories.VisitFactory(placement=placement, planned_on=day, done_on=day, child_seen=bool(n % 2), seen_by="A. Worker",
                               worker=worker)
    with CaptureQueriesContext(connection) as seven:
        html = client.get(url).content.decode()
    assert html.count('class="child-seen"') == 7
    assert len(seven) == len(one), [q["sql"] for q in seven.captured_queries]


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_catalogue_writes_the_number_sign_apart_from_its_number(language):
    """Every message holding "№" writes it with a no-break space before the number, in every language
    (the message ids keep a plain space: some are stored in records and matched by code)."""
    with translation.override(language):
        catalogue = translation.trans_real.translation(language)._catalog
        apart = [key for key, value in catalogue.items() if isinstance(value, str) and "№ " in value]
        numbered = [key for key, _value in catalogue.items() if isinstance(key, str) and "№ " in key]
        written = [translation.gettext(key) for key in numbered]
    assert not apart
    assert numbered and all(f"№{NBSP}" in message for message in written)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_family_number_stays_with_its_sign_on_the_approvals_and_the_case_page(client, worker, supervisor, placed_case,
                                                                                   language):
    family = factories.FamilyFactory(responsible_unit=worker.unit, region=worker.unit.region, approval_status="under_assessment",
                                     approved_on=None, approval_expires_on=None)
    factories.ApplicantFactory(family=family, position=1)
    request_approval(family=family, actor=worker)
    html = get(client, supervisor, language, reverse("web:family-approvals")).content.decode()
    assert f"№{NBSP}{family.pk}" in html and f"№ {family.pk}" not in html
    placement = placed_case.placements.get()
    html = get(client, worker, language, reverse("web:case", args=[placed_case.pk])).content.decode()
    assert f"№{NBSP}{placement.family_id}" in html and f"№ {placement.family_id}" not in html
    assert f"№{NBSP}{placed_case.pk}" in html and f"№ {placed_case.pk}" not in html


# ---- 4. limits on free text, long texts clamped ---------------------------------------------------

# Written by the system, never typed: the notifications' texts, the history tables' copies.
NOT_TYPED = {("notifications", "notification", "body"), ("notifications", "notification", "body_key")}


def test_every_free_text_a_user_types_has_a_maximum_that_full_clean_checks():
    unlimited = []
    for model in apps.get_models():
        if model.__name__.startswith("Historical") or model._meta.app_label in ("auth", "admin", "sessions", "contenttypes"):
            continue
        for field in model._meta.get_fields():
            if not isinstance(field, models.TextField) or field.choices:
                continue
            key = (model._meta.app_label, model._meta.model_name, field.name)
            if key in NOT_TYPED or model.__module__.split(".")[0] not in {
                    "cases", "children", "consents", "emergency", "families", "risk", "visits", "documents", "access"}:
                continue
            if not field.max_length or not any(isinstance(v, MaxLengthValidator) for v in field.validators):
                unlimited.append(".".join(key))
    assert not unlimited


@pytest.mark.parametrize("language", LANGUAGES)
def test_too_long_concerns_are_refused_beside_the_field_on_the_page_and_in_the_api(client, api_client, worker, placed_case,
                                                                                     language):
    client.force_login(worker)
    client.cookies["django_language"] = language
    response = client.post(record_url(placed_case), findings(child_seen="true", concerns="x" * (NOTES_MAX_LENGTH + 1)))
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_concerns_errors"' in html and f'maxlength="{NOTES_MAX_LENGTH}"' in html
    assert set(response.context["form"].errors) == {"concerns"}
    visit = Visit.objects.get(placement__case=placed_case)
    api_client.force_authenticate(worker)
    response = api_client.post(f"/api/v1/visits/{visit.pk}/record/", {**findings(child_seen=True), "checklist": {},
                                                                      "concerns": "x" * (NOTES_MAX_LENGTH + 1)}, format="json")
    assert response.status_code == 400 and list(response.json()) == ["concerns"]
    visit.refresh_from_db()
    assert visit.done_on is None


def test_a_too_long_case_note_is_refused_by_the_api(api_client, worker, placed_case):
    api_client.force_authenticate(worker)
    response = api_client.post(f"/api/v1/cases/{placed_case.pk}/notes/", {"text": "x" * (NOTES_MAX_LENGTH + 1)}, format="json")
    assert response.status_code == 400 and "text" in response.json()


@pytest.mark.parametrize("language", LANGUAGES)
def test_long_concerns_show_clamped_with_a_way_to_read_all(client, worker, placed_case, language):
    long = "Начало. " + "слово " * 600 + "КОНЕЦ"
    client.force_login(worker)
    client.post(record_url(placed_case), findings(child_seen="true", concerns=long))
    html = get(client, worker, language, reverse("web:case", args=[placed_case.pk])).content.decode()
    row = html[html.index('<table class="stack visits">'):]
    row = row[:row.index("</table>")]
    assert '<details class="long-text"><summary><span class="preview">Начало.' in row
    assert f'<span class="read-all">{text(language, "Read all")}</span>' in row
    preview = row[row.index('class="preview">'):row.index("</span>")]
    assert "КОНЕЦ" not in preview and len(preview) < CLAMP_AFTER + 40
    assert "КОНЕЦ" in row[row.index('class="full">'):]
