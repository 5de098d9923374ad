"""The registry import runs the duplicate detection of the API and pages, within the file and against
the registry, and refuses a possible duplicate unless its line confirms a new person (issue 15,
item 2: a file listing one found child twice, in Cyrillic and in Latin, imported twice created four
children without a word)."""

import datetime as dt

import pytest
from django.core.management import CommandError, call_command

from children.models import Child
from families.models import Applicant, Family
from registry.services import import_registry
from tests import factories
from tests.factories import valid_iin
from tests.test_import import CHILD_HEADER, FAMILY_HEADER, write

HEADER = CHILD_HEADER + ",new_record"


def line(last_name: str, first_name: str, patronymic: str = "", birth: str = "2020-04-02", iin: str = "",
         new_record: str = "") -> str:
    return ",".join([last_name, first_name, patronymic, birth, "M", iin, "parents_unknown", "almaty", "2023-01-10", "0",
                     "dept-almaty", new_record])


FOUND_CHILD = [HEADER, line("Нұрланов", "Арман"), line("Nurlanov", "Arman")]


def run(lines: list[str], kind: str = "children", **kwargs):
    return import_registry(text=iter("\n".join(lines).splitlines(keepends=True)), kind=kind, **kwargs)


def test_the_found_child_listed_twice_is_refused_and_named_by_line(db):
    report = run(FOUND_CHILD)
    assert report.imported == 0
    assert report.possible_duplicates == [
        {"line": 3, "duplicates": [{"line": 2, "reason": "same_birth_date_similar_name", "similarity": 100.0}]}]
    assert [r["line"] for r in report.rejected] == [3]
    assert "line 2 of this file" in report.rejected[0]["errors"]["new_record"][0]
    assert Child.objects.count() == 0


@pytest.mark.parametrize("partial", [False, True])
def test_the_same_file_imported_twice_never_makes_four_children(db, partial):
    run(FOUND_CHILD, partial=partial)
    again = run(FOUND_CHILD, partial=partial)
    assert again.imported == 0
    assert {r["line"] for r in again.rejected} == ({2, 3} if partial else {3})
    assert Child.objects.count() == (1 if partial else 0)
    # Posting the child through the API afterwards warns of one possible duplicate at most.
    assert Child.objects.filter(birth_date=dt.date(2020, 4, 2)).count() <= 1


def test_a_second_import_of_the_found_child_is_refused_against_the_registry(db):
    assert run([HEADER, line("Нұрланов", "Арман")]).imported == 1
    existing = Child.objects.get()
    report = run([HEADER, line("Nurlanov", "Arman")])
    assert report.imported == 0
    assert report.possible_duplicates == [{"line": 2, "duplicates": [
        {"kind": "child", "id": existing.pk, "reason": "same_birth_date_similar_name", "similarity": 100.0}]}]
    assert f"child №\u00a0{existing.pk}" in report.rejected[0]["errors"]["new_record"][0]
    assert Child.objects.count() == 1


@pytest.mark.parametrize(("first", "second"), [
    (("Нұрланов", "Арман", "Серікұлы"), ("Нурланов", "Арман", "")),  # without the patronymic
    (("Нұрланов", "Арман", "Серікұлы"), ("Нурланов", "Арман", "Серикович")),  # Russian form
    (("Арман", "Нұрланов", ""), ("Нурланов", "Арман", "")),  # swapped
    (("Иванова-Петрова", "Мария", ""), ("Петрова", "Мария", "")),  # double surname
])
def test_every_way_of_writing_one_child_is_a_possible_duplicate_in_the_file(db, first, second):
    report = run([HEADER, line(*first), line(*second)])
    assert [d["line"] for d in report.possible_duplicates] == [3]
    assert Child.objects.count() == 0


def test_partial_imports_the_first_line_and_refuses_the_unconfirmed_second(db):
    report = run(FOUND_CHILD, partial=True)
    assert (report.imported, [r["line"] for r in report.rejected]) == (1, [3])


def test_a_confirmed_new_child_is_imported(db):
    report = run([HEADER, line("Нұрланов", "Арман"), line("Nurlanov", "Arman", new_record="yes")])
    assert (report.imported, report.possible_duplicates) == (2, [])


def test_twins_with_other_given_names_import_without_a_question(db):
    report = run([HEADER, line("Нұрланов", "Арман", "Серікұлы"), line("Нұрланов", "Айдос", "Серікұлы")])
    assert (report.imported, report.possible_duplicates) == (2, [])


def test_a_child_registered_through_the_api_is_found_by_the_import(db, worker):
    from children.services import create_child

    child, _warnings = create_child(actor=worker, last_name="Нұрланов", first_name="Арман", patronymic="Серікұлы",
                                    birth_date=dt.date(2020, 4, 2), sex="M", legal_status="parents_unknown",
                                    region=factories.region_by_code("almaty"), entered_care_on=dt.date(2023, 1, 10))
    report = run([HEADER, line("Nurlanov", "Arman")])
    assert report.possible_duplicates[0]["duplicates"][0]["id"] == child.pk


def test_the_command_names_the_possible_duplicate_and_exits_non_zero(db, tmp_path, capsys):
    path = write(tmp_path, *FOUND_CHILD)
    with pytest.raises(CommandError):
        call_command("import_registry", path, kind="children")
    assert "line 3: new_record: Possibly already registered: line 2 of this file." in capsys.readouterr().err


def test_the_upload_answers_400_with_the_possible_duplicates(api_client, supervisor):
    from django.core.files.uploadedfile import SimpleUploadedFile

    api_client.force_authenticate(supervisor)
    upload = SimpleUploadedFile("children.csv", "\n".join(FOUND_CHILD).encode())
    response = api_client.post("/api/v1/registry/import/", {"kind": "children", "file": upload}, format="multipart")
    assert response.status_code == 400
    assert response.json()["possible_duplicates"][0]["line"] == 3
    assert Child.objects.count() == 0


def test_a_family_whose_applicant_is_already_registered_is_refused(db, tmp_path):
    existing = factories.ApplicantFactory(last_name="Ахметова", first_name="Жанна", patronymic="Серікқызы",
                                          birth_date=dt.date(1985, 2, 1))
    iin = valid_iin(dt.date(1985, 2, 1), "F", 9000)
    report = run([FAMILY_HEADER, f"almaty,dept-almaty,adoption,2026-01-05,applied,,,Akhmetova,Zhanna,1985-02-01,F,{iin},,,,,"],
                 kind="families")
    assert report.imported == 0
    assert report.possible_duplicates[0]["duplicates"][0] == {
        "kind": "family", "id": existing.family_id, "reason": "same_birth_date_similar_name", "similarity": 100.0}
    assert Family.objects.count() == 1 and Applicant.objects.count() == 1


def test_one_applicant_on_two_lines_of_a_families_file_is_refused(db):
    one, two = valid_iin(dt.date(1985, 2, 1), "F", 9000), valid_iin(dt.date(1985, 2, 1), "F", 9100)
    report = run([FAMILY_HEADER,
                  f"almaty,dept-almaty,adoption,2026-01-05,applied,,,Ахметова,Жанна,1985-02-01,F,{one},,,,,",
                  f"almaty,dept-almaty,guardianship,2026-01-05,applied,,,Akhmetova,Zhanna,1985-02-01,F,{two},,,,,"],
                 kind="families")
    assert [d["line"] for d in report.possible_duplicates] == [3]
