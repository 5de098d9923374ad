"""Writes of the statistics app: refreshing the snapshot tables, storing a differentially private release."""

from __future__ import annotations

import datetime as dt
import logging
import time
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

    @property
    def changes(self) -> str:
        """The temporary table of the rows to write: ``gone`` (the key of a row to delete) and the
        table's columns (a row to insert), either part NULL."""
        return f"changes_{self.name}"

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
    written since: the visibility map skips the others), so a hot standby, which cannot set hint bits
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
            cursor.execute(f"VACUUM (FREEZE) {', '.join(FACT_TABLES)}")
    return refresh


def _replica_with_keys() -> str | None:
    """The replica's alias once the record keys are written on the primary (each child's key is
    drawn there, the replica cannot write), or None to read the primary (no replica configured, or
    it does not answer)."""
    with replica_reads() as alias:
        if alias != REPLICA:
            return None
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(RECORD_KEYS_SQL, {"key_range": KEY_RANGE})
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


def _find_changes(cursor: object, table: FactTable, params: dict[str, object], source: str | None) -> None:
    """Fill ``table.changes`` with the rows that differ between ``table.select`` and the table
    (:meth:`FactTable.changes_sql`), computed on ``source`` (the replica: only those rows cross to
    the primary) or, when None, on the primary."""
    cursor.execute(f"CREATE TEMPORARY TABLE {table.changes} ON COMMIT DROP AS "
                   f"SELECT NULL::bigint AS gone, {table.columns} FROM {table.name} WITH NO DATA")
    target = f"{table.changes} (gone, {table.columns})"
    if source is None:
        cursor.execute(f"INSERT INTO {target} {table.changes_sql()}", params)
    else:
        _copy(source, table.changes_sql(), params, target, cursor)


def _write_changes(cursor: object, table: FactTable) -> tuple[int, int]:
    """Apply ``table.changes`` to ``table``: the rows whose key is ``gone`` deleted, the new rows
    inserted. Returns (deleted, inserted)."""
    cursor.execute(f"DELETE FROM {table.name} WHERE {table.key} IN (SELECT gone FROM {table.changes})")
    deleted = cursor.rowcount
    cursor.execute(f"INSERT INTO {table.name} ({table.columns}) SELECT {table.columns} FROM {table.changes} "
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
    after the same fraction); the temporary tables are dropped at the end (a caller's outer
    transaction, as in tests, may refresh twice)."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT set_config('work_mem', '128MB', true)")
        cursor.execute(f"LOCK TABLE {', '.join(FACT_TABLES)} IN SHARE ROW EXCLUSIVE MODE")
        if source is not None and not _replica_caught_up(cursor):
            source = None
        if source is None:
            cursor.execute(RECORD_KEYS_SQL, {"key_range": KEY_RANGE})
        _find_changes(cursor, CASE_FACTS, _case_facts_params(), source)
        _find_changes(cursor, PLACEMENT_FACTS, {}, source)
        # The cases whose first placement may have changed: those of every placement fact changed,
        # gone or new (read before the old rows are deleted).
        cursor.execute(
            "CREATE TEMPORARY TABLE stats_refresh_cases ON COMMIT DROP AS "
            f"SELECT case_id FROM stats_placementfact WHERE placement_id IN (SELECT gone FROM {PLACEMENT_FACTS.changes}) "
            f"UNION SELECT case_id FROM {PLACEMENT_FACTS.changes} WHERE placement_id IS NOT NULL"
        )
        written = {table: _write_changes(cursor, table) for table in (CASE_FACTS, PLACEMENT_FACTS)}
        affected = "(SELECT case_id FROM stats_refresh_cases)"
        first = FIRST_PLACEMENT_FACTS
        cursor.execute(f"CREATE TEMPORARY TABLE {first.changes} ON COMMIT DROP AS "
                       f"SELECT NULL::bigint AS gone, {first.columns} FROM {first.name} WITH NO DATA")
        cursor.execute(
            f"WITH placement_facts AS (SELECT * FROM stats_placementfact WHERE case_id IN {affected}) "
            f"INSERT INTO {first.changes} (gone, {first.columns}) "
            + first.changes_sql(old=f"(SELECT * FROM {first.name} WHERE case_id IN {affected})")
        )
        written[first] = _write_changes(cursor, first)
        cursor.execute(f"DROP TABLE stats_refresh_cases, {', '.join(table.changes for table in FACTS)}")
        cursor.execute(f"SELECT {', '.join(f'(SELECT count(*) FROM {table.name})' for table in FACTS)}")
        rows = dict(zip(FACTS, cursor.fetchone(), strict=True))
        for table, (deleted, inserted) in written.items():
            logger.info("Statistics refresh: %s: %s rows deleted, %s inserted", table.name, deleted, inserted)
            if deleted + inserted > ANALYZE_FRACTION * rows[table]:
                cursor.execute(f"ANALYZE {table.name}")
        cases, placements = rows[CASE_FACTS], rows[PLACEMENT_FACTS]
        refresh = FactsRefresh(started_at=started_at, finished_at=timezone.now(), cases=cases, placements=placements)
        refresh.full_clean()
        refresh.save()
    return refresh
