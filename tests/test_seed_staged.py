"""The national seed's two-connection path (demo/staged.py): staging tables loaded and indexed on
connections of their own, swapped in by one short transaction. Small seeds here take it by lowering
the threshold; the rows must be those of the one-transaction path and the schema the migrated one."""

import subprocess
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from children.models import Child, ChildrensHome
from demo import services, staged
from families.models import Family
from tests.test_seed import digest, fail_at_the_cases, fixed_now, table_checksums  # noqa: F401 - fixed_now is a fixture

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

N = 300


@pytest.fixture
def staged_path(monkeypatch):
    monkeypatch.setattr(services, "STAGED_MIN_CHILDREN", 1)


def seed(children: int = N, seed_value: int = 7, *flags: str) -> str:
    out = StringIO()
    call_command(
        "seed_demo",
        "--children",
        str(children),
        "--seed",
        str(seed_value),
        "--no-progress",
        "-v",
        "2",
        *flags,
        stdout=out,
        stderr=StringIO(),
    )
    return out.getvalue()


def schema() -> str:
    """``pg_dump --schema-only`` of the test database, sequence values aside."""
    settings = connection.settings_dict
    dump = subprocess.run(
        [
            "pg_dump",
            "--schema-only",
            "-h",
            settings["HOST"] or "127.0.0.1",
            "-p",
            str(settings["PORT"] or 5432),
            "-U",
            settings["USER"] or "postgres",
            settings["NAME"],
        ],
        capture_output=True,
        text=True,
        check=True,
        env={"PGPASSWORD": settings["PASSWORD"] or ""},
    ).stdout
    # pg_dump 15.14+ writes a random \restrict key on each dump.
    return "\n".join(line for line in dump.splitlines() if not line.startswith(("\\restrict", "\\unrestrict")))


def staging_tables() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT relname FROM pg_class WHERE relname LIKE 'seedstage%%'")
        return [r[0] for r in cursor.fetchall()]


@pytest.mark.usefixtures("fixed_now")
def test_staged_seed_loads_the_same_rows_as_one_transaction_and_leaves_the_migrated_schema(monkeypatch):
    before = schema()
    monkeypatch.setattr(services, "STAGED_MIN_CHILDREN", 10**9)
    seed()
    one_transaction = digest()
    rows = table_checksums()
    services._flush()
    monkeypatch.setattr(services, "STAGED_MIN_CHILDREN", 1)
    output = seed()
    assert "swap" in output  # the phase timings of the staged path
    assert Child.objects.count() == N
    assert digest() == one_transaction
    assert table_checksums() == rows
    assert schema() == before
    assert staging_tables() == []
    # The identity sequences go on after the loaded rows.
    home = ChildrensHome.objects.order_by("id").last()
    assert (
        ChildrensHome.objects.create(name_ru="New", region=home.region, home_type=home.home_type, capacity=10,
                                     address="x").id == home.id + 1
    )


def test_the_one_transaction_path_leaves_the_migrated_schema_too(monkeypatch):
    # Indexes rebuilt from pg_get_indexdef came back with another (equivalent) predicate text.
    before = schema()
    seed()
    assert schema() == before


def test_a_failed_staged_seed_leaves_the_tables_untouched(staged_path, monkeypatch):
    before = schema()
    fail_at_the_cases(monkeypatch)
    with pytest.raises(RuntimeError, match="disk full"):
        seed()
    assert not Child.objects.exists() and not ChildrensHome.objects.exists() and not Family.objects.exists()
    assert staging_tables() == []
    assert schema() == before


def test_a_failure_while_indexing_leaves_the_tables_untouched(staged_path, monkeypatch):
    before = schema()
    real_plan = staged._plan

    def plan_with_a_bad_index(conn, tables):
        stages = real_plan(conn, tables)
        stages[2].indexes[-1].statement = "CREATE INDEX broken ON nowhere (x)"
        return stages

    monkeypatch.setattr(staged, "_plan", plan_with_a_bad_index)
    with pytest.raises(Exception, match="nowhere"):
        seed()
    assert not Child.objects.exists()
    assert staging_tables() == []
    assert schema() == before


def test_a_killed_seeds_staging_tables_are_dropped_by_the_next(staged_path):
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE seedstage_children_child (LIKE children_child INCLUDING ALL)")
        cursor.execute("CREATE TABLE seedstage_leftover (id int)")
    before_tables = set(connection.introspection.table_names()) - {"seedstage_children_child", "seedstage_leftover"}
    seed()
    assert Child.objects.count() == N
    assert staging_tables() == []
    assert set(connection.introspection.table_names()) == before_tables


def test_rows_that_appear_during_the_seed_stop_the_swap(staged_path, monkeypatch):
    real_swap = staged._swap

    def swap_after_someone_else_seeded(conn, stages, swap_check, after_swap):
        with connection.cursor() as cursor:
            cursor.execute("SELECT id FROM regions_region LIMIT 1")
            region = cursor.fetchone()[0]
        ChildrensHome.objects.create(name_ru="Early", region_id=region, home_type="baby_home", capacity=10, address="x")
        return real_swap(conn, stages, swap_check, after_swap)

    monkeypatch.setattr(staged, "_swap", swap_after_someone_else_seeded)
    with pytest.raises(CommandError, match="appeared"):
        seed()
    assert list(ChildrensHome.objects.values_list("name_ru", flat=True)) == ["Early"]
    assert not Child.objects.exists()
    assert staging_tables() == []


def test_a_database_with_children_is_refused_before_anything_is_staged(staged_path):
    seed()
    with pytest.raises(CommandError, match=r"--append.*--flush"):
        seed(50)
    assert Child.objects.count() == N
