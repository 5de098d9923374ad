"""A placement rests on an authority's decision (DOMAIN.md, stage 5): its number and date are needed
wherever a placement is written — the case page's move to placed, the move to another family, the
placements API, the API's transition to placed, the services themselves and the model — while the
placements recorded before the rule keep their empty fields."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape

from cases.models import (
    DECISION_AFTER_START,
    DECISION_DATE_MISSING,
    DECISION_NUMBER_MISSING,
    DecisionStatus,
    EndReason,
    Placement,
    Stage,
)
from cases.services import end_placement, move_child, place_child
from core.dates import day_text, validate_not_future
from core.exceptions import DomainError
from tests import factories

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate
LANGUAGES = ["kk", "ru", "en"]


def approved_case(worker, **family):
    return factories.CaseFactory(
        assigned_worker=worker, responsible_unit=worker.unit, stage=Stage.DECISION, form_of_care="adoption",
        decision_family=factories.FamilyFactory(**family), decision_status=DecisionStatus.APPROVED,
    )


def read_in(client, language):
    client.cookies["django_language"] = language
    return {"HTTP_ACCEPT_LANGUAGE": language}


def in_language(language, message):
    with translation.override(language):
        text = str(message)
    if language != "en":
        with translation.override("en"):
            assert text != str(message), f"not translated into {language}: {message}"
    return text


# ---- the case page ----------------------------------------------------------------------------------

@pytest.mark.parametrize("language", LANGUAGES)
def test_placing_with_only_the_carers_relationship_asks_for_the_decision_beside_its_fields(client, worker, language):
    case = approved_case(worker)
    client.force_login(worker)
    headers = read_in(client, language)
    response = client.post(reverse("web:case-move", args=[case.pk]), {
        "to_stage": "placed", "expected_version": case.version, "carer_relationship": "none",
    }, **headers)
    assert response.status_code == 400
    errors = response.context["move_form"].errors
    number, date = in_language(language, DECISION_NUMBER_MISSING), in_language(language, DECISION_DATE_MISSING)
    assert errors["decision_document_number"] == [number] and errors["decision_date"] == [date]
    page = response.content.decode()
    assert escape(number) in page and escape(date) in page
    assert not Placement.objects.filter(case=case).exists()
    case.refresh_from_db()
    assert case.stage == Stage.DECISION


def test_placing_with_nothing_filled_shows_every_missing_answer_on_one_submit(client, worker):
    case = approved_case(worker)
    client.force_login(worker)
    response = client.post(reverse("web:case-move", args=[case.pk]), {"to_stage": "placed", "expected_version": case.version})
    assert response.status_code == 400
    assert set(response.context["move_form"].errors) == {"carer_relationship", "decision_document_number", "decision_date"}


def test_placing_with_the_decision_records_it_and_the_page_shows_it(client, worker):
    case = approved_case(worker)
    client.force_login(worker)
    response = client.post(reverse("web:case-move", args=[case.pk]), {
        "to_stage": "placed", "expected_version": case.version, "carer_relationship": "none",
        "decision_document_number": "П-2026-0000321", "decision_date": (TODAY() - dt.timedelta(days=3)).isoformat(),
    })
    assert response.status_code == 302
    placement = Placement.objects.get(case=case)
    assert (placement.decision_document_number, placement.decision_date) == ("П-2026-0000321", TODAY() - dt.timedelta(days=3))
    assert "П-2026-0000321" in client.get(reverse("web:case", args=[case.pk])).content.decode()


@pytest.mark.parametrize("language", LANGUAGES)
def test_moving_to_another_family_asks_for_the_new_decision_beside_its_fields(client, worker, language):
    case = approved_case(worker)
    placement = place_child(**factories.placement_decision(), case=case, actor=worker)
    other = factories.FamilyFactory(form_of_care="adoption", responsible_unit=worker.unit)
    client.force_login(worker)
    headers = read_in(client, language)
    response = client.post(reverse("web:placement-move", args=[case.pk, placement.pk]), {
        "family": other.pk, "moved_on": TODAY().isoformat(), "carer_relationship": "none",
    }, **headers)
    assert response.status_code == 400
    errors = response.context["move_family_form"].errors
    assert errors["decision_document_number"] == [in_language(language, DECISION_NUMBER_MISSING)]
    assert errors["decision_date"] == [in_language(language, DECISION_DATE_MISSING)]
    assert Placement.objects.filter(case=case).count() == 1


# ---- the API --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("language", LANGUAGES)
def test_the_placements_endpoint_answers_400_with_both_fields_and_writes_nothing(api_client, worker, language):
    case = approved_case(worker)
    api_client.force_authenticate(worker)
    response = api_client.post("/api/v1/placements/", {"case": case.pk, "carer_relationship": "none"}, format="json",
                               HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 400
    assert {"decision_document_number", "decision_date"} <= set(response.json())
    assert not Placement.objects.filter(case=case).exists()
    blank = api_client.post("/api/v1/placements/", {"case": case.pk, "decision_document_number": "", "decision_date": None},
                            format="json")
    assert blank.status_code == 400 and {"decision_document_number", "decision_date"} <= set(blank.json())
    done = api_client.post("/api/v1/placements/", {"case": case.pk, "decision_document_number": "П-2026-0000007",
                                                   "decision_date": TODAY().isoformat()}, format="json")
    assert done.status_code == 201
    assert (done.json()["decision_document_number"], done.json()["decision_date"]) == ("П-2026-0000007", TODAY().isoformat())


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_transition_to_placed_answers_400_with_the_services_field_messages(api_client, worker, language):
    case = approved_case(worker)
    api_client.force_authenticate(worker)
    url = f"/api/v1/cases/{case.pk}/transition/"
    response = api_client.post(url, {"to_stage": "placed"}, format="json", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 400
    assert response.json()["decision_document_number"] == [in_language(language, DECISION_NUMBER_MISSING)]
    assert response.json()["decision_date"] == [in_language(language, DECISION_DATE_MISSING)]
    assert not Placement.objects.filter(case=case).exists()
    done = api_client.post(url, {"to_stage": "placed", "decision_document_number": "П-2026-0000008",
                                 "decision_date": TODAY().isoformat()}, format="json")
    assert done.status_code == 200, done.json()
    assert Placement.objects.get(case=case).decision_document_number == "П-2026-0000008"


def test_the_move_endpoint_needs_the_new_decision(api_client, worker):
    case = approved_case(worker)
    placement = place_child(**factories.placement_decision(), case=case, actor=worker)
    other = factories.FamilyFactory(form_of_care="adoption", responsible_unit=worker.unit)
    api_client.force_authenticate(worker)
    response = api_client.post(f"/api/v1/placements/{placement.pk}/move/", {"family": other.pk, "moved_on": TODAY().isoformat()},
                               format="json")
    assert response.status_code == 400
    assert {"decision_document_number", "decision_date"} <= set(response.json())
    assert Placement.objects.filter(case=case).count() == 1


# ---- the services and the model -------------------------------------------------------------------------

def test_place_child_refuses_a_placement_without_its_decision_naming_both_fields(worker):
    case = approved_case(worker)
    with pytest.raises(DomainError) as refused:
        place_child(case=case, actor=worker, decision_document_number="  ")
    assert set(refused.value.errors) == {"decision_document_number", "decision_date"}
    assert not Placement.objects.filter(case=case).exists()


def test_move_child_refuses_a_new_placement_without_its_decision(worker):
    case = approved_case(worker)
    placement = place_child(**factories.placement_decision(), case=case, actor=worker)
    other = factories.FamilyFactory(form_of_care="adoption", responsible_unit=worker.unit)
    with pytest.raises(DomainError) as refused:
        move_child(placement=placement, family=other, moved_on=TODAY(), actor=worker, decision_date=TODAY())
    assert set(refused.value.errors) == {"decision_document_number"}
    placement.refresh_from_db()
    assert placement.ended_on is None


def test_the_model_refuses_a_new_placement_without_its_decision_whoever_writes_it(worker):
    existing = factories.PlacementFactory()
    new = Placement(case=existing.case, child=existing.child, family=existing.family, form_of_care="adoption",
                    started_on=TODAY())
    with pytest.raises(ValidationError) as refused:
        new.full_clean()
    assert {"decision_document_number", "decision_date"} <= set(refused.value.message_dict)


def test_a_placement_recorded_before_the_rule_keeps_its_empty_decision_and_can_still_end(worker):
    old = factories.PlacementFactory(case__assigned_worker=worker, case__responsible_unit=worker.unit,
                                     decision_document_number="", decision_date=None)
    old.full_clean()  # the rule is for new placements: history stays as it was recorded
    ended = end_placement(placement=old, ended_on=TODAY(), end_reason=EndReason.PERMANENCY, actor=worker)
    assert ended.ended_on == TODAY() and ended.decision_document_number == ""


# ---- the decision comes before the placement --------------------------------------------------------
# A placement rests on the authority's decision: the decision is dated no later than the placement's
# first day, and never in the future; refused beside the decision's date on every path.

def after_start(language, starts_on):
    with translation.override(language):
        text = str(DECISION_AFTER_START % {"date": day_text(starts_on)})
    if language != "en":
        with translation.override("en"):
            assert text != str(DECISION_AFTER_START % {"date": day_text(starts_on)}), f"not translated into {language}"
    return text


def in_the_future(language, day):
    with translation.override(language):
        try:
            validate_not_future(day)
        except ValidationError as refused:
            return refused.messages[0]
    raise AssertionError(f"{day} is not in the future")


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_case_page_refuses_a_decision_dated_after_the_placement_starts_beside_its_date(client, worker, language):
    case = approved_case(worker)
    starts_on = TODAY() - dt.timedelta(days=10)
    client.force_login(worker)
    headers = read_in(client, language)
    response = client.post(reverse("web:case-move", args=[case.pk]), {
        "to_stage": "placed", "expected_version": case.version, "carer_relationship": "none",
        "started_on": starts_on.isoformat(), "decision_document_number": "П-2026-0000321",
        "decision_date": (starts_on + dt.timedelta(days=2)).isoformat(),
    }, **headers)
    assert response.status_code == 400
    message = after_start(language, starts_on)
    assert response.context["move_form"].errors == {"decision_date": [message]}
    assert escape(message) in response.content.decode()
    assert not Placement.objects.filter(case=case).exists()


def test_the_case_page_compares_the_decision_with_today_when_the_start_is_left_blank(client, worker):
    case = approved_case(worker)
    client.force_login(worker)
    tomorrow = TODAY() + dt.timedelta(days=1)
    response = client.post(reverse("web:case-move", args=[case.pk]), {
        "to_stage": "placed", "expected_version": case.version, "carer_relationship": "none",
        "decision_document_number": "П-2026-0000321", "decision_date": tomorrow.isoformat(),
    })
    assert response.status_code == 400
    assert response.context["move_form"].errors == {"decision_date": [in_the_future("en", tomorrow)]}
    assert not Placement.objects.filter(case=case).exists()


def test_the_case_page_takes_a_decision_dated_on_the_placements_first_day(client, worker):
    case = approved_case(worker)
    starts_on = TODAY() - dt.timedelta(days=10)
    client.force_login(worker)
    response = client.post(reverse("web:case-move", args=[case.pk]), {
        "to_stage": "placed", "expected_version": case.version, "carer_relationship": "none",
        "started_on": starts_on.isoformat(), "decision_document_number": "П-2026-0000321",
        "decision_date": starts_on.isoformat(),
    })
    assert response.status_code == 302
    assert Placement.objects.get(case=case).decision_date == starts_on


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_move_form_refuses_a_new_decision_dated_after_the_move_beside_its_date(client, worker, language):
    case = approved_case(worker)
    placement = place_child(**factories.placement_decision(starts_on=TODAY() - dt.timedelta(days=30)), case=case,
                            actor=worker, started_on=TODAY() - dt.timedelta(days=30))
    other = factories.FamilyFactory(form_of_care="adoption", responsible_unit=worker.unit)
    moved_on = TODAY() - dt.timedelta(days=5)
    client.force_login(worker)
    headers = read_in(client, language)
    response = client.post(reverse("web:placement-move", args=[case.pk, placement.pk]), {
        "family": other.pk, "moved_on": moved_on.isoformat(), "carer_relationship": "none",
        "decision_document_number": "П-2026-0000322", "decision_date": (moved_on + dt.timedelta(days=1)).isoformat(),
    }, **headers)
    assert response.status_code == 400
    message = after_start(language, moved_on)
    assert response.context["move_family_form"].errors == {"decision_date": [message]}
    assert escape(message) in response.content.decode()
    assert Placement.objects.filter(case=case).count() == 1


# The two ways the API places a child: the placements endpoint and the case's transition to "placed".
PLACING = {
    "placements endpoint": lambda case: ("/api/v1/placements/", {"case": case.pk}),
    "transition to placed": lambda case: (f"/api/v1/cases/{case.pk}/transition/", {"to_stage": "placed"}),
}


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("way", PLACING)
def test_placing_through_the_api_answers_400_for_a_decision_after_the_start(api_client, worker, way, language):
    case = approved_case(worker)
    starts_on = TODAY() - dt.timedelta(days=10)
    url, payload = PLACING[way](case)
    api_client.force_authenticate(worker)
    response = api_client.post(url, {
        **payload, "started_on": starts_on.isoformat(), "decision_document_number": "П-2026-0000007",
        "decision_date": (starts_on + dt.timedelta(days=1)).isoformat(),
    }, format="json", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 400
    assert response.json()["decision_date"] == [after_start(language, starts_on)]
    assert not Placement.objects.filter(case=case).exists()
    case.refresh_from_db()
    assert case.stage == Stage.DECISION


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_move_endpoint_answers_400_for_a_new_decision_after_the_move(api_client, worker, language):
    case = approved_case(worker)
    placement = place_child(**factories.placement_decision(starts_on=TODAY() - dt.timedelta(days=30)), case=case,
                            actor=worker, started_on=TODAY() - dt.timedelta(days=30))
    other = factories.FamilyFactory(form_of_care="adoption", responsible_unit=worker.unit)
    moved_on = TODAY() - dt.timedelta(days=5)
    api_client.force_authenticate(worker)
    response = api_client.post(f"/api/v1/placements/{placement.pk}/move/", {
        "family": other.pk, "moved_on": moved_on.isoformat(), "decision_document_number": "П-2026-0000009",
        "decision_date": TODAY().isoformat(),
    }, format="json", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 400
    assert response.json()["decision_date"] == [after_start(language, moved_on)]
    placement.refresh_from_db()
    assert placement.ended_on is None and Placement.objects.filter(case=case).count() == 1


def test_place_child_refuses_a_decision_after_the_start_or_in_the_future(worker):
    case = approved_case(worker)
    starts_on = TODAY() - dt.timedelta(days=10)
    with pytest.raises(DomainError) as refused:
        place_child(case=case, actor=worker, started_on=starts_on, decision_document_number="1",
                    decision_date=starts_on + dt.timedelta(days=1))
    assert refused.value.errors == {"decision_date": after_start("en", starts_on)}
    tomorrow = TODAY() + dt.timedelta(days=1)
    with pytest.raises(DomainError) as refused:
        place_child(case=case, actor=worker, decision_document_number="1", decision_date=tomorrow)
    assert refused.value.errors == {"decision_date": in_the_future("en", tomorrow)}
    assert not Placement.objects.filter(case=case).exists()
    placed = place_child(case=case, actor=worker, started_on=starts_on, decision_document_number="1", decision_date=starts_on)
    assert placed.decision_date == placed.started_on == starts_on


def test_move_child_refuses_a_new_decision_after_the_move(worker):
    case = approved_case(worker)
    placement = place_child(**factories.placement_decision(starts_on=TODAY() - dt.timedelta(days=30)), case=case,
                            actor=worker, started_on=TODAY() - dt.timedelta(days=30))
    other = factories.FamilyFactory(form_of_care="adoption", responsible_unit=worker.unit)
    moved_on = TODAY() - dt.timedelta(days=5)
    with pytest.raises(DomainError) as refused:
        move_child(placement=placement, family=other, moved_on=moved_on, actor=worker, decision_document_number="2",
                   decision_date=moved_on + dt.timedelta(days=1))
    assert refused.value.errors == {"decision_date": after_start("en", moved_on)}
    placement.refresh_from_db()
    assert placement.ended_on is None and Placement.objects.filter(case=case).count() == 1


def test_the_model_refuses_a_new_placement_whose_decision_is_after_its_start_or_in_the_future(worker):
    existing = factories.PlacementFactory()
    starts_on = TODAY() - dt.timedelta(days=10)
    new = Placement(case=existing.case, child=existing.child, family=existing.family, form_of_care="adoption",
                    started_on=starts_on, decision_document_number="3", decision_date=starts_on + dt.timedelta(days=1))
    with pytest.raises(ValidationError) as refused:
        new.full_clean(validate_constraints=False)
    assert refused.value.message_dict == {"decision_date": [after_start("en", starts_on)]}
    new.started_on = new.decision_date = TODAY() + dt.timedelta(days=1)
    with pytest.raises(ValidationError) as refused:
        new.full_clean(validate_constraints=False)
    assert refused.value.message_dict["decision_date"] == [in_the_future("en", new.decision_date)]


def test_the_model_refuses_a_recorded_placement_changed_so_its_decision_is_after_its_start(worker):
    placement = Placement.objects.get(pk=factories.PlacementFactory().pk)
    placement.decision_date = placement.started_on + dt.timedelta(days=1)
    with pytest.raises(ValidationError) as refused:
        placement.full_clean()
    assert refused.value.message_dict == {"decision_date": [after_start("en", placement.started_on)]}
    placement.refresh_from_db()
    placement.started_on = placement.decision_date - dt.timedelta(days=1)
    with pytest.raises(ValidationError):
        placement.full_clean()


def test_a_placement_recorded_with_its_decision_after_its_start_is_left_as_it_is_and_can_end(worker):
    starts_on = TODAY() - dt.timedelta(days=60)
    old = factories.PlacementFactory(case__assigned_worker=worker, case__responsible_unit=worker.unit,
                                     started_on=starts_on, decision_date=starts_on + dt.timedelta(days=7))
    Placement.objects.get(pk=old.pk).full_clean()  # no data migration: history stays as it was recorded
    ended = end_placement(placement=old, ended_on=TODAY(), end_reason=EndReason.PERMANENCY, actor=worker)
    assert ended.ended_on == TODAY() and ended.decision_date == starts_on + dt.timedelta(days=7)
