"""Warnings of likely duplicates when a child or a family is registered."""

import datetime as dt

import pytest

from children.services import create_child
from families.services import create_family
from registry.duplicates import normalize_name
from tests import factories
from tests.factories import valid_iin


@pytest.mark.parametrize(("a", "b"), [
    ("Нұрланов Арман", "NURLANOV arman"),
    ("Жанна Ахметова", "Zhanna Akhmetova"),
    ("Ерлан Сейітов", "Yerlan Seitov"),
])
def test_names_compare_across_cyrillic_and_latin(a, b):
    assert normalize_name(a) == normalize_name(b)


def child_fields(**kwargs):
    region = factories.region_by_code("almaty")
    defaults = {"last_name": "Нұрланов", "first_name": "Арман", "birth_date": dt.date(2016, 5, 17), "sex": "M",
                "legal_status": "orphan", "region": region, "entered_care_on": dt.date(2023, 1, 10)}
    return {**defaults, **kwargs}


def test_same_birth_date_and_transliterated_name_warns(worker):
    existing = factories.ChildFactory(last_name="Nurlanov", first_name="Arman", birth_date=dt.date(2016, 5, 17))
    child, warnings = create_child(actor=worker, **child_fields())
    assert [(w.kind, w.id, w.reason) for w in warnings] == [("child", existing.pk, "same_birth_date_similar_name")]
    assert child.pk  # a warning, not a refusal


def test_same_name_other_birth_date_does_not_warn(worker):
    factories.ChildFactory(last_name="Nurlanov", first_name="Arman", birth_date=dt.date(2015, 5, 17))
    _child, warnings = create_child(actor=worker, **child_fields())
    assert warnings == []


def test_different_name_same_birth_date_does_not_warn(worker):
    factories.ChildFactory(last_name="Petrova", first_name="Maria", birth_date=dt.date(2016, 5, 17), sex="F")
    _child, warnings = create_child(actor=worker, **child_fields())
    assert warnings == []


def test_registering_a_child_opens_their_case(worker):
    child, _warnings = create_child(actor=worker, **child_fields())
    case = child.cases.get()
    assert (case.stage, case.assigned_worker, case.responsible_unit) == ("registered", worker, worker.unit)
    assert case.stage_changes.get().to_stage == "registered"


def applicant(**kwargs):
    birth = dt.date(1985, 2, 1)
    defaults = {"last_name": "Ахметова", "first_name": "Жанна", "birth_date": birth, "sex": "F",
                "iin": valid_iin(birth, "F", 7000)}
    return {**defaults, **kwargs}


def family_fields():
    return {"region": factories.region_by_code("almaty"), "form_of_care": "adoption", "applied_on": dt.date(2026, 1, 5)}


def test_family_with_an_applicant_of_the_same_iin_warns(worker):
    existing = factories.ApplicantFactory(last_name="Other", first_name="Name", birth_date=dt.date(1985, 2, 1),
                                          iin=valid_iin(dt.date(1985, 2, 1), "F", 7000))
    _family, warnings = create_family(actor=worker, applicants=[applicant()], **family_fields())
    assert [(w.kind, w.id, w.reason) for w in warnings] == [("family", existing.family_id, "same_iin")]


def test_family_with_a_similar_applicant_warns(worker):
    existing = factories.ApplicantFactory(last_name="AKHMETOVA", first_name="Zhanna", birth_date=dt.date(1985, 2, 1))
    _family, warnings = create_family(actor=worker, applicants=[applicant()], **family_fields())
    assert [(w.id, w.reason) for w in warnings] == [(existing.family_id, "same_birth_date_similar_name")]


def test_couple_registered_with_both_applicants(worker):
    husband = applicant(last_name="Ахметов", first_name="Ерлан", sex="M", birth_date=dt.date(1983, 7, 9),
                        iin=valid_iin(dt.date(1983, 7, 9), "M", 10))
    family, warnings = create_family(actor=worker, applicants=[applicant(), husband], **family_fields())
    assert [a.position for a in family.applicants.all()] == [1, 2]
    assert warnings == []


# ---- names compared by their parts (issue 15, item 3) -----------------------------------------

@pytest.mark.parametrize(("existing", "new"), [
    # the reported input: a name written without its patronymic (75.7 against 85 as one string)
    (("Нұрланов", "Арман", "Серікұлы"), ("Нурланов", "Арман", "")),
    (("Нурланов", "Арман", ""), ("Нұрланов", "Арман", "Серікұлы")),
    # one patronymic in its Kazakh and Russian forms, written together or apart, in either script
    (("Нұрланов", "Арман", "Серікұлы"), ("Нурланов", "Арман", "Серикович")),
    (("Нұрланов", "Арман", "Серік ұлы"), ("Nurlanov", "Arman", "Serikovich")),
    (("Ахметова", "Жанар", "Серікқызы"), ("Ахметова", "Жанар", "Сериковна")),
    (("Ахметова", "Жанар", "Serikkyzy"), ("Akhmetova", "Zhanar", "")),
    # surname and given name swapped between two records
    (("Арман", "Нұрланов", ""), ("Нурланов", "Арман", "Серикович")),
    # double and hyphenated surnames against one of their parts
    (("Иванова-Петрова", "Мария", "Ивановна"), ("Петрова", "Мария", "")),
    (("Сейітова Ахметова", "Дана", ""), ("Seitova", "Dana", "")),
])
def test_the_same_child_written_differently_warns(worker, existing, new):
    last, first, patronymic = existing
    child = factories.ChildFactory(last_name=last, first_name=first, patronymic=patronymic, birth_date=dt.date(2016, 5, 17))
    last, first, patronymic = new
    _child, warnings = create_child(actor=worker, **child_fields(last_name=last, first_name=first, patronymic=patronymic))
    assert [(w.id, w.reason) for w in warnings] == [(child.pk, "same_birth_date_similar_name")]
    assert warnings[0].similarity >= 85


@pytest.mark.parametrize(("existing", "new"), [
    (("Нұрланов", "Арман", "Серікұлы"), ("Нұрланов", "Айдос", "Серікұлы")),  # twins: another given name
    (("Нұрланов", "Арман", "Серікұлы"), ("Нұрланов", "Арман", "Бауыржанұлы")),  # another father
    (("Петрова", "Мария", ""), ("Нұрланов", "Арман", "")),
])
def test_other_children_of_the_same_birth_date_do_not_warn(worker, existing, new):
    last, first, patronymic = existing
    factories.ChildFactory(last_name=last, first_name=first, patronymic=patronymic, birth_date=dt.date(2016, 5, 17))
    last, first, patronymic = new
    _child, warnings = create_child(actor=worker, **child_fields(last_name=last, first_name=first, patronymic=patronymic))
    assert warnings == []


def test_an_applicant_without_the_patronymic_warns_of_the_family(worker):
    existing = factories.ApplicantFactory(last_name="Ахметова", first_name="Жанна", patronymic="Серікқызы",
                                          birth_date=dt.date(1985, 2, 1))
    person = applicant(iin=valid_iin(dt.date(1985, 2, 1), "F", 8000), patronymic="")
    _family, warnings = create_family(actor=worker, applicants=[person], **family_fields())
    assert [(w.id, w.reason) for w in warnings] == [(existing.family_id, "same_birth_date_similar_name")]


def test_the_api_warns_of_a_child_registered_without_the_patronymic(api_client, worker):
    existing = factories.ChildFactory(last_name="Нұрланов", first_name="Арман", patronymic="Серікұлы",
                                      birth_date=dt.date(2016, 5, 17), iin=None)
    api_client.force_authenticate(worker)
    response = api_client.post("/api/v1/children/", {
        "last_name": "Нурланов", "first_name": "Арман", "birth_date": "2016-05-17", "sex": "M", "legal_status": "orphan",
        "region": "almaty", "entered_care_on": "2023-01-10"}, format="json")
    assert response.status_code == 201, response.content
    # The child is registered elsewhere, outside the worker's cases: flagged, but neither named nor numbered.
    (warning,) = response.json()["duplicate_warnings"]
    assert warning["reason"] == "same_birth_date_similar_name" and warning["id"] is None
    assert str(existing.pk) not in warning["message"] and "ask its supervisor" in warning["message"]
