"""Reads of cases and placements, filtered for the user and joined for what the API shows."""

import datetime as dt
import functools
from dataclasses import dataclass
from operator import attrgetter
from typing import Any

from django.db import connections, router
from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone
from knox.models import AuthToken

from access.selectors import case_row_visible_to, cases_visible_to, own_case_visible_to_viewer_sql, placements_visible_to
from accounts.models import User
from audit.models import AccessLog
from cases.models import Case, CaseNote, DecisionReview, Placement, SiblingSeparationDecision, StageChange
from children.models import Child
from core.db import prepared_cursor, prepared_row, prepares_statements
from emergency.models import EmergencyAccess
from visits.models import Visit

BIGINT_MIN, BIGINT_MAX = -(2**63), 2**63 - 1  # the range of the id columns (BigAutoField)


def case_list(*, user: User) -> QuerySet[Case]:
    return cases_visible_to(user).select_related("child", "responsible_unit", "assigned_worker", "decision_family")


def case_api_list(*, user: User) -> QuerySet[Case]:
    """The visible cases joined to what the API shows of them: the child (the unit, workers and
    family are shown as ids)."""
    return cases_visible_to(user).select_related("child")


# The stage history (kind 0) and the sibling-separation decisions (kind 1) of the case
# %(case)s, as rows of one shape: (kind, from_stage, to_stage, reason, actor's username, at,
# decision id, decided_by_id, tie-break). Ordered by (kind, at, tie-break): history oldest first;
# decisions come out oldest first and are reversed (newest first, as the models' orderings). The
# actor's name by a subquery: as a join, PostgreSQL hashed the whole user table for the few
# changes of a case.
_DETAIL_ROWS = """
    SELECT 0 AS kind, s.from_stage, s.to_stage, s.reason,
           (SELECT u.username FROM accounts_user u WHERE u.id = s.actor_id) AS actor, s.changed_at AS at,
           NULL::bigint AS decision_id, NULL::bigint AS decided_by, s.id AS tie
    FROM cases_stagechange s WHERE s.case_id = %(case)s
    UNION ALL
    SELECT 1, NULL, NULL, d.reason, NULL, d.decided_at, d.id, d.decided_by_id, -d.id
    FROM cases_siblingseparationdecision d WHERE d.case_id = %(case)s
"""
_DETAIL_WIDTH = 9  # the columns of a _DETAIL_ROWS row

# What the detail shows of the child (ChildBriefSerializer); the child's other fields, the sensitive
# ones among them, are not read.
_CHILD_BRIEF = ("id", "last_name", "first_name", "birth_date", "sex")


def _split_detail_rows(rows: list[tuple]) -> tuple[list[tuple], list[tuple]]:
    """(history, decisions) from rows of ``_DETAIL_ROWS`` in its order."""
    history = [(r[1], r[2], r[3], r[4], r[5]) for r in rows if r[0] == 0]
    decisions = [(r[6], r[3], r[7], r[5]) for r in rows if r[0] == 1][::-1]
    return history, decisions


def case_detail_rows(case_id: int) -> tuple[list[tuple], list[tuple]]:
    """The stage history and the sibling-separation decisions of one case in one hand-written query:
    ``([(from_stage, to_stage, reason, actor's username or None, changed_at)], [(id, reason,
    decided_by_id, decided_at)])``, each in the order the case's page shows (history oldest first,
    decisions newest first, as the models' orderings)."""
    with connections[router.db_for_read(StageChange)].cursor() as cursor:
        cursor.execute(f"{_DETAIL_ROWS} ORDER BY 1, 6, 9", {"case": case_id})
        return _split_detail_rows(cursor.fetchall())


@functools.cache
def _case_detail_sql() -> str:
    """The case with its child's brief (a row of kind -1, the history's columns empty), then the rows
    of _DETAIL_ROWS (the case's columns empty): one statement, each value sent and parsed once."""
    case_columns = ", ".join(f"c.{f.column}" for f in Case._meta.concrete_fields)
    child_columns = ", ".join(f"ch.{Child._meta.get_field(name).column}" for name in _CHILD_BRIEF)
    no_history = ", ".join(["NULL"] * (_DETAIL_WIDTH - 1))
    no_case = ", ".join(["NULL"] * (len(Case._meta.concrete_fields) + len(_CHILD_BRIEF)))
    return f"""
        SELECT -1, {no_history}, {case_columns}, {child_columns}
        FROM {Case._meta.db_table} c JOIN {Child._meta.db_table} ch ON ch.id = c.child_id
        WHERE c.id = %(case)s
        UNION ALL
        SELECT r.*, {no_case} FROM ({_DETAIL_ROWS}) r
        ORDER BY 1, 6, 9
    """


def case_detail_for(*, user: User, pk: object) -> Case | None:
    """The API's case detail: the case ``pk`` with its child (what the detail shows of it) and, as
    ``detail_rows``, its stage history and sibling-separation decisions (see case_detail_rows), read
    in one statement; None when there is no such case or ``user`` does not see it (the rule of
    access.selectors.cases_visible_to, decided on the row: access.selectors.case_row_visible_to).
    ``pk`` as the URL gives it: anything but an integer in the id column's range is no case."""
    try:
        case_id = int(str(pk))
    except ValueError:
        return None
    if not BIGINT_MIN <= case_id <= BIGINT_MAX:
        return None
    database = router.db_for_read(Case)
    with prepared_cursor(database) as cursor:  # prepared once per connection (core.db)
        cursor.execute(_case_detail_sql(), {"case": case_id})
        rows = cursor.fetchall()
    if not rows or rows[0][0] != -1:
        return None
    fields = Case._meta.concrete_fields
    values = rows[0][_DETAIL_WIDTH:]
    case = Case.from_db(database, [f.attname for f in fields], values[:len(fields)])
    if not case_row_visible_to(user, case_id=case.pk, assigned_worker_id=case.assigned_worker_id,
                               responsible_unit_id=case.responsible_unit_id):
        return None
    case.child = Child.from_db(database, list(_CHILD_BRIEF), values[len(fields):])
    case.detail_rows = _split_detail_rows([row[:_DETAIL_WIDTH] for row in rows[1:]])
    return case


# ---- the case detail's fast path: one statement, the JSON written by PostgreSQL ---------------------
# The statement gives, in SQL, the bytes CaseDetailSerializer's JSON has (DRF's JSONRenderer: compact,
# UTF-8, not ASCII-escaped). PostgreSQL's row_to_json writes a row as such an object in one buffer:
# keys in the columns' order, no spaces, null for NULL, integers as numbers, a date as "YYYY-MM-DD", a
# json column as it is, and strings escaped as Python's json module escapes them (the quote, the
# backslash, the control characters); U+2028 and U+2029, which DRF escapes besides, are escaped by the
# view. tests/test_case_detail_fast.py holds both answers equal, byte for byte.


def _json_datetime(local: str, utc: str) -> str:
    """An aware date and time as cases.api.serializers._datetime writes it (Python's isoformat), as
    SQL text (NULL for NULL) from the value's wall time in the current time zone (``local``: value AT
    TIME ZONE $8, the zone by name) and in UTC (``utc``: value AT TIME ZONE 'UTC'), each converted
    once by the caller: ISO 8601 to the second, the microseconds when not zero, then the zone's offset
    from UTC (local - utc: "+05:00", with seconds when it has any, as a zone's local mean time before
    1924), "Z" for a zero offset. One to_char for each part: ~1.2 µs of PostgreSQL's CPU per value,
    against ~3.2 µs when each use converted the value again."""
    offset = f"({local} - {utc})"
    return (
        f"""to_char({local}, CASE WHEN date_trunc('second', {local}) = {local} THEN 'YYYY-MM-DD"T"HH24:MI:SS' """
        f"""ELSE 'YYYY-MM-DD"T"HH24:MI:SS.US' END) || CASE WHEN {local} = {utc} THEN 'Z' """
        f"""WHEN date_trunc('minute', {offset}) = {offset} THEN to_char(greatest({offset}, -{offset}), """
        f"""CASE WHEN {local} > {utc} THEN '"+"HH24:MI' ELSE '"-"HH24:MI' END) """
        f"""ELSE to_char(greatest({offset}, -{offset}), CASE WHEN {local} > {utc} THEN '"+"HH24:MI:SS' ELSE '"-"HH24:MI:SS' END) END"""
    )


def _wall_times(sql: str, name: str) -> str:
    """The select-list items giving ``sql``'s wall time in the current time zone ($8) and in UTC, as
    the columns ``{name}_local`` and ``{name}_utc`` (_json_datetime's arguments)."""
    return f"{sql} AT TIME ZONE $8 AS {name}_local, {sql} AT TIME ZONE 'UTC' AS {name}_utc"


def _columns(pairs: list[tuple[str, str]]) -> str:
    """A select list of these (key, SQL giving the value) pairs, each value named by its key: the
    object row_to_json writes of the row, keys in this order."""
    return ", ".join(f'{value} AS "{key}"' for key, value in pairs)


@functools.cache
def _served_case_detail_sql(viewer: str) -> str:
    """The token with its user, the case's JSON when that user sees it, and the access-log row of
    that view, in one statement (one transaction). PostgreSQL's own placeholders: $1 the token key,
    $2 its digest, $3 the user expected, $4 the case, $5 now, $6 the path, $7 the client's address,
    $8 the current time zone's name. The token is the row of its key and digest, unexpired, of an
    active user who is $3 (knox's check, accounts.authentication); the case must be one that user
    sees without a grant, by the own-case rule of the kind of viewer ``viewer`` (access.selectors.
    own_case_visible_to_viewer_sql: a narrower condition than case_row_rights', never a wider one).
    The access-log row is written only when both hold (a data-modifying CTE runs
    once whatever the query reads), marked as an emergency access as audit.services.log_access marks
    it; the detail never shows a sensitive field (saw_sensitive false, as _shows_sensitive finds).

    The JSON: row_to_json of a row of the case's values (its child's object a json column of it),
    the history and the decisions appended before its closing brace, each as '[' || the objects of
    their rows joined by ',' || ']' (json_agg would put ", " between them, DRF puts ","). Each
    date-time is converted to its wall times once, in a subquery fenced by OFFSET 0 (the planner
    would otherwise copy the conversion into each of _json_datetime's uses). The actor's username
    by a subquery on the user's primary key for each change: as a join, the generic plan hashed
    the whole user table for the few changes of a case."""
    users, cases, children = User._meta.db_table, Case._meta.db_table, Child._meta.db_table
    change = _columns([
        ("from_stage", "s.from_stage"), ("to_stage", "s.to_stage"), ("reason", "s.reason"), ("actor", "s.actor"),
        ("changed_at", _json_datetime("s.changed_at_local", "s.changed_at_utc")),
    ])
    decision = _columns([
        ("id", "d.id"), ("case", "d.case_id"), ("reason", "d.reason"), ("decided_by", "d.decided_by_id"),
        ("decided_at", _json_datetime("d.decided_at_local", "d.decided_at_utc")),
    ])
    # The history oldest first, the decisions newest first (case_detail_rows' orders).
    history = (
        f"(SELECT string_agg(row_to_json(h)::text, ',' ORDER BY s.changed_at, s.id) FROM ("
        f"SELECT s.id, s.from_stage, s.to_stage, s.reason, s.changed_at, {_wall_times('s.changed_at', 'changed_at')}, "
        f"(SELECT u.username FROM {users} u WHERE u.id = s.actor_id) AS actor "
        f"FROM {StageChange._meta.db_table} s WHERE s.case_id = c.id OFFSET 0) s "
        f", LATERAL (SELECT {change}) h)"
    )
    decisions = (
        f"(SELECT string_agg(row_to_json(h)::text, ',' ORDER BY d.decided_at DESC, d.id) FROM ("
        f"SELECT d.id, d.case_id, d.reason, d.decided_by_id, d.decided_at, {_wall_times('d.decided_at', 'decided_at')} "
        f"FROM {SiblingSeparationDecision._meta.db_table} d WHERE d.case_id = c.id OFFSET 0) d, LATERAL (SELECT {decision}) h)"
    )
    child = _columns([
        ("id", "ch.id"), ("last_name", "ch.last_name"), ("first_name", "ch.first_name"), ("birth_date", "ch.birth_date"),
        ("sex", "ch.sex"),
    ])
    detail = _columns([
        ("id", "c.id"), ("child", "row_to_json(ch)"), ("stage", "c.stage"),
        ("stage_entered_at", _json_datetime("t.stage_entered_at_local", "t.stage_entered_at_utc")),
        ("form_of_care", "c.form_of_care"), ("assigned_worker", "c.assigned_worker_id"),
        ("responsible_unit", "c.responsible_unit_id"), ("opened_on", "c.opened_on"), ("closed_on", "c.closed_on"),
        ("outcome", "c.outcome"), ("decision_status", "c.decision_status"), ("decision_family", "c.decision_family_id"),
        ("decision_reviewed_by", "c.decision_reviewed_by_id"),
        ("decision_reviewed_at", _json_datetime("t.decision_reviewed_at_local", "t.decision_reviewed_at_utc")),
        ("decision_review_reason", "c.decision_review_reason"), ("version", "c.version"),
    ])
    return f"""
        WITH viewer AS (
            SELECT u.id, u.role, u.is_superuser, u.unit_id
            FROM {AuthToken._meta.db_table} t JOIN {users} u ON u.id = t.user_id
            WHERE t.token_key = $1 AND t.digest = $2 AND t.user_id = $3
              AND (t.expiry IS NULL OR t.expiry >= $5) AND u.is_active
        ), shown AS (
            SELECT c.id, c.child_id,
                   left(row_to_json(j)::text, -1) || ',"history":[' || COALESCE({history}, '')
                   || '],"sibling_separation_decisions":[' || COALESCE({decisions}, '') || ']}}' AS detail
            FROM viewer v, {cases} c
                 JOIN LATERAL (SELECT {child} FROM {children} ch WHERE ch.id = c.child_id) ch ON TRUE,
                 LATERAL (SELECT {_wall_times('c.stage_entered_at', 'stage_entered_at')},
                                 {_wall_times('c.decision_reviewed_at', 'decision_reviewed_at')} OFFSET 0) t,
                 LATERAL (SELECT {detail}) j
            WHERE c.id = $4 AND {own_case_visible_to_viewer_sql(viewer)}
        ), logged AS (
            INSERT INTO {AccessLog._meta.db_table}
                (user_id, kind, case_id, child_id, viewed_at, path, ip_address, saw_sensitive, emergency)
            SELECT $3, '{AccessLog.Kind.CASE}', s.id, s.child_id, $5, $6, $7::inet, FALSE,
                   EXISTS (SELECT 1 FROM {EmergencyAccess._meta.db_table} e
                           WHERE e.case_id = s.id AND e.user_id = $3 AND e.expires_at > $5)
            FROM shown s
        )
        SELECT detail FROM shown
    """


def served_case_detail(*, token_key: str, digest: str, user_id: int, viewer: str, case_id: int, path: str,
                       ip: str | None) -> str | None:
    """The API's case detail in one round trip: the JSON of case ``case_id`` as CaseDetailSerializer
    writes it (U+2028 and U+2029 left to the caller), when the knox token ``token_key``/``digest``
    is valid and belongs to the active user ``user_id``, a viewer of kind ``viewer``
    (access.selectors.viewer_kind), and that user sees the case without a grant; the access-log
    row of the view (``path``, the client's address ``ip``) is then written and committed by the same
    statement. None otherwise, and then nothing was written: the caller answers through the API's
    usual path (cases.api.views.case_detail_fast_path). None also, without a statement, when the
    database does not keep prepared statements (core.db: behind a pooler in transaction mode)."""
    database = router.db_for_write(AccessLog)  # a write: the primary, which also holds the freshest case
    if not BIGINT_MIN <= case_id <= BIGINT_MAX or not prepares_statements(database):
        return None
    params = [token_key, digest, user_id, case_id, timezone.now(), path, ip, timezone.get_current_timezone_name()]
    row = prepared_row(database, _served_case_detail_sql(viewer), params)  # prepared once per connection (core.db)
    return None if row is None else row[0]


def case_detail_queryset(*, user: User) -> QuerySet[Case]:
    return case_list(user=user).prefetch_related(
        Prefetch("stage_changes", queryset=StageChange.objects.select_related("actor").order_by("changed_at", "id")),
        "sibling_separation_decisions",
        Prefetch("decision_reviews", queryset=DecisionReview.objects.select_related("actor").order_by("reviewed_at", "id")),
    )


def placement_list(*, user: User) -> QuerySet[Placement]:
    return placements_visible_to(user).select_related("case", "child", "family", "home_before")


def case_as_written(pk: int) -> Case:
    """The case with what its detail shows, whoever sees it now: for answering a write that
    committed while its author could change the case (a transfer right after may hide it). The
    serializer, given no request, leaves the sensitive fields out."""
    return (
        Case.objects.select_related("child", "responsible_unit", "assigned_worker", "decision_family")
        .prefetch_related(
            Prefetch("stage_changes", queryset=StageChange.objects.select_related("actor").order_by("changed_at", "id")),
            "sibling_separation_decisions",
        )
        .get(pk=pk)
    )


def case_notes(*, case: Case, sensitive: bool) -> QuerySet[CaseNote]:
    """The notes of a case the caller has shown to the user, newest first; the sensitive ones only
    when the user holds view_sensitive on the case (``sensitive``)."""
    notes = CaseNote.objects.filter(case=case).select_related("author").order_by("-written_on", "-id")
    return notes if sensitive else notes.filter(sensitive=False)


# ---- a case's timeline ------------------------------------------------------------------------

# How many entries the case page shows at once; the earlier ones come a page at a time on demand.
TIMELINE_PAGE = 20

# The kinds of entries, in their order among entries of the same moment.
TIMELINE_KINDS = ("stage", "decision", "visit", "note")
_TIMELINE_RANK = {kind: rank for rank, kind in enumerate(TIMELINE_KINDS)}

# An entry's place in the timeline: (moment, -rank of its kind, id). The moment is the local time of
# a stage change or decision, without its zone; a visit's or a note's date counts as the end of that
# day. The timeline lists the keys from the greatest down: newest first, then stage changes,
# decisions, visits and notes of the same moment in that order, then the newer record (higher id).
# No two entries share a key: a total order, so a page starting after a key neither repeats nor
# skips an entry, whatever is written meanwhile.
TimelineKey = tuple[dt.datetime, int, int]


@dataclass(frozen=True)
class TimelineEntry:
    """One entry of a case's timeline: ``record`` is a StageChange, a DecisionReview, a Visit done or
    a CaseNote; ``at`` its local date-time (stage change, decision) or its date (visit, note)."""

    kind: str
    at: dt.date | dt.datetime
    record: StageChange | DecisionReview | Visit | CaseNote
    key: TimelineKey


def timeline_key(kind: str, at: dt.date | dt.datetime, pk: int) -> TimelineKey:
    """The key of an entry of kind ``kind`` (TIMELINE_KINDS) at ``at`` (a local date-time or a
    date) of record ``pk``: see TimelineKey. KeyError for an unknown kind."""
    moment = at.replace(tzinfo=None) if isinstance(at, dt.datetime) else dt.datetime.combine(at, dt.time.max)
    return (moment, -_TIMELINE_RANK[kind], pk)


def _entry(kind: str, at: dt.date | dt.datetime, record: Any) -> TimelineEntry:
    return TimelineEntry(kind=kind, at=at, record=record, key=timeline_key(kind, at, record.pk))


def _dated_before(field: str, kind: str, before: TimelineKey | None) -> Q:
    """The rows of a dated source (visits by ``done_on``, notes by ``written_on``) whose entries come
    after ``before`` in the timeline, as a condition the query applies before its LIMIT."""
    if before is None:
        return Q()
    moment, rank, pk = before
    older = Q(**{f"{field}__lt": moment.date()})
    if moment.time() != dt.time.max:
        return older  # the entries of that day are all at the day's end, after the moment
    own = -_TIMELINE_RANK[kind]
    if own < rank:
        return older | Q(**{field: moment.date()})
    if own == rank:
        return older | Q(**{field: moment.date(), "pk__lt": pk})
    return older


def case_timeline(
    *, case: Case, sensitive: bool, visits: list[Visit] | None = None, before: TimelineKey | None = None,
    limit: int = TIMELINE_PAGE,
) -> tuple[list[TimelineEntry], bool]:
    """The case's stage changes, decision reviews, visits done and notes as one timeline, newest
    first in its total order (TimelineKey): the first ``limit`` entries after ``before`` (from the
    newest when None), and whether more follow. For a case the caller has shown to the user: the
    notes marked sensitive only with ``sensitive`` (view_sensitive on the case), as case_notes.

    The stage changes and reviews are the case's as prefetched with it (case_detail_queryset; else a
    query each); the visits are ``visits`` when the caller has read the case's visits already (with
    their workers), else one query; the notes one query. The visits and notes queries read at most
    ``limit + 1`` rows each: four queries at most, whatever the length of the case's history."""
    local = timezone.localtime
    entries = [_entry("stage", local(c.changed_at), c) for c in case.stage_changes.all()]
    entries += [_entry("decision", local(r.reviewed_at), r) for r in case.decision_reviews.all()]
    if visits is None:
        visits = list(Visit.objects.filter(_dated_before("done_on", "visit", before), placement__case=case,
                                           done_on__isnull=False)
                      .select_related("worker").order_by("-done_on", "-id")[:limit + 1])
    entries += [_entry("visit", v.done_on, v) for v in visits if v.done_on is not None]
    notes = case_notes(case=case, sensitive=sensitive).filter(_dated_before("written_on", "note", before))
    entries += [_entry("note", n.written_on, n) for n in notes[:limit + 1]]
    if before is not None:
        entries = [e for e in entries if e.key < before]
    entries.sort(key=attrgetter("key"), reverse=True)
    return entries[:limit], len(entries) > limit
