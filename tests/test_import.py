"""import_registry: the command and the service behind the API upload."""

import datetime as dt

import pytest
from django.core.management import CommandError, call_command

from cases.models import Case
from children.models import Child
from families.models import Applicant, Family
from tests.factories import valid_iin

CHILD_HEADER = "last_name,first_name,patronymic,birth_date,sex,iin,legal_status,region,entered_care_on,health_needs,responsible_unit"


def child_line(last_name="Nurlanov", birth=dt.date(2016, 5, 17), sex="M", iin=None, region="almaty", **kw):
    iin = valid_iin(birth, sex, 100) if iin is None else iin
    values = {"last_name": last_name, "first_name": "Arman", "patronymic": "", "birth_date": birth.isoformat(), "sex": sex,
              "iin": iin, "legal_status": "orphan", "region": region, "entered_care_on": "2023-01-10", "health_needs": "0",
              "responsible_unit": "dept-almaty", **kw}
    return ",".join(values[c] for c in CHILD_HEADER.split(","))


def write(tmp_path, *lines, name="file.csv"):
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


@pytest.fixture
def good_children(tmp_path):
    return write(tmp_path, CHILD_HEADER, child_line(), child_line("Sadykova", dt.date(2019, 3, 1), "F"),
                 child_line("Found", dt.date(2022, 1, 2), iin=""))


def test_good_children_file_imports_every_row_with_a_case(db, good_children, capsys):
    call_command("import_registry", good_children, kind="children")
    assert Child.objects.count() == 3
    assert Case.objects.filter(stage="registered", responsible_unit__code="dept-almaty").count() == 3
    assert "accepted rows: 3, rejected rows: 0, imported: 3" in capsys.readouterr().out


def test_one_bad_row_imports_nothing_and_names_line_and_field(db, tmp_path, capsys):
    path = write(tmp_path, CHILD_HEADER, child_line(), child_line("Bad", iin="123456789012"),
                 child_line("Worse", region="atlantis", iin=valid_iin(dt.date(2016, 5, 17), "M", 300)))
    with pytest.raises(CommandError, match="Nothing was imported"):
        call_command("import_registry", path, kind="children")
    err = capsys.readouterr().err
    assert "line 3: iin:" in err
    assert 'line 4: region: Unknown region code "atlantis".' in err
    assert Child.objects.count() == 0


def test_partial_imports_the_good_rows(db, tmp_path, capsys):
    wrong_iin = valid_iin(dt.date(2016, 5, 17), "M", 200)
    path = write(tmp_path, CHILD_HEADER, child_line(), child_line("Bad", birth=dt.date(2016, 5, 18), iin=wrong_iin))
    call_command("import_registry", path, kind="children", partial=True)
    out = capsys.readouterr()
    assert "accepted rows: 1, rejected rows: 1, imported: 1" in out.out
    assert "line 3: birth_date: The birth date does not match the IIN" in out.err
    assert list(Child.objects.values_list("last_name", flat=True)) == ["Nurlanov"]


def test_bad_date_is_a_field_error(db, tmp_path, capsys):
    path = write(tmp_path, CHILD_HEADER, child_line(entered_care_on="10.01.2023"))
    with pytest.raises(CommandError):
        call_command("import_registry", path, kind="children")
    assert "line 2: entered_care_on: Enter a date as YYYY-MM-DD." in capsys.readouterr().err


def test_same_iin_twice_in_the_file_is_rejected(db, tmp_path, capsys):
    path = write(tmp_path, CHILD_HEADER, child_line(), child_line("Twin"))
    with pytest.raises(CommandError):
        call_command("import_registry", path, kind="children")
    assert "line 3: iin: This IIN appears on an earlier line of the file." in capsys.readouterr().err


def test_iin_already_registered_is_rejected(db, tmp_path, capsys, good_children):
    call_command("import_registry", good_children, kind="children")
    with pytest.raises(CommandError):
        call_command("import_registry", good_children, kind="children")
    assert "line 2: iin:" in capsys.readouterr().err
    assert Child.objects.count() == 3


def test_missing_file(db):
    with pytest.raises(CommandError, match="File not found"):
        call_command("import_registry", "/nonexistent.csv", kind="children")


def test_wrong_header(db, tmp_path):
    path = write(tmp_path, "surname,name", "A,B")
    with pytest.raises(CommandError, match="Wrong header for children: missing columns: last_name"):
        call_command("import_registry", path, kind="children")


def test_bad_kind(db, good_children):
    with pytest.raises(CommandError, match='Unknown kind "pets"'):
        call_command("import_registry", good_children, kind="pets")


FAMILY_HEADER = ("region,responsible_unit,form_of_care,applied_on,approval_status,approved_on,approval_expires_on,"
                 "applicant1_last_name,applicant1_first_name,applicant1_birth_date,applicant1_sex,applicant1_iin,"
                 "applicant2_last_name,applicant2_first_name,applicant2_birth_date,applicant2_sex,applicant2_iin")


def test_families_file_with_a_couple_and_a_single_applicant(db, tmp_path, capsys):
    wife, husband = valid_iin(dt.date(1985, 2, 1), "F", 1), valid_iin(dt.date(1983, 7, 9), "M", 1)
    single = valid_iin(dt.date(1979, 4, 4), "F", 1)
    path = write(
        tmp_path, FAMILY_HEADER,
        f"almaty,dept-almaty,adoption,2026-01-05,applied,,,Akhmetova,Zhanna,1985-02-01,F,{wife},Akhmetov,Erlan,1983-07-09,M,{husband}",
        f"astana,dept-astana,guardianship,2025-06-01,applied,,,Serikova,Aliya,1979-04-04,F,{single},,,,,",
    )
    call_command("import_registry", path, kind="families")
    assert Family.objects.count() == 2
    assert Applicant.objects.count() == 3


def test_family_approved_without_dates_is_rejected(db, tmp_path, capsys):
    iin = valid_iin(dt.date(1985, 2, 1), "F", 1)
    path = write(tmp_path, FAMILY_HEADER,
                 f"almaty,dept-almaty,adoption,2026-01-05,approved,,,Akhmetova,Zhanna,1985-02-01,F,{iin},,,,,")
    with pytest.raises(CommandError):
        call_command("import_registry", path, kind="families")
    assert "line 2: approval_expires_on: An approved family needs an approval date" in capsys.readouterr().err
    assert Family.objects.count() == 0


def test_applicant_errors_name_the_applicant_column(db, tmp_path, capsys):
    path = write(tmp_path, FAMILY_HEADER,
                 "almaty,dept-almaty,adoption,2026-01-05,applied,,,Akhmetova,Zhanna,1985-02-01,F,850201000000,,,,,")
    with pytest.raises(CommandError):
        call_command("import_registry", path, kind="families")
    assert "line 2: applicant1_iin:" in capsys.readouterr().err


def test_rule_spanning_fields_names_the_field(db, tmp_path, capsys):
    path = write(tmp_path, CHILD_HEADER, child_line(entered_care_on="2010-01-01"))
    with pytest.raises(CommandError):
        call_command("import_registry", path, kind="children")
    err = capsys.readouterr().err
    assert "line 2: entered_care_on: A child cannot enter care before their birth date." in err
    assert "non_field_errors" not in err


def test_unreadable_csv_is_a_file_error(db, tmp_path):
    path = write(tmp_path, CHILD_HEADER, child_line(last_name="x" * 200_000))
    with pytest.raises(CommandError, match="not valid CSV near line"):
        call_command("import_registry", path, kind="children")


def test_nul_character_is_a_field_error(db, tmp_path, capsys):
    path = write(tmp_path, CHILD_HEADER, child_line(last_name="Nur\x00lanov"))
    with pytest.raises(CommandError):
        call_command("import_registry", path, kind="children")
    assert "line 2: last_name: The value contains a NUL character." in capsys.readouterr().err


def test_a_bad_row_in_a_later_batch_still_imports_nothing(db, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr("registry.services.BATCH_SIZE", 2)
    lines = [child_line(f"Child{i}", dt.date(2015, 1, 1) + dt.timedelta(days=i)) for i in range(5)]
    lines.append(child_line("Bad", region="atlantis", iin=""))
    path = write(tmp_path, CHILD_HEADER, *lines)
    with pytest.raises(CommandError):
        call_command("import_registry", path, kind="children")
    assert Child.objects.count() == 0
    assert "accepted rows: 5, rejected rows: 1, imported: 0" in capsys.readouterr().out


def test_batches_with_partial_import_every_good_row(db, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr("registry.services.BATCH_SIZE", 2)
    lines = [child_line(f"Child{i}", dt.date(2015, 1, 1) + dt.timedelta(days=i)) for i in range(5)]
    path = write(tmp_path, CHILD_HEADER, lines[0], child_line("Bad", region="atlantis", iin=""), *lines[1:])
    call_command("import_registry", path, kind="children", partial=True)
    assert Child.objects.count() == 5
    assert "accepted rows: 5, rejected rows: 1, imported: 5" in capsys.readouterr().out


def test_a_database_rule_not_checked_in_python_is_still_reported_by_line(db, tmp_path, monkeypatch, capsys):
    # Pretend the cross-field rule were not mirrored: the batch fails to write and is re-checked row by row.
    monkeypatch.setattr("registry.services.cross_field_errors", lambda child: {})
    monkeypatch.setattr("children.models.Child.clean", lambda child: None)
    path = write(tmp_path, CHILD_HEADER, child_line(), child_line("Early", dt.date(2017, 1, 1), entered_care_on="2016-01-01"))
    call_command("import_registry", path, kind="children", partial=True)
    out = capsys.readouterr()
    assert "line 3: non_field_errors: Constraint" in out.err
    assert list(Child.objects.values_list("last_name", flat=True)) == ["Nurlanov"]


def test_empty_required_cells_are_field_errors(db, tmp_path, capsys):
    path = write(tmp_path, CHILD_HEADER, child_line(region="", last_name=""))
    with pytest.raises(CommandError):
        call_command("import_registry", path, kind="children")
    err = capsys.readouterr().err
    assert "line 2: region: This field is required." in err
    assert "line 2: last_name: This field cannot be blank." in err
