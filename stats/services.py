"""Writes of the statistics app: refreshing the snapshot tables, storing a differentially private release."""

from __future__ import annotations

import datetime as dt
import logging
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, connection, connections, transaction
from django.db.models import Sum
from django.db.utils import InterfaceError, OperationalError
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from core.exceptions import DomainError
from core.replica import REPLICA, replica_reads
from stats.cellkey import KEY_RANGE
from stats.dimensions import age_band_sql
from stats.models import FactsRefresh, PrivacySpend, PrivateRelease

logger = logging.getLogger(__name__)


def budget_period(today: dt.date | None = None) -> dt.date:
    """The privacy budget's period: the calendar quarter, by its first day."""
    today = today or timezone.localdate()
    return dt.date(today.year, (today.month - 1) // 3 * 3 + 1, 1)


def budget_spent(user: User, period: dt.date | None = None) -> float:
    total = PrivacySpend.objects.filter(user=user, period=period or budget_period()).aggregate(total=Sum("epsilon"))["total"]
    return float(total or 0.0)


def release_private_table(
    *, key: str, indicator: str, epsilon: float, request: dict, build: Callable[[], dict], user: User | None = None
) -> dict:
    """The stored release for this canonical request, or a new one built (with fresh noise), stored
    and paid for from ``user``'s privacy budget of this quarter (STATS_PRIVACY_BUDGET).

    Raises DomainError (field ``epsilon``) when the new release would overspend the budget. Two
    first requests at once: the loser of the unique key reads the winner's table and pays nothing."""
    existing = PrivateRelease.objects.filter(key=key).values_list("table", flat=True).first()
    if existing is not None:
        return existing
    with transaction.atomic():
        if user is not None:
            # One budget check at a time per user: two releases asked at once cannot both fit.
            User.objects.select_for_update().filter(pk=user.pk).first()
            period = budget_period()
            spent = budget_spent(user, period)
            budget = settings.STATS_PRIVACY_BUDGET
            if spent + epsilon > budget + 1e-9:
                raise DomainError(
                    _("Your privacy budget for the quarter starting %(period)s is used up: %(spent)s of %(budget)s spent, "
                      "and this new release needs %(epsilon)s. Releases already published stay available at no cost; "
                      "ask without epsilon for the suppressed table, or wait for the next quarter.")
                    % {"period": period.isoformat(), "spent": round(spent, 4), "budget": budget, "epsilon": epsilon},
                    field="epsilon",
                )
        table = build()
        release = PrivateRelease(key=key, indicator=indicator, epsilon=epsilon, request=request, table=table)
        release.full_clean()
        try:
            with transaction.atomic():
                release.save()
        except IntegrityError:
            return PrivateRelease.objects.get(key=key).table
        if user is not None:
            PrivacySpend.objects.create(user=user, period=budget_period(), epsilon=epsilon, release=release)
    return table


# Each child's cell-key record key, drawn once: children already holding one keep it.
RECORD_KEYS_SQL = """
INSERT INTO stats_recordkey (child_id, key)
SELECT c.id, floor(random() * %(key_range)s)::int FROM children_child c
WHERE NOT EXISTS (SELECT 1 FROM stats_recordkey r WHERE r.child_id = c.id)
"""

# The same, the children found on the replica (``CHILDREN_WITHOUT_KEY_SQL``, streamed into the
# scratch table ``stats_new_record_keys``) and only their keys drawn on the primary: the primary
# does not scan every child each night to find the few new ones. A child found there but deleted
# since gets no key; one registered since is found the next night (its cases count from then).
CHILDREN_WITHOUT_KEY_SQL = """
SELECT c.id FROM children_child c WHERE NOT EXISTS (SELECT 1 FROM stats_recordkey r WHERE r.child_id = c.id)
"""
NEW_RECORD_KEYS_SQL = """
INSERT INTO stats_recordkey (child_id, key)
SELECT c.id, floor(random() * %(key_range)s)::int FROM {new} n JOIN children_child c ON c.id = n.child_id
ON CONFLICT (child_id) DO NOTHING
"""

CASE_FACTS_COLUMNS = """case_id, child_id, record_key, region_id, sex, birth_date, opened_on, closed_on, outcome,
                first_placement_on, first_permanent_on, permanent_12m, last_form_of_care, reentered_on, moves,
                last_move_on, move_dates"""
CASE_FACTS_SELECT = """
SELECT k.id, c.id, r.key, c.region_id, c.sex, c.birth_date, k.opened_on, k.closed_on, k.outcome,
       pl.first_placement_on, pl.first_permanent_on, COALESCE(pl.permanent_12m, false), COALESCE(pl.last_form_of_care, ''),
       nxt.opened_on, COALESCE(cardinality(pl.move_dates), 0), pl.move_dates[cardinality(pl.move_dates)], pl.move_dates
FROM cases_case k JOIN children_child c ON c.id = k.child_id JOIN stats_recordkey r ON r.child_id = c.id
LEFT JOIN cases_case nxt ON nxt.follows_id = k.id
LEFT JOIN (
    SELECT p.case_id,
           min(p.started_on) AS first_placement_on,
           min(p.started_on) FILTER (WHERE p.form_of_care = ANY(%(permanent_forms)s)) AS first_permanent_on,
           -- started within 12 months of entry and not broken down (ended otherwise) by then
           bool_or(p.form_of_care = ANY(%(permanent_forms)s) AND p.started_on <= kk.opened_on + interval '12 months'
                   AND (p.ended_on IS NULL OR p.ended_on > kk.opened_on + interval '12 months'
                        OR p.end_reason = ANY(%(holding_reasons)s))) AS permanent_12m,
           (array_agg(p.form_of_care ORDER BY p.started_on DESC, p.id DESC))[1] AS last_form_of_care,
           -- moves: into a placement of a non-permanent form, and back to an institution
           (SELECT array_agg(m ORDER BY m) FROM unnest(
                array_agg(p.started_on) FILTER (WHERE NOT p.form_of_care = ANY(%(permanent_forms)s))
                || array_agg(p.ended_on) FILTER (WHERE p.end_reason = ANY(%(move_reasons)s))) AS u(m)
            WHERE m IS NOT NULL) AS move_dates
    FROM cases_placement p JOIN cases_case kk ON kk.id = p.case_id GROUP BY p.case_id
) pl ON pl.case_id = k.id
"""

PLACEMENT_FACTS_COLUMNS = """placement_id, case_id, child_id, record_key, region_id, sex, birth_date, form_of_care,
                carer_relationship, started_on, ended_on, end_reason, case_opened_on, first_in_case"""
PLACEMENT_FACTS_SELECT = """
SELECT p.id, p.case_id, c.id, r.key, c.region_id, c.sex, c.birth_date, p.form_of_care, p.carer_relationship, p.started_on,
       p.ended_on, p.end_reason, k.opened_on, row_number() OVER (PARTITION BY p.case_id ORDER BY p.started_on, p.id) = 1
FROM cases_placement p JOIN cases_case k ON k.id = p.case_id JOIN children_child c ON c.id = p.child_id
JOIN stats_recordkey r ON r.child_id = c.id
"""

FIRST_PLACEMENT_FACTS_COLUMNS = """case_id, child_id, record_key, region_id, sex, form_of_care, started_on, year, quarter,
                age_band, days_from_registration"""
# Drawn from the placement facts (``placement_facts``: the snapshot's, once brought up to date), so
# that both agree on which placement came first.
FIRST_PLACEMENT_FACTS_SELECT = f"""
SELECT case_id, child_id, record_key, region_id, sex, form_of_care, started_on, EXTRACT(YEAR FROM started_on)::int,
       EXTRACT(YEAR FROM started_on)::int * 10 + EXTRACT(QUARTER FROM started_on)::int,
       {age_band_sql("started_on", "birth_date")}, started_on - case_opened_on
FROM placement_facts WHERE first_in_case
"""


@dataclass(frozen=True)
class FactTable:
    """One snapshot table: its name, primary key, columns and the SELECT that computes its rows."""

    name: str
    key: str
    columns: str
    select: str

    def changes_sql(self, *, new: str | None = None, old: str | None = None) -> str:
        """The rows that differ between the rows ``new`` computes (default: ``select``) and the
        table's (``old``, default the whole table), joined by key: the old row's key as ``gone``
        where an old row differs or has gone, the new row's columns where a new row differs or is
        new. Two rows are the same when every column is equal, NULLs equal."""
        columns = [column.strip() for column in self.columns.split(",")]
        return (
            f"SELECT o.{self.key}, {', '.join(f'n.{c}' for c in columns)} "
            f"FROM ({new or self.select}) n ({', '.join(columns)}) FULL JOIN {old or self.name} o ON o.{self.key} = n.{self.key} "
            f"WHERE ROW({', '.join(f'n.{c}' for c in columns)}) IS DISTINCT FROM ROW({', '.join(f'o.{c}' for c in columns)})"
        )


CASE_FACTS = FactTable("stats_casefact", "case_id", CASE_FACTS_COLUMNS, CASE_FACTS_SELECT)
PLACEMENT_FACTS = FactTable("stats_placementfact", "placement_id", PLACEMENT_FACTS_COLUMNS, PLACEMENT_FACTS_SELECT)
FIRST_PLACEMENT_FACTS = FactTable("stats_firstplacementfact", "case_id", FIRST_PLACEMENT_FACTS_COLUMNS,
                                  FIRST_PLACEMENT_FACTS_SELECT)
FACTS = (CASE_FACTS, PLACEMENT_FACTS, FIRST_PLACEMENT_FACTS)
FACT_TABLES = tuple(table.name for table in FACTS)
# A snapshot table is analysed by the refresh when more than this fraction of its rows were written
# (PostgreSQL's autovacuum_analyze_scale_factor, whose autovacuum analyses the night's few otherwise).
ANALYZE_FRACTION = 0.1


def _scratch(cursor: object, name: str, definition: str, *, like: str | None = None) -> str:
    """The name of this database session's temporary table for the refresh's scratch rows, empty:
    ``name`` with the columns of ``definition`` (a SELECT … WITH NO DATA).

    Created once per session (``ON COMMIT DELETE ROWS``: each commit empties it) and emptied here,
    not created and dropped by every refresh: each CREATE TEMPORARY TABLE writes a score of catalog
    rows on the primary (pg_class, pg_type, pg_attribute, pg_depend: WAL that the standbys replay),
    and each DROP leaves them dead for autovacuum to clean up (bench/README.md "Read replica (issue
    21)", third pass). The name carries a digest of the definition and of the column types of the
    table ``like``, so that a session older than a migration of that table gets a new scratch table."""
    signature = definition
    if like is not None:
        cursor.execute(
            "SELECT string_agg(attname || ' ' || format_type(atttypid, atttypmod), ',' ORDER BY attnum) "
            "FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped", [like])
        signature += cursor.fetchone()[0]
    table = f"{name}_{zlib.crc32(signature.encode()):08x}"
    cursor.execute("SELECT to_regclass(%s) IS NULL", [f"pg_temp.{table}"])
    if cursor.fetchone()[0]:
        cursor.execute(f"CREATE TEMPORARY TABLE {table} ON COMMIT DELETE ROWS AS {definition}")
    else:
        # Empty after every commit; a caller's outer transaction (tests) may have refreshed already.
        cursor.execute(f"DELETE FROM {table}")
    return table


def _changes_table(cursor: object, table: FactTable) -> str:
    """The empty scratch table for ``table``'s changes: ``gone`` (the key of a row to delete) and the
    table's columns (a row to insert), either part NULL."""
    return _scratch(cursor, f"changes_{table.name}",
                    f"SELECT NULL::bigint AS gone, {table.columns} FROM {table.name} WITH NO DATA", like=table.name)


def _case_facts_params() -> dict[str, object]:
    return {
        "permanent_forms": list(settings.STATS_PERMANENT_FORMS_OF_CARE),
        "move_reasons": list(settings.STATS_PLACEMENT_MOVE_END_REASONS),
        "holding_reasons": list(settings.STATS_PLACEMENT_HOLDING_END_REASONS),
    }


def refresh_statistics() -> FactsRefresh:
    """Bring the snapshot tables up to date with every case and placement, in one transaction:
    readers see the old snapshot or the new one, never half of each, and never wait for it.

    Every row is computed again and compared by key with the snapshot's (every column equal, NULLs
    equal); only the rows that differ are written: a row changed or gone is deleted, a row changed or
    new inserted. A night's changes are a few thousand rows where the snapshot is millions, so the
    primary writes, logs and ships to the replicas that much, not the whole snapshot each night (it
    did until issue 21: ~85 MB of WAL a night at 100,000 children; bench/README.md "Read replica
    (issue 21)"). The tables hold the same rows as a rebuild from scratch would
    (tests/test_stats_refresh.py).

    With a read replica and STATS_REFRESH_READS_REPLICA (docs/replica.md) the comparison itself runs
    on the replica, against its copy of the snapshot tables, and only the differing rows stream into
    the primary (``COPY``, not parsed in Python): the primary does no scan of the cases and
    placements at all. The record keys are written on the primary first; the snapshot tables are then
    locked against other writers and the replica waited for until it has replayed everything up to
    that moment, so its copy is the primary's. If it is down, behind by more than
    REPLICA_CATCH_UP_SECONDS or fails during the copy, everything runs on the primary (logged).
    Afterwards the tables are vacuumed and frozen (``VACUUM (FREEZE)``, which visits only the pages
    written since: the visibility map skips the others; throttled as autovacuum is, by
    STATS_REFRESH_VACUUM_COST_DELAY), so a hot standby, which cannot set hint bits
    durably nor keep a visibility map of its own, reads them without a commit-log lookup per row and
    with index-only scans.

    Returns the refresh's record (``cases`` and ``placements``: the rows in the snapshot, not the
    rows written)."""
    started_at = timezone.now()
    # On by default when a replica is configured: the primary's CPU for a refresh loop fell from
    # 0.30-0.68 to 0.04-0.08 s/s, the caseworker's p95 the same (bench/README.md "Read replica (issue 21)").
    wanted = settings.STATS_REFRESH_READS_REPLICA and not connection.in_atomic_block
    source = _replica_with_keys() if wanted else None
    refresh = None
    if source is not None:
        logger.info("Statistics refresh: reading the cases and placements on the replica")
        try:
            refresh = _rebuild(started_at, source=source)
        except (OperationalError, InterfaceError) as exc:
            logger.warning("Statistics refresh: the replica failed during the copy (%s); reading the primary",
                           exc.__class__.__name__)
    if refresh is None:
        refresh = _rebuild(started_at, source=None)
    if not connection.in_atomic_block:
        # Outside a transaction only (VACUUM cannot run in one; tests and the first release run inside).
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('vacuum_cost_delay', %s, false)", [_cost_delay()])
            try:
                cursor.execute(f"VACUUM (FREEZE) {', '.join(FACT_TABLES)}")
            finally:
                cursor.execute("RESET vacuum_cost_delay")
    return refresh


def _cost_delay() -> str:
    """vacuum_cost_delay for the refresh's VACUUM and ANALYZE (STATS_REFRESH_VACUUM_COST_DELAY)."""
    return f"{max(0, int(settings.STATS_REFRESH_VACUUM_COST_DELAY))}ms"


def _replica_with_keys() -> str | None:
    """The replica's alias once the record keys are written on the primary (each child's key is
    drawn there, the replica cannot write; the children without one are found on the replica), or
    None to read the primary (no replica configured, or it does not answer)."""
    with replica_reads() as alias:
        if alias != REPLICA:
            return None
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            new = _scratch(cursor, "stats_new_record_keys", "SELECT NULL::bigint AS child_id WITH NO DATA")
            if _copy(REPLICA, CHILDREN_WITHOUT_KEY_SQL, {}, f"{new} (child_id)", cursor):
                cursor.execute(NEW_RECORD_KEYS_SQL.format(new=new), {"key_range": KEY_RANGE})
    except (OperationalError, InterfaceError) as exc:
        logger.warning("Statistics refresh: the replica failed (%s); reading the primary", exc.__class__.__name__)
        return None
    return REPLICA


def _replica_caught_up(cursor: object) -> bool:
    """Whether the replica replays, within REPLICA_CATCH_UP_SECONDS, everything the primary
    (``cursor``) has written so far; logs why not."""
    cursor.execute("SELECT pg_current_wal_lsn()::text")
    (lsn,) = cursor.fetchone()
    deadline = time.monotonic() + settings.REPLICA_CATCH_UP_SECONDS
    try:
        with connections[REPLICA].cursor() as replica:
            while True:
                replica.execute("SELECT coalesce(pg_last_wal_replay_lsn() >= %s::pg_lsn, true)", [lsn])
                if replica.fetchone()[0]:
                    return True
                if time.monotonic() > deadline:
                    break
                time.sleep(0.1)
    except (OperationalError, InterfaceError) as exc:
        logger.warning("Statistics refresh: the replica failed (%s); reading the primary", exc.__class__.__name__)
        return False
    logger.warning("Statistics refresh: the replica is more than %s s behind; reading the primary",
                   settings.REPLICA_CATCH_UP_SECONDS)
    return False


def _copy(source: str, select: str, params: dict[str, object], target: str, into: object) -> int:
    """Stream the rows of ``select`` on ``source`` into ``target`` (a table and its columns) through
    the primary's cursor ``into``, as COPY text, without parsing them in Python; returns the number
    of rows."""
    with connections[source].cursor() as reader, connections[source].wrap_database_errors, connection.wrap_database_errors:
        # The copy runs outside a transaction on the replica: a session setting, reset afterwards.
        reader.execute("SET work_mem = '128MB'")
        with reader.cursor.copy(f"COPY ({select}) TO STDOUT", params) as out, \
                into.cursor.copy(f"COPY {target} FROM STDIN") as sink:
            for chunk in out:
                sink.write(chunk)
        reader.execute("RESET work_mem")
        return into.cursor.rowcount


def _find_changes(cursor: object, table: FactTable, params: dict[str, object], source: str | None) -> str:
    """A scratch table (:func:`_changes_table`) filled with the rows that differ between
    ``table.select`` and the table (:meth:`FactTable.changes_sql`), computed on ``source`` (the
    replica: only those rows cross to the primary) or, when None, on the primary; returns its name."""
    changes = _changes_table(cursor, table)
    target = f"{changes} (gone, {table.columns})"
    if source is None:
        cursor.execute(f"INSERT INTO {target} {table.changes_sql()}", params)
    else:
        _copy(source, table.changes_sql(), params, target, cursor)
    return changes


def _write_changes(cursor: object, table: FactTable, changes: str) -> tuple[int, int]:
    """Apply the scratch table ``changes`` to ``table``: the rows whose key is ``gone`` deleted, the
    new rows inserted. Returns (deleted, inserted)."""
    cursor.execute(f"DELETE FROM {table.name} WHERE {table.key} IN (SELECT gone FROM {changes})")
    deleted = cursor.rowcount
    cursor.execute(f"INSERT INTO {table.name} ({table.columns}) SELECT {table.columns} FROM {changes} "
                   f"WHERE {table.key} IS NOT NULL")
    return deleted, cursor.rowcount


def _rebuild(started_at: dt.datetime, *, source: str | None) -> FactsRefresh:
    """The snapshot brought up to date in one transaction on the primary, its changes found on
    ``source`` (the replica) or, when None, on the primary itself.

    The snapshot tables are locked against other writers (``SHARE ROW EXCLUSIVE``: readers go on),
    so that with the replica caught up to this moment its copy of them is the primary's, and the rows
    it finds different are exactly those to write. Each statement reads its own snapshot of the cases
    and placements (READ COMMITTED), as the INSERT … SELECTs on the primary always did. The first
    placements are compared only for the cases whose placement facts changed (a case's first
    placement row is drawn from its placement facts alone). A table analysed again when more than
    ANALYZE_FRACTION of its rows were written (a night's few are left to autovacuum, which analyses
    after the same fraction). The snapshot's row counts are taken before the writes, on the replica
    when it reads there (its copy is the primary's), and the rows written added, so the primary does
    not count the tables again. The changes wait in this session's scratch tables (:func:`_scratch`),
    emptied at the commit."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT set_config('work_mem', '128MB', true), set_config('vacuum_cost_delay', %s, true)",
                       [_cost_delay()])
        cursor.execute(f"LOCK TABLE {', '.join(FACT_TABLES)} IN SHARE ROW EXCLUSIVE MODE")
        if source is not None and not _replica_caught_up(cursor):
            source = None
        if source is None:
            cursor.execute(RECORD_KEYS_SQL, {"key_range": KEY_RANGE})
        # The snapshot's rows before: on the replica its copy (the primary's, caught up and locked).
        counting = f"SELECT {', '.join(f'(SELECT count(*) FROM {table.name})' for table in FACTS)}"
        if source is None:
            cursor.execute(counting)
            before = cursor.fetchone()
        else:
            with connections[source].cursor() as replica:
                replica.execute(counting)
                before = replica.fetchone()
        changes = {CASE_FACTS: _find_changes(cursor, CASE_FACTS, _case_facts_params(), source),
                   PLACEMENT_FACTS: _find_changes(cursor, PLACEMENT_FACTS, {}, source)}
        # The cases whose first placement may have changed: those of every placement fact changed,
        # gone or new (read before the old rows are deleted).
        affected_cases = _scratch(cursor, "stats_refresh_cases", "SELECT NULL::bigint AS case_id WITH NO DATA")
        cursor.execute(
            f"INSERT INTO {affected_cases} SELECT case_id FROM stats_placementfact "
            f"WHERE placement_id IN (SELECT gone FROM {changes[PLACEMENT_FACTS]}) "
            f"UNION SELECT case_id FROM {changes[PLACEMENT_FACTS]} WHERE placement_id IS NOT NULL"
        )
        written = {table: _write_changes(cursor, table, changes[table]) for table in (CASE_FACTS, PLACEMENT_FACTS)}
        affected = f"(SELECT case_id FROM {affected_cases})"
        first = FIRST_PLACEMENT_FACTS
        changes[first] = _changes_table(cursor, first)
        cursor.execute(
            f"WITH placement_facts AS (SELECT * FROM stats_placementfact WHERE case_id IN {affected}) "
            f"INSERT INTO {changes[first]} (gone, {first.columns}) "
            + first.changes_sql(old=f"(SELECT * FROM {first.name} WHERE case_id IN {affected})")
        )
        written[first] = _write_changes(cursor, first, changes[first])
        rows = {table: count - written[table][0] + written[table][1] for table, count in zip(FACTS, before, strict=True)}
        for table, (deleted, inserted) in written.items():
            logger.info("Statistics refresh: %s: %s rows deleted, %s inserted", table.name, deleted, inserted)
            if deleted + inserted > ANALYZE_FRACTION * rows[table]:
                cursor.execute(f"ANALYZE {table.name}")
        cases, placements = rows[CASE_FACTS], rows[PLACEMENT_FACTS]
        refresh = FactsRefresh(started_at=started_at, finished_at=timezone.now(), cases=cases, placements=placements)
        refresh.full_clean()
        refresh.save()
    return refresh
