"""Case notes: written on the case page and through the API, listed on the case's timeline with the
stage changes, decisions and visits; a sensitive note only for those with view_sensitive."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from access.services import share_case
from cases.models import CaseNote, Stage
from tests import factories

pytestmark = pytest.mark.django_db

PLACED_RU = "Устроен в семью."


@pytest.fixture
def case(worker):
    return factories.CaseFactory(assigned_worker=worker, responsible_unit=worker.unit, stage=Stage.MATCHING)


def note_data(**overrides):
    data = {"kind": "phone_call", "written_on": timezone.localdate().isoformat(), "text": "Called the children's home."}
    data.update(overrides)
    return {f"note-{k}": v for k, v in data.items()}


def test_a_note_written_on_the_page_shows_on_the_timeline_with_author(client, worker, case):
    client.force_login(worker)
    response = client.post(reverse("web:case-note", args=[case.pk]), note_data())
    assert response.status_code == 302 and response["Location"].endswith("#timeline")
    note = CaseNote.objects.get(case=case)
    assert note.author == worker and note.kind == "phone_call"
    page = client.get(reverse("web:case", args=[case.pk])).content.decode()
    assert "Called the children&#x27;s home." in page and "phone call" in page and worker.get_full_name() in page


def test_an_empty_or_future_note_is_refused_beside_the_field(client, worker, case):
    client.force_login(worker)
    response = client.post(reverse("web:case-note", args=[case.pk]), note_data(text=""))
    assert response.status_code == 400
    assert response.context["note_form"].errors["text"]
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    response = client.post(reverse("web:case-note", args=[case.pk]), note_data(written_on=tomorrow))
    assert response.status_code == 400
    # The date written as the pages write it (SHORT_DATE_FORMAT), not as typed in ISO.
    shown = (timezone.localdate() + dt.timedelta(days=1)).strftime("%d.%m.%Y")
    assert response.context["note_form"].errors["written_on"] == [f"{shown} is in the future: give a date that has already passed."]
    assert "Called the children" in response.content.decode()  # the typed note is kept
    assert not CaseNote.objects.exists()


def test_a_view_only_share_cannot_write_notes_and_does_not_see_sensitive_ones(client, worker, supervisor, case):
    colleague = factories.UserFactory(role="social_worker", unit=worker.unit)
    share_case(case=case, user=colleague, actor=supervisor, reason="holiday cover")
    client.force_login(worker)
    client.post(reverse("web:case-note", args=[case.pk]), note_data(text="Open note"))
    client.post(reverse("web:case-note", args=[case.pk]), note_data(text="Birth mother called", sensitive="on"))
    client.force_login(colleague)
    page = client.get(reverse("web:case", args=[case.pk])).content.decode()
    assert "Open note" in page and "Birth mother called" not in page
    assert client.post(reverse("web:case-note", args=[case.pk]), note_data()).status_code == 403
    client.force_login(supervisor)
    assert "Birth mother called" in client.get(reverse("web:case", args=[case.pk])).content.decode()


def test_the_timeline_holds_stage_changes_and_visits_with_the_notes(client, worker):
    case = factories.CaseFactory(assigned_worker=worker, responsible_unit=worker.unit, stage=Stage.PLACED)
    placement = factories.PlacementFactory(case=case)
    factories.VisitFactory(placement=placement, planned_on=timezone.localdate() - dt.timedelta(days=3),
                           done_on=timezone.localdate() - dt.timedelta(days=2), worker=worker)
    from cases.models import StageChange

    StageChange.objects.create(case=case, from_stage="decision", to_stage="placed", actor=worker, reason="Placed with the family.")
    client.force_login(worker)
    client.post(reverse("web:case-note", args=[case.pk]), note_data(kind="home_visit", text="Dropped in after school."))
    response = client.get(reverse("web:case", args=[case.pk]))
    kinds = [item["kind"] for item in response.context["timeline"]]
    assert {"stage", "visit", "note"} <= set(kinds)
    # The stage-history reason stored in English is shown in the reader's language.
    client.cookies["django_language"] = "ru"
    assert PLACED_RU in client.get(reverse("web:case", args=[case.pk])).content.decode()


def test_api_lists_and_writes_notes(api_client, worker, supervisor, case):
    api_client.force_authenticate(worker)
    url = f"/api/v1/cases/{case.pk}/notes/"
    response = api_client.post(url, {"kind": "acquaintance_meeting", "written_on": timezone.localdate().isoformat(),
                                     "text": "First meeting went well.", "sensitive": True}, format="json")
    assert response.status_code == 201 and response.json()["author"] == worker.username
    assert api_client.post(url, {"kind": "nonsense", "written_on": "2026-01-01", "text": "x"}, format="json").status_code == 400
    assert [n["text"] for n in api_client.get(url).json()] == ["First meeting went well."]
    colleague = factories.UserFactory(role="social_worker", unit=worker.unit)
    share_case(case=case, user=colleague, actor=supervisor, reason="cover")
    api_client.force_authenticate(colleague)
    assert api_client.get(url).json() == []  # the note is sensitive
    assert api_client.post(url, {"kind": "contact", "written_on": "2026-01-01", "text": "x"}, format="json").status_code == 403
    stranger = factories.UserFactory(role="social_worker", unit=worker.unit)
    api_client.force_authenticate(stranger)
    assert api_client.get(url).status_code == 404


def test_notes_are_in_the_openapi_schema(api_client, worker):
    api_client.force_authenticate(worker)
    schema = api_client.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert "/api/v1/cases/{id}/notes/" in schema.content.decode()
