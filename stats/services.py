"""Writes of the statistics app: refreshing the snapshot tables, storing a differentially private release."""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable

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

CASE_FACTS_TARGET = """stats_casefact (case_id, child_id, record_key, region_id, sex, birth_date, opened_on, closed_on, outcome,
                first_placement_on, first_permanent_on, permanent_12m, last_form_of_care, reentered_on, moves,
                last_move_on, move_dates)"""
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
CASE_FACTS_SQL = f"INSERT INTO {CASE_FACTS_TARGET} {CASE_FACTS_SELECT}"

PLACEMENT_FACTS_TARGET = """stats_placementfact (placement_id, case_id, child_id, record_key, region_id, sex, birth_date,
                     form_of_care, carer_relationship, started_on, ended_on, end_reason, case_opened_on, first_in_case)"""
PLACEMENT_FACTS_SELECT = """
SELECT p.id, p.case_id, c.id, r.key, c.region_id, c.sex, c.birth_date, p.form_of_care, p.carer_relationship, p.started_on,
       p.ended_on, p.end_reason, k.opened_on, row_number() OVER (PARTITION BY p.case_id ORDER BY p.started_on, p.id) = 1
FROM cases_placement p JOIN cases_case k ON k.id = p.case_id JOIN children_child c ON c.id = p.child_id
JOIN stats_recordkey r ON r.child_id = c.id
"""
PLACEMENT_FACTS_SQL = f"INSERT INTO {PLACEMENT_FACTS_TARGET} {PLACEMENT_FACTS_SELECT}"

# Copied from the placement facts just written, so that both agree on which placement came first.
FIRST_PLACEMENT_FACTS_SQL = f"""
INSERT INTO stats_firstplacementfact (case_id, child_id, record_key, region_id, sex, form_of_care, started_on, year, quarter,
                                      age_band, days_from_registration)
SELECT case_id, child_id, record_key, region_id, sex, form_of_care, started_on, EXTRACT(YEAR FROM started_on)::int,
       EXTRACT(YEAR FROM started_on)::int * 10 + EXTRACT(QUARTER FROM started_on)::int,
       {age_band_sql("started_on", "birth_date")}, started_on - case_opened_on
FROM stats_placementfact WHERE first_in_case
"""


FACT_TABLES = ("stats_casefact", "stats_placementfact", "stats_firstplacementfact")


def _case_facts_params() -> dict[str, object]:
    return {
        "permanent_forms": list(settings.STATS_PERMANENT_FORMS_OF_CARE),
        "move_reasons": list(settings.STATS_PLACEMENT_MOVE_END_REASONS),
        "holding_reasons": list(settings.STATS_PLACEMENT_HOLDING_END_REASONS),
    }


def refresh_statistics() -> FactsRefresh:
    """Copy every case and placement into the snapshot tables, in one transaction: readers see the
    old snapshot or the new one, never half of each (TRUNCATE makes them wait a few seconds).

    With a read replica and STATS_REFRESH_READS_REPLICA (docs/replica.md) the reads of the cases and placements run there and the
    rows stream into the primary with ``COPY … FREEZE``: the primary only writes. The record keys
    are written on the primary first and the replica is waited for until it has them; if it is down,
    behind by more than REPLICA_CATCH_UP_SECONDS or fails during the copy, everything runs on the
    primary as before (logged). Afterwards the tables are frozen and vacuumed (``VACUUM (FREEZE)``),
    so a hot standby, which cannot set hint bits durably nor a visibility map of its own, reads them
    without a commit-log lookup per row and with index-only scans (the tables copied from the
    replica are written frozen already: the VACUUM skips them)."""
    started_at = timezone.now()
    # Off by default: measured, the copy from the replica moved a caseworker's p95 more than the refresh
    # on the primary did, and took as long (bench/README.md, "Read replica (issue 21)").
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
    """The replica's alias once it has replayed the record keys just written on the primary
    (each child's key is drawn there, the replica cannot write), or None to read the primary."""
    with replica_reads() as alias:
        if alias != REPLICA:
            return None
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(RECORD_KEYS_SQL, {"key_range": KEY_RANGE})
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()::text")
        (lsn,) = cursor.fetchone()
    deadline = time.monotonic() + settings.REPLICA_CATCH_UP_SECONDS
    try:
        with connections[REPLICA].cursor() as cursor:
            while True:
                cursor.execute("SELECT coalesce(pg_last_wal_replay_lsn() >= %s::pg_lsn, true)", [lsn])
                if cursor.fetchone()[0]:
                    return REPLICA
                if time.monotonic() > deadline:
                    break
                time.sleep(0.2)
    except (OperationalError, InterfaceError) as exc:
        logger.warning("Statistics refresh: the replica failed (%s); reading the primary", exc.__class__.__name__)
        return None
    logger.warning("Statistics refresh: the replica is more than %s s behind; reading the primary",
                   settings.REPLICA_CATCH_UP_SECONDS)
    return None


def _copy(source: str, select: str, params: dict[str, object], target: str, into: object) -> int:
    """Stream the rows of ``select`` on ``source`` into ``target`` through the primary's cursor
    ``into``, as COPY text, without parsing them in Python; returns the number of rows. FREEZE: the
    table was truncated in this transaction, so its rows are written frozen and all-visible."""
    with connections[source].cursor() as reader, connections[source].wrap_database_errors, connection.wrap_database_errors:
        # The copy runs outside a transaction on the replica: a session setting, reset afterwards.
        reader.execute("SET work_mem = '128MB'")
        with reader.cursor.copy(f"COPY ({select}) TO STDOUT", params) as out, \
                into.cursor.copy(f"COPY {target} FROM STDIN (FREEZE)") as sink:
            for chunk in out:
                sink.write(chunk)
        reader.execute("RESET work_mem")
        return into.cursor.rowcount


def _rebuild(started_at: dt.datetime, *, source: str | None) -> FactsRefresh:
    """The snapshot rebuilt in one transaction on the primary, reading the cases and placements on
    ``source`` (the replica) or, when None, on the primary itself. Each statement reads its own
    snapshot either way (READ COMMITTED), as the INSERT … SELECTs on the primary always did."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT set_config('work_mem', '128MB', true)")
        cursor.execute(f"TRUNCATE {', '.join(FACT_TABLES)}")
        if source is None:
            cursor.execute(RECORD_KEYS_SQL, {"key_range": KEY_RANGE})
            cursor.execute(CASE_FACTS_SQL, _case_facts_params())
            cases = cursor.rowcount
            cursor.execute(PLACEMENT_FACTS_SQL)
            placements = cursor.rowcount
        else:
            cases = _copy(source, CASE_FACTS_SELECT, _case_facts_params(), CASE_FACTS_TARGET, cursor)
            placements = _copy(source, PLACEMENT_FACTS_SELECT, {}, PLACEMENT_FACTS_TARGET, cursor)
        cursor.execute(FIRST_PLACEMENT_FACTS_SQL)
        for table in FACT_TABLES:
            cursor.execute(f"ANALYZE {table}")
        refresh = FactsRefresh(started_at=started_at, finished_at=timezone.now(), cases=cases, placements=placements)
        refresh.full_clean()
        refresh.save()
    return refresh
