"""The statistics refresh writes only what changed (issue 21, speed): after a day's changes to cases,
placements and children, the snapshot tables hold exactly the rows a rebuild from scratch (the
refresh as it was: TRUNCATE, then INSERT … SELECT of every row) writes; with nothing changed it
writes no row at all."""

import datetime as dt
import logging

import pytest
from django.db import connection

from cases.models import Case, Placement
from children.models import Child
from stats import services
from stats.models import FactsRefresh
from stats.services import FACTS, FIRST_PLACEMENT_FACTS, refresh_statistics
from tests import factories
from tests.test_stats_indicators import make_case, place

pytestmark = pytest.mark.django_db

D = dt.date


def snapshot() -> dict[str, list[tuple]]:
    """Every row of each snapshot table, in the order of its key."""
    with connection.cursor() as cursor:
        out = {}
        for table in FACTS:
            cursor.execute(f"SELECT {table.columns} FROM {table.name} ORDER BY {table.key}")
            out[table.name] = cursor.fetchall()
        return out


def rebuilt_from_scratch() -> dict[str, list[tuple]]:
    """The snapshot as the refresh wrote it before it compared rows: every table emptied and every
    row inserted from the records (the first placements from the placement facts just written)."""
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(table.name for table in FACTS)}")
        cursor.execute(f"INSERT INTO stats_casefact ({services.CASE_FACTS.columns}) {services.CASE_FACTS.select}",
                       services._case_facts_params())
        cursor.execute(f"INSERT INTO stats_placementfact ({services.PLACEMENT_FACTS.columns}) "
                       f"{services.PLACEMENT_FACTS.select}")
        first = FIRST_PLACEMENT_FACTS.select.replace("FROM placement_facts", "FROM stats_placementfact")
        cursor.execute(f"INSERT INTO stats_firstplacementfact ({FIRST_PLACEMENT_FACTS.columns}) {first}")
    return snapshot()


@pytest.fixture
def cases(db):
    c1 = make_case(region="almaty", sex="M", born=D(2015, 3, 1), opened=D(2023, 2, 1))
    place(c1, "adoption", D(2023, 5, 1), D(2023, 11, 1), "returned")
    place(c1, "guardianship", D(2024, 3, 1))
    c2 = make_case(region="almaty", sex="F", born=D(2020, 1, 10), opened=D(2023, 6, 15))
    place(c2, "foster_family", D(2023, 8, 1))
    c3 = make_case(region="astana", sex="F", born=D(2010, 7, 7), opened=D(2024, 1, 10))
    place(c3, "foster_family", D(2024, 4, 10), D(2025, 1, 10), "transferred")
    place(c3, "trusteeship", D(2025, 2, 1))
    c4 = make_case(region="astana", sex="M", born=D(2023, 9, 9), opened=D(2024, 10, 1))
    refresh_statistics()
    return {"c1": c1, "c2": c2, "c3": c3, "c4": c4}


def test_after_a_days_changes_the_snapshot_holds_what_a_rebuild_from_scratch_writes(cases):
    c1, c2, c3, c4 = cases["c1"], cases["c2"], cases["c3"], cases["c4"]
    # A placement ends (the case's moves and permanency change), a first placement is made (a new
    # first-placement row), one placement is gone (its rows deleted), a case is closed, a child's
    # region and birth date are corrected, a new case arrives with its placement, and a case re-enters.
    Placement.objects.filter(case=c2).update(ended_on=D(2025, 3, 1), end_reason="returned",
                                             return_reason="child_behaviour")
    place(c4, "guardianship", D(2025, 1, 5))
    Placement.objects.filter(case=c3, form_of_care="trusteeship").delete()
    Case.objects.filter(pk=c1.pk).update(closed_on=D(2025, 6, 1), outcome="permanency", stage="closed")
    Child.objects.filter(pk=c3.child_id).update(region=factories.region_by_code("almaty"), birth_date=D(2010, 7, 8))
    c5 = make_case(region="astana", sex="F", born=D(2019, 2, 2), opened=D(2025, 4, 4))
    place(c5, "foster_family", D(2025, 5, 5))
    c6 = make_case(region="almaty", sex="M", born=D(2015, 3, 1), opened=D(2025, 8, 1))
    Case.objects.filter(pk=c6.pk).update(follows=c1)

    refresh = refresh_statistics()
    after = snapshot()

    assert (refresh.cases, refresh.placements) == (Case.objects.count(), Placement.objects.count())
    assert after == rebuilt_from_scratch()
    assert len(after["stats_firstplacementfact"]) == 5  # c1, c2, c3, c4 (new), c5


def test_with_nothing_changed_the_refresh_writes_no_row(cases, caplog):
    with connection.cursor() as cursor:
        cursor.execute("SELECT case_id, xmin::text FROM stats_casefact ORDER BY case_id")
        before = cursor.fetchall()
    with caplog.at_level(logging.INFO, logger="stats.services"):
        refresh = refresh_statistics()
    with connection.cursor() as cursor:
        cursor.execute("SELECT case_id, xmin::text FROM stats_casefact ORDER BY case_id")
        assert cursor.fetchall() == before, "the same row versions: none rewritten"
    for table in FACTS:
        assert f"{table.name}: 0 rows deleted, 0 inserted" in caplog.text
    assert refresh.cases == 4 and FactsRefresh.objects.latest("finished_at") == refresh


def temporary_tables() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT relname FROM pg_class WHERE relpersistence = 't' AND relkind = 'r' ORDER BY relname")
        return [row[0] for row in cursor.fetchall()]


def test_the_refresh_keeps_its_scratch_tables_for_the_session_instead_of_creating_them_each_time(cases):
    # Each CREATE TEMPORARY TABLE writes catalog rows on the primary (logged, replayed by the
    # standbys) and each DROP leaves them for autovacuum: the second refresh creates none.
    scratch = temporary_tables()
    assert scratch and all(name.startswith(("changes_stats_", "stats_refresh_cases_")) for name in scratch)
    Placement.objects.filter(case=cases["c2"]).update(ended_on=D(2025, 3, 1), end_reason="returned",
                                                      return_reason="child_behaviour")
    with connection.cursor() as cursor:
        cursor.execute("SELECT max(oid::int) FROM pg_class")
        newest = cursor.fetchone()[0]
        refresh_statistics()
        assert temporary_tables() == scratch
        cursor.execute("SELECT count(*) FROM pg_class WHERE oid::int > %s", [newest])
        assert cursor.fetchone()[0] == 0, "no catalog row written for scratch tables"
    assert snapshot() == rebuilt_from_scratch()


def test_a_scratch_table_is_new_when_its_definition_or_its_tables_columns_change(db):
    with connection.cursor() as cursor:
        first = services._scratch(cursor, "t", "SELECT NULL::bigint AS a WITH NO DATA")
        assert services._scratch(cursor, "t", "SELECT NULL::bigint AS a WITH NO DATA") == first
        assert services._scratch(cursor, "t", "SELECT NULL::int AS a WITH NO DATA") != first
        cursor.execute("CREATE TABLE scratch_like (a int)")
        like = services._scratch(cursor, "t", "SELECT * FROM scratch_like WITH NO DATA", like="scratch_like")
        cursor.execute(f"INSERT INTO {like} VALUES (1)")
        assert services._scratch(cursor, "t", "SELECT * FROM scratch_like WITH NO DATA", like="scratch_like") == like
        cursor.execute(f"SELECT count(*) FROM {like}")
        assert cursor.fetchone()[0] == 0, "handed over empty"
        cursor.execute("ALTER TABLE scratch_like ALTER COLUMN a TYPE bigint")  # a migration
        assert services._scratch(cursor, "t", "SELECT * FROM scratch_like WITH NO DATA", like="scratch_like") != like


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # the flush empties the regions
def test_the_refresh_vacuums_the_snapshot_throttled_and_leaves_the_session_unthrottled(settings):
    settings.STATS_REFRESH_VACUUM_COST_DELAY = 7
    c1 = make_case(region="almaty", sex="M", born=D(2015, 3, 1), opened=D(2023, 2, 1))
    place(c1, "adoption", D(2023, 5, 1))
    statements = []

    def record(execute, sql, params, many, context):
        if "vacuum_cost_delay" in sql:
            statements.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        refresh = refresh_statistics()
    assert refresh.cases == 1
    assert ("SELECT set_config('vacuum_cost_delay', %s, false)", ["7ms"]) in statements
    with connection.cursor() as cursor:
        cursor.execute("SHOW vacuum_cost_delay")
        assert cursor.fetchone()[0] == "0", "reset after the refresh's VACUUM"
        cursor.execute("SELECT relpages > 0 AND relallvisible = relpages FROM pg_class WHERE relname = 'stats_casefact'")
        assert cursor.fetchone()[0], "vacuumed: every page all-visible"
