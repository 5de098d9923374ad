"""Search that finds what a worker types (issue 17 item 8), on the pages and the API alike: part of a
name in any case and script (Cyrillic, Kazakh, a Latin spelling, by the duplicate check's
normalisation, core.names), part of an IIN; only records the user sees; never by a field the user may
not view; a constant number of queries."""

import datetime as dt

import pytest
from django.urls import reverse

from children.models import Child
from core.names import search_text
from families.models import Applicant
from tests import factories

SEARCHES = {  # what is typed -> whom it must find (the child Нұрланов Арман Серікұлы)
    "Нұрлан": "cyrillic part",
    "нҰРЛАНОВ": "cyrillic, mixed case",
    "NURLANOV arman": "latin spelling, two words",
    "Nurlanov Arman Serikuly": "latin spelling with the patronymic",
    "arman": "latin given name",
}


@pytest.fixture
def people(worker, region):
    """The worker's child and family, and another worker's child and family with the same name
    and a shared run of IIN digits, and a sensitive field holding a word found nowhere else."""
    birth = dt.date(2015, 3, 12)
    mine = factories.CaseFactory(assigned_worker=worker, responsible_unit=worker.unit, child__last_name="Нұрланов",
                                 child__first_name="Арман", child__patronymic="Серікұлы", child__birth_date=birth,
                                 child__sex="M", child__iin=factories.valid_iin(birth, "M", 1234),
                                 child__health_notes="Zhyrgalbek")
    elsewhere = factories.DistrictFactory(region=factories.region_by_code("astana"))
    other = factories.CaseFactory(responsible_unit=elsewhere, child__last_name="Нұрланов", child__first_name="Арман",
                                  child__birth_date=birth,
                                  child__sex="M", child__iin=factories.valid_iin(birth, "M", 1235))
    family = factories.FamilyFactory(responsible_unit=worker.unit)
    factories.ApplicantFactory(family=family, last_name="Қасымова", first_name="Әйгерім",
                               iin=factories.valid_iin(dt.date(1985, 1, 2), "F", 4321), birth_date=dt.date(1985, 1, 2), sex="F")
    foreign = factories.FamilyFactory(responsible_unit=elsewhere)
    factories.ApplicantFactory(family=foreign, last_name="Қасымова", first_name="Әйгерім",
                               iin=factories.valid_iin(dt.date(1985, 1, 2), "F", 4322), birth_date=dt.date(1985, 1, 2), sex="F")
    return {"case": mine, "child": mine.child, "other_case": other, "family": family, "foreign_family": foreign}


def _ids(client, where: str, q: str) -> set[int]:
    """The record numbers a search finds on the page (web) or in the API's JSON."""
    kind, surface = where.split(":")
    if surface == "api":
        response = client.get(f"/api/v1/{kind}/", {"search": q})
        assert response.status_code == 200
        return {row["id"] for row in response.json()["results"]}
    page = {"cases": "web:my-cases", "children": "web:children", "families": "web:families"}[kind]
    response = client.get(reverse(page), {"q": q})
    assert response.status_code == 200
    html = response.content.decode()
    candidates = {"cases": ("case", "/cases/{}/"), "children": ("child", "/children/{}/"),
                  "families": ("family", "/families/{}/")}[kind][1]
    return {n for n in _ALL[kind] if candidates.format(n) in html}


_ALL: dict[str, set[int]] = {}
WHERE = ["cases:web", "cases:api", "children:web", "children:api"]


@pytest.fixture
def signed_in(client, worker, people):
    client.force_login(worker)
    _ALL.update(cases={people["case"].pk, people["other_case"].pk}, children={people["child"].pk, people["other_case"].child_id},
                families={people["family"].pk, people["foreign_family"].pk})
    return client


@pytest.mark.parametrize("where", WHERE)
def test_a_child_is_found_by_any_spelling_and_part_of_the_iin_but_only_if_visible(signed_in, people, where):
    expected = people["case"].pk if where.startswith("cases") else people["child"].pk
    for q in [*SEARCHES, people["child"].iin[4:10]]:
        assert _ids(signed_in, where, q) == {expected}, q
    # The other child's IIN, whole or in part, finds nothing: its existence is not revealed.
    assert _ids(signed_in, where, people["other_case"].child.iin) == set()
    assert _ids(signed_in, where, "Nurlanov Dias") == set()


@pytest.mark.parametrize("where", WHERE)
def test_a_word_found_only_in_a_sensitive_field_finds_nothing(signed_in, where):
    assert _ids(signed_in, where, "Zhyrgalbek") == set()


@pytest.mark.parametrize("where", ["families:web", "families:api"])
def test_a_family_is_found_by_an_applicants_name_in_any_script_or_iin_only_within_visibility(signed_in, people, where):
    mine, foreign = people["family"], people["foreign_family"]
    for q in ("қасымова", "KASYMOVA aigerim", "Kasimova", mine.applicants.get().iin[3:9]):
        assert _ids(signed_in, where, q) == {mine.pk}, q
    assert _ids(signed_in, where, foreign.applicants.get().iin) == set()


def test_search_text_follows_every_save_of_the_name_or_iin(people):
    child = Child.objects.get(pk=people["child"].pk)
    assert child.search_text == f"nurlanov arman serikuli {child.iin}"
    child.last_name = "Омарова"
    child.save(update_fields=["last_name"])  # update_fields alone still rewrites search_text
    assert Child.objects.get(pk=child.pk).search_text.startswith("omarova arman")
    applicant = Applicant.objects.get(family=people["family"])
    assert applicant.search_text == search_text(last_name="Kasymova", first_name="Aigerim", iin=applicant.iin)


@pytest.mark.parametrize("where", ["cases:api", "children:api", "families:api", "cases:web", "children:web", "families:web"])
def test_a_search_costs_the_same_queries_for_one_match_or_many(signed_in, worker, where, django_assert_max_num_queries):
    kind, surface = where.split(":")
    url = f"/api/v1/{kind}/" if surface == "api" else reverse({"cases": "web:my-cases", "children": "web:children",
                                                               "families": "web:families"}[kind])
    param = "search" if surface == "api" else "q"
    for i in range(5):
        birth = dt.date(2016, 1, 1) + dt.timedelta(days=i)
        factories.CaseFactory(assigned_worker=worker, responsible_unit=worker.unit, child__last_name="Нурланова",
                              child__birth_date=birth, child__iin=factories.valid_iin(birth, "F", 1000 + i), child__sex="F")
        adult = dt.date(1980, 1, 1) + dt.timedelta(days=i)
        factories.ApplicantFactory(family=factories.FamilyFactory(responsible_unit=worker.unit), last_name="Nurlanova",
                                   iin=factories.valid_iin(adult, "F", 2000 + i), birth_date=adult, sex="F")
        if i == 0:
            with django_assert_max_num_queries(25) as few:
                assert signed_in.get(url, {param: "nurlanov"}).status_code == 200
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = signed_in.get(url, {param: "nurlanov"})
    if surface == "api":
        assert response.json()["count"] >= 5


@pytest.mark.parametrize("where", [*WHERE, "families:web", "families:api"])
def test_a_supervisor_finds_the_units_records_the_same_way(signed_in, supervisor, people, where):
    """A supervisor's lists look the matches up first (core.names.InArray): same answers."""
    signed_in.force_login(supervisor)
    kind = where.split(":")[0]
    if kind == "families":
        assert _ids(signed_in, where, "Kasimova aigerim") == {people["family"].pk}
        assert _ids(signed_in, where, people["foreign_family"].applicants.get().iin) == set()
        return
    expected = people["case"].pk if kind == "cases" else people["child"].pk
    for q in ("нҰРЛАНОВ", "Nurlanov Arman", people["child"].iin[4:10]):
        assert _ids(signed_in, where, q) == {expected}, q
    assert _ids(signed_in, where, people["other_case"].child.iin) == set()
