"""Writes on the inbox: the daily reminder sweep, alerts to supervisors, marking as read, and the
e-mails.

Exactly one reminder per event: every reminder is inserted by one set-based
``INSERT ... SELECT ... ON CONFLICT DO NOTHING`` against the unique key (recipient, kind, subject,
due date), so re-running the sweep, or a worker dying half-way and its message being redelivered,
never doubles a row. The subject is the real-world thing, not a row id that a re-plan or re-import
could renew: a visit's reminders are about "visit:<placement>:<visit kind>" on the planned date.
Each kind commits on its own; a kind that did not commit is simply done by the next run.

Nothing overdue is too old to be reminded: a visit overdue, a case past its stage's limit, a
carers' check whose day has passed have their reminder (and escalation) however long ago that day
was, so a first sweep on a new database, a sweep after an import or after days without one reminds
every one of them (papers already expired: as far back as the dashboard lists them). One reminder
per thing and day due (the unique key), never one per day since: the inbox of a worker with a
visit overdue since July gets one row for it, not 150.
``NOTIFICATION_CATCH_UP_DAYS`` is only how old a step's previous run may be for the step to build
on it (look only at what is new since); after a longer gap it sweeps everything again.
E-mails are sent by a separate task from the rows with ``emailed_at IS NULL``.
"""

import datetime as dt
import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, time
from time import perf_counter

from django.conf import settings
from django.core.mail import get_connection
from django.core.mail.message import EmailMessage
from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.models import User
from core.exceptions import DomainError
from families.models import Applicant, Family
from notifications.models import Notification
from notifications.selectors import with_units
from visits.selectors import SUPERSEDED_SQL

logger = logging.getLogger(__name__)

def title_param(name: str, msgid: str) -> dict[str, str]:
    """A sweep's title parameter: ``name`` is the title in the sweep's language (``title``, used by
    e-mails) and ``name_key`` its untranslated text (``title_key``, rendered in each reader's
    language by notifications.titles)."""
    return {name: _(msgid), f"{name}_key": msgid}


# The sweep's titles. A date in a title names its own event: a visit's planned date (overdue from
# the day after it), the day a case entered its stage and the day its limit passed, the day papers
# expire or expired. Titles written with the earlier texts were moved to these by notifications
# migration 0015.
VISIT_DUE_TITLE = gettext_noop("Visit due on %s (case № %s)")
VISIT_OVERDUE_TITLE = gettext_noop("Visit planned on %s is overdue (case № %s)")
VISIT_ESCALATION_TITLE = gettext_noop("Escalated: case № %s has a visit planned on %s still not made")
CASE_STUCK_TITLE = gettext_noop("Case № %s has been in stage %s too long (limit passed on %s)")
CASE_ESCALATION_TITLE = gettext_noop("Escalated: case № %s in stage %s since %s, over its limit since %s")
CERTIFICATE_EXPIRING_TITLE = gettext_noop("Family № %s: %s expires on %s")
# Escalations written before that migration which it could not date (the case left the stage, no
# stage change, no limit) keep this text; its translations say what its date is (the limit passed).
LEGACY_CASE_ESCALATION_TITLE = gettext_noop("Escalated: case № %s stuck in stage %s since %s")
# Papers already expired when the sweep first sees them (a first sweep, an import).
CERTIFICATE_EXPIRED_TITLE = gettext_noop("Family № %s: %s expired on %s")


INSERT = """
    INSERT INTO notifications_notification
        (recipient_id, kind, subject_key, due_on, title, body, case_id, placement_id, created_at, title_key, title_args)
    {select}
    ON CONFLICT (recipient_id, kind, subject_key, due_on) DO NOTHING
"""
# The same for reminders about a family (the inbox links them to the family's page): family_id last.
INSERT_WITH_FAMILY = """
    INSERT INTO notifications_notification
        (recipient_id, kind, subject_key, due_on, title, body, case_id, placement_id, created_at, title_key, title_args,
         family_id)
    {select}
    ON CONFLICT (recipient_id, kind, subject_key, due_on) DO NOTHING
"""

# Supervisors of each unit: those of the unit itself and, for a district, of its regional
# department. A small table computed once (MATERIALIZED), then hash-joined to the items on their
# unit: joining users inside the scan of a million rows made the planner loop over it per user.
# The same as a join on ``ou`` (the unit), for small item sets (documents/reminders.py uses it).
SUPERVISORS_JOIN = """
    JOIN accounts_user u ON u.role = 'supervisor' AND u.is_active
     AND u.unit_id IN (ou.id, CASE WHEN ou.kind = 'district' THEN ou.parent_id END)
"""
# Two equi-joins rather than one join on an OR, whose row count the planner could not estimate (it
# guessed 1 for 220 pairs and looped over the items once per supervisor).
SUPERVISORS_CTE = """
    supervisors AS MATERIALIZED (
        SELECT u.unit_id, u.id AS user_id
        FROM accounts_user u WHERE u.role = 'supervisor' AND u.is_active
        UNION ALL
        SELECT ou.id, u.id
        FROM accounts_user u JOIN accounts_organisationalunit ou ON ou.parent_id = u.unit_id AND ou.kind = 'district'
        WHERE u.role = 'supervisor' AND u.is_active
    )
"""
# Accounts that were deactivated (a worker who left): never a recipient. A worker's reminder about a
# case whose assigned worker is inactive goes to the supervisors of the case's unit instead (the
# people who reassign the case), under the same kind; the unique key still makes it once per event.
INACTIVE_CTE = """
    inactive AS MATERIALIZED (SELECT u.id FROM accounts_user u WHERE NOT u.is_active)
"""


def _setting(name: str, default: object) -> object:
    return getattr(settings, name, default)


def stage_time_limits() -> dict[str, int]:
    """Days a case may stay in each stage before it counts as stuck: the cases app's policy table."""
    from cases.models import StageTimeLimit

    return dict(StageTimeLimit.objects.values_list("stage", "max_days"))


@dataclass
class SweepResult:
    """Reminders inserted, by kind (escalations as "visit_escalation" / "case_escalation"); a kind
    with none reads 0."""

    created: Counter[str] = field(default_factory=Counter)
    # Seconds each step that ran took (claim, statement and commit), for the logs and the benchmark.
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.created.values())


@dataclass(frozen=True)
class PreviousSweep:
    """The last day before today on which a step ran, and when: what an incremental step builds on."""

    day: dt.date
    started_at: datetime

    def changed_since(self) -> datetime:
        """Rows written since then may hold what that run could not see. The margin covers writes
        committed after its snapshot though stamped before it (a long import, a clock skew)."""
        margin = int(_setting("NOTIFICATION_CHANGE_MARGIN_MINUTES", 24 * 60))
        return self.started_at - dt.timedelta(minutes=margin)


# Inserts that say what they inserted, so that one statement can serve several kinds and the
# result still counts each: "<kind>" or, for escalations, "<subject type>_escalation".
INSERT_COUNTED = INSERT + " RETURNING CASE WHEN kind = 'escalation' THEN split_part(subject_key, ':', 1) || '_escalation' ELSE kind END"


def _visits(today: dt.date, previous: PreviousSweep | None) -> tuple[str, dict]:
    """Visit due within 7 days and visit overdue (to the case's worker) and, after the set days,
    the overdue visit escalated (to the supervisors): one scan of the pending visits for all three.

    After a sweep on day L, what can be new on day T is only (a) the visits whose day to be reported
    came after L: planned on L+7 < d <= T+7 (due), L <= d < T (overdue), L-7 < d <= T-7 (escalated),
    and (b) the pending visits, or the cases of pending visits, written since L's run (a visit added
    or moved, a case handed to another worker or unit). Everything else was in L's windows with the
    same data, so its reminder exists. Only those candidates are looked at: ~30k pending visits a day
    at national scale instead of the 200k in the windows. Without a previous run within the catch-up
    days (or with ``force``) every pending visit up to the due window is swept: overdue and
    escalation have no lower bound (a visit overdue for months is a child nobody has seen).
    Supervisors who join a unit get the escalations from then on; a forced sweep also gives them the
    earlier ones."""
    days = int(_setting("NOTIFICATION_VISIT_DUE_DAYS", 7))
    after = int(_setting("NOTIFICATION_ESCALATE_AFTER_DAYS", 7))
    escalate_last = today - dt.timedelta(days=after)
    params = {
        "until": today + dt.timedelta(days=days), "today": today,
        "yesterday": today - dt.timedelta(days=1), "escalate_last": escalate_last,
        **title_param("due_title", VISIT_DUE_TITLE),
        **title_param("overdue_title", VISIT_OVERDUE_TITLE),
        **title_param("escalation_title", VISIT_ESCALATION_TITLE),
    }
    candidates = ""
    if previous is not None:
        last = previous.day
        params |= {
            "new_due_after": last + dt.timedelta(days=days), "new_overdue_from": last,
            "new_escalation_after": last - dt.timedelta(days=after), "changed_since": previous.changed_since(),
        }
        candidates = """
            AND v.id IN (
                SELECT n.id FROM visits_visit n
                WHERE n.done_on IS NULL AND (
                    n.planned_on > %(new_due_after)s AND n.planned_on <= %(until)s
                    OR n.planned_on >= %(new_overdue_from)s AND n.planned_on <= %(yesterday)s
                    OR n.planned_on > %(new_escalation_after)s AND n.planned_on <= %(escalate_last)s)
                UNION
                SELECT n.id FROM visits_visit n WHERE n.updated_at >= %(changed_since)s AND n.done_on IS NULL
                UNION
                SELECT n.id FROM cases_case k
                JOIN cases_placement q ON q.case_id = k.id AND q.ended_on IS NULL
                JOIN visits_visit n ON n.placement_id = q.id AND n.done_on IS NULL
                WHERE k.updated_at >= %(changed_since)s
                UNION
                -- a worker deactivated since: the supervisors stand in for what is still open
                SELECT n.id FROM inactive x
                JOIN cases_case k ON k.assigned_worker_id = x.id
                JOIN cases_placement q ON q.case_id = k.id AND q.ended_on IS NULL
                JOIN visits_visit n ON n.placement_id = q.id AND n.done_on IS NULL
            )"""
    superseded = SUPERSEDED_SQL.format(v="v")
    return INSERT_COUNTED.format(select=f"""
        WITH {SUPERVISORS_CTE}, {INACTIVE_CTE}, pending AS MATERIALIZED (
            SELECT v.id, v.kind AS visit_kind, v.planned_on, p.id AS placement_id, c.id AS case_id, c.assigned_worker_id,
                   c.responsible_unit_id
            FROM visits_visit v
            JOIN cases_placement p ON p.id = v.placement_id AND p.ended_on IS NULL
            JOIN cases_case c ON c.id = p.case_id
            WHERE v.done_on IS NULL AND v.planned_on <= %(until)s{candidates}
              -- a visit followed by a later one done is missed, not overdue (visits.selectors.superseded)
              AND NOT {superseded}
        ), to_worker AS (
            -- the case's worker, or the supervisors of its unit when the worker's account is inactive
            SELECT i.*, i.assigned_worker_id AS recipient_id FROM pending i
            WHERE i.assigned_worker_id IS NOT NULL AND i.assigned_worker_id NOT IN (SELECT x.id FROM inactive x)
            UNION ALL
            SELECT i.*, s.user_id FROM pending i
            JOIN inactive x ON x.id = i.assigned_worker_id JOIN supervisors s ON s.unit_id = i.responsible_unit_id
        )
        SELECT i.recipient_id, 'visit_due', 'visit:' || i.placement_id || ':' || i.visit_kind, i.planned_on,
               format(%(due_title)s, i.planned_on, i.case_id), '', i.case_id, i.placement_id, now(),
               %(due_title_key)s, jsonb_build_array(i.planned_on, i.case_id)
        FROM to_worker i
        WHERE i.planned_on BETWEEN %(today)s AND %(until)s
        UNION ALL
        SELECT i.recipient_id, 'visit_overdue', 'visit:' || i.placement_id || ':' || i.visit_kind, i.planned_on,
               format(%(overdue_title)s, i.planned_on, i.case_id), '', i.case_id, i.placement_id, now(),
               %(overdue_title_key)s, jsonb_build_array(i.planned_on, i.case_id)
        FROM to_worker i
        WHERE i.planned_on <= %(yesterday)s
        UNION ALL
        SELECT s.user_id, 'escalation', 'visit:' || i.placement_id || ':' || i.visit_kind, i.planned_on,
               format(%(escalation_title)s, i.case_id, i.planned_on), '', i.case_id, i.placement_id, now(),
               %(escalation_title_key)s, jsonb_build_array(i.case_id, i.planned_on)
        FROM pending i JOIN supervisors s ON s.unit_id = i.responsible_unit_id
        WHERE i.planned_on <= %(escalate_last)s
    """), params


def _certificate_expiring(today: dt.date, previous: PreviousSweep | None) -> tuple[str, dict]:
    days = int(_setting("NOTIFICATION_EXPIRY_WARNING_DAYS", 30))
    branches = []
    for column, document in (("home_study_expires_on", "home_study"), ("training_expires_on", "training"),
                             ("approval_expires_on", "approval")):
        branches.append(f"""
            SELECT f.id, f.responsible_unit_id, '{document}' AS document, f.{column} AS expires_on
            FROM families_family f
            WHERE f.approval_status IN ('approved', 'under_assessment') AND f.{column} BETWEEN %(expired_since)s AND %(until)s
        """)
    # From the warning window on, and papers already expired when first seen (a first sweep, an
    # import) as far back as the supervisor's dashboard lists them (EXPIRED_CERTIFICATES_RECENT_DAYS):
    # once per expiry date. Not further: the demo holds ~4,000 papers of still "approved" families
    # expired for years (327 for its supervisor alone), the stale records the dashboard stopped
    # listing, which would bury the inbox's visits and cases.
    return INSERT_WITH_FAMILY.format(select=f"""
        WITH {SUPERVISORS_CTE}, items AS MATERIALIZED ({" UNION ALL ".join(branches)})
        SELECT s.user_id, 'certificate_expiring', 'family:' || d.id || ':' || d.document, d.expires_on,
               format(t.title, d.id, d.document, d.expires_on), '', NULL::bigint, NULL::bigint, now(),
               t.title_key, jsonb_build_array(d.id, d.document, d.expires_on), d.id
        FROM items d JOIN supervisors s ON s.unit_id = d.responsible_unit_id
        CROSS JOIN LATERAL (
            SELECT CASE WHEN d.expires_on < %(today)s THEN %(expired_title)s ELSE %(title)s END AS title,
                   CASE WHEN d.expires_on < %(today)s THEN %(expired_title_key)s ELSE %(title_key)s END AS title_key) t
    """), {"today": today, "until": today + dt.timedelta(days=days),
           "expired_since": today - dt.timedelta(days=int(_setting("EXPIRED_CERTIFICATES_RECENT_DAYS", 90))),
           **title_param("title", CERTIFICATE_EXPIRING_TITLE), **title_param("expired_title", CERTIFICATE_EXPIRED_TITLE)}


def _cases(today: dt.date, previous: PreviousSweep | None) -> tuple[str, dict] | None:
    """A case past its stage's limit (to its worker) and, after the set days, escalated (to the
    supervisors): one scan of the cases per stage for both. However long ago the limit passed: a
    case stuck for a year has its reminder and escalation as one stuck for a day (once each).

    After a run on day L (as _visits): only the cases whose limit passed, or whose escalation day
    came, after L, and the cases written since L's run (handed to another worker or unit, moved to
    another stage); the rest were in L's scan with the same data and have their rows. At national
    scale most children waiting in homes are past a stage's limit: without this bound every daily
    run would scan them all and try again every reminder they already have."""
    limits = stage_time_limits()
    if not limits:
        return None
    after = int(_setting("NOTIFICATION_ESCALATE_AFTER_DAYS", 7))
    tz = timezone.get_current_timezone()
    params: dict[str, object] = {
        "tz": str(tz), "today": today,
        "escalate_last": today - dt.timedelta(days=after),
        **title_param("stuck_title", CASE_STUCK_TITLE),
        **title_param("escalation_title", CASE_ESCALATION_TITLE),
    }
    if previous is not None:
        params["changed_since"] = previous.changed_since()
    branches = []
    for i, (stage, days) in enumerate(sorted(limits.items())):
        # The limit passed on day D = entered + days. D is reported from D on and escalated from
        # D + after. The bound as an instant so the index is used.
        params[f"stage{i}"], params[f"days{i}"] = stage, days
        params[f"to{i}"] = timezone.make_aware(datetime.combine(today - dt.timedelta(days=days - 1), time.min), tz)
        since = ""
        if previous is not None:
            # New since L: an escalation day (entered + days + after) after L, which takes in every
            # limit passed after L; or the case written since L's run.
            first_new = previous.day - dt.timedelta(days=days + after - 1)
            params[f"from{i}"] = timezone.make_aware(datetime.combine(first_new, time.min), tz)
            since = f" AND (c.stage_entered_at >= %(from{i})s OR c.updated_at >= %(changed_since)s)"
        branches.append(f"""
            SELECT c.id, c.stage, c.assigned_worker_id, c.responsible_unit_id, e.entered_on,
                   e.entered_on + %(days{i})s AS limit_passed_on
            FROM cases_case c
            CROSS JOIN LATERAL (SELECT (c.stage_entered_at AT TIME ZONE %(tz)s)::date AS entered_on) e
            WHERE c.stage = %(stage{i})s AND c.stage_entered_at < %(to{i})s{since}
        """)
    return INSERT_COUNTED.format(select=f"""
        WITH {SUPERVISORS_CTE}, {INACTIVE_CTE}, stuck AS MATERIALIZED ({" UNION ALL ".join(branches)})
        SELECT s.assigned_worker_id, 'case_stuck', 'case:' || s.id || ':' || s.stage, s.limit_passed_on,
               format(%(stuck_title)s, s.id, s.stage, s.limit_passed_on), '', s.id, NULL::bigint, now(),
               %(stuck_title_key)s, jsonb_build_array(s.id, s.stage, s.limit_passed_on)
        FROM stuck s
        WHERE s.assigned_worker_id IS NOT NULL AND s.assigned_worker_id NOT IN (SELECT x.id FROM inactive x)
          AND s.limit_passed_on <= %(today)s
        UNION ALL
        -- the worker's account is inactive: the supervisors of the case's unit stand in
        SELECT sup.user_id, 'case_stuck', 'case:' || s.id || ':' || s.stage, s.limit_passed_on,
               format(%(stuck_title)s, s.id, s.stage, s.limit_passed_on), '', s.id, NULL::bigint, now(),
               %(stuck_title_key)s, jsonb_build_array(s.id, s.stage, s.limit_passed_on)
        FROM stuck s JOIN inactive x ON x.id = s.assigned_worker_id JOIN supervisors sup ON sup.unit_id = s.responsible_unit_id
        WHERE s.limit_passed_on <= %(today)s
        UNION ALL
        SELECT sup.user_id, 'escalation', 'case:' || s.id || ':' || s.stage, s.limit_passed_on,
               format(%(escalation_title)s, s.id, s.stage, s.entered_on, s.limit_passed_on), '', s.id, NULL::bigint, now(),
               %(escalation_title_key)s, jsonb_build_array(s.id, s.stage, s.entered_on, s.limit_passed_on)
        FROM stuck s JOIN supervisors sup ON sup.unit_id = s.responsible_unit_id
        WHERE s.limit_passed_on <= %(escalate_last)s
    """), params


def _high_risk_without_visit(today: dt.date, previous: PreviousSweep | None) -> tuple[str, dict]:
    """A high-risk placement without a visit for ``gap`` days, to the case's worker.

    Due on the day the gap since the last visit done (or since the start) reached ``gap`` days; a
    new visit moves that day, so the next gap is a new reminder. After a sweep on day L only these
    placements are looked at (see _visits): those whose due day came after L (last visit or start in
    (L-gap, T-gap]), those that became high since, and those whose placement, case or a visit was
    written since (a visit recorded late moves the due day): a few thousand a day instead of the
    130k high-risk placements."""
    gap = int(_setting("NOTIFICATION_HIGH_RISK_VISIT_GAP_DAYS", 30))
    params: dict[str, object] = {"today": today, "gap": gap,
                                 **title_param("title", gettext_noop("Case № %s: high risk of return and no visit for %s days"))}
    candidates = ""
    if previous is not None:
        params |= {
            "new_after": previous.day - dt.timedelta(days=gap), "new_until": today - dt.timedelta(days=gap),
            # high_since is a day: the whole day of the previous run, and the one before for the margin.
            "high_from": previous.day - dt.timedelta(days=1), "changed_since": previous.changed_since(),
        }
        candidates = """
            AND r.placement_id IN (
                SELECT x.placement_id FROM risk_placementrisk x
                WHERE x.band = 'high' AND (x.last_visit_on > %(new_after)s AND x.last_visit_on <= %(new_until)s
                                           OR x.high_since >= %(high_from)s)
                UNION
                SELECT n.placement_id FROM visits_visit n WHERE n.updated_at >= %(changed_since)s
                UNION
                SELECT q.id FROM cases_placement q
                WHERE q.ended_on IS NULL AND q.started_on > %(new_after)s AND q.started_on <= %(new_until)s
                UNION
                SELECT q.id FROM cases_placement q WHERE q.ended_on IS NULL AND q.updated_at >= %(changed_since)s
                UNION
                SELECT q.id FROM cases_case k JOIN cases_placement q ON q.case_id = k.id AND q.ended_on IS NULL
                WHERE k.updated_at >= %(changed_since)s
                UNION
                SELECT q.id FROM inactive x JOIN cases_case k ON k.assigned_worker_id = x.id
                JOIN cases_placement q ON q.case_id = k.id AND q.ended_on IS NULL
            )"""
    return INSERT.format(select=f"""
        WITH {SUPERVISORS_CTE}, {INACTIVE_CTE}, due AS MATERIALIZED (
            SELECT p.id AS placement_id, c.id AS case_id, c.assigned_worker_id, c.responsible_unit_id, g.due_on
            FROM risk_placementrisk r
            JOIN cases_placement p ON p.id = r.placement_id AND p.ended_on IS NULL
             AND p.started_on <= %(today)s::date - %(gap)s
            -- the last visit done as of the risk's last computation (every recorded visit recomputes it)
            CROSS JOIN LATERAL (SELECT greatest(p.started_on, r.last_visit_on) + %(gap)s AS due_on) g
            JOIN cases_case c ON c.id = p.case_id
            WHERE r.band = 'high' AND g.due_on <= %(today)s AND c.assigned_worker_id IS NOT NULL{candidates}
        )
        SELECT d.assigned_worker_id, 'high_risk_no_visit', 'placement:' || d.placement_id, d.due_on,
               format(%(title)s, d.case_id, %(gap)s), '', d.case_id, d.placement_id, now(),
               %(title_key)s, jsonb_build_array(d.case_id, %(gap)s)
        FROM due d WHERE d.assigned_worker_id NOT IN (SELECT x.id FROM inactive x)
        UNION ALL
        -- the worker's account is inactive: the supervisors of the case's unit stand in
        SELECT s.user_id, 'high_risk_no_visit', 'placement:' || d.placement_id, d.due_on,
               format(%(title)s, d.case_id, %(gap)s), '', d.case_id, d.placement_id, now(),
               %(title_key)s, jsonb_build_array(d.case_id, %(gap)s)
        FROM due d JOIN inactive x ON x.id = d.assigned_worker_id JOIN supervisors s ON s.unit_id = d.responsible_unit_id
    """), params


# (name, step): a step gives the statement for a day, or None, given the step's previous run (None
# for a first run, a forced one or after a gap longer than the catch-up window; a step may ignore it
# and sweep its whole window). Other apps append their own (documents does). A statement ending in
# INSERT_COUNTED's RETURNING is counted per kind.
SweepStepFunction = Callable[[dt.date, PreviousSweep | None], tuple[str, dict] | None]
SWEEP_STEPS: list[tuple[str, SweepStepFunction]] = [
    ("visits", _visits),
    ("certificate_expiring", _certificate_expiring),
    ("cases", _cases),
    ("high_risk_no_visit", _high_risk_without_visit),
]


def run_reminder_sweep(*, today: dt.date | None = None, force: bool = False) -> SweepResult:
    """Insert every reminder due today that does not exist yet: one statement per kind, whatever
    the number of placements. Safe to run any number of times.

    Each kind commits together with its SweepStep row for the day, so a re-run the same day skips
    the kinds already done (``force`` re-checks them, over their whole windows; the unique key still
    makes that add nothing) and a kind whose run died before committing is simply done again. Things
    that become due later in the day are caught by the next day's windows. A step may build on its
    previous run and look only at what can be new since (the visits step does).
    """
    today = today or timezone.localdate()
    result = SweepResult()
    catch_up = int(_setting("NOTIFICATION_CATCH_UP_DAYS", 14))
    for name, step in SWEEP_STEPS:
        started = perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            # Claim the step for the day (a concurrent sweep waits here, then finds it done), and
            # read the step's previous run within the catch-up window.
            cursor.execute(
                "WITH claim AS (INSERT INTO notifications_sweepstep (day, step, created, finished_at) "
                "VALUES (%(today)s, %(step)s, 0, now()) ON CONFLICT (day, step) DO NOTHING RETURNING id) "
                "SELECT (SELECT id FROM claim), p.day, p.finished_at FROM (SELECT 1) one LEFT JOIN LATERAL ("
                "SELECT day, finished_at FROM notifications_sweepstep WHERE step = %(step)s AND day < %(today)s "
                "AND day >= %(oldest)s ORDER BY day DESC LIMIT 1) p ON true",
                {"today": today, "step": name, "oldest": today - dt.timedelta(days=catch_up)},
            )
            claimed, previous_day, previous_started_at = cursor.fetchone()
            if claimed is None and not force:
                continue
            previous = None
            if previous_day is not None and not force:
                previous = PreviousSweep(day=previous_day, started_at=previous_started_at)
            statement = step(today, previous)
            if statement is None:
                continue
            sql, params = statement
            # For this statement only. A whole window is a large set the planner underestimates
            # (28k pending visits guessed for 200k): nested loops over it took 2.9 s at 1M
            # placements where hash joins take 0.1 s. Memory keeps the bitmap of 200k pending
            # visits exact and the hashes off disk. An incremental step looks up few rows by key.
            cursor.execute(
                "SELECT set_config('enable_nestloop', %s, true), set_config('work_mem', %s, true),"
                " set_config('jit', 'off', true)",
                ["on" if previous else "off", _setting("NOTIFICATION_SWEEP_WORK_MEM", "64MB")],
            )
            cursor.execute(sql, params)
            inserted = cursor.rowcount
            if cursor.description:  # counted per kind
                result.created.update(kind for (kind,) in cursor.fetchall())
            else:
                result.created[name] = inserted
            cursor.execute("UPDATE notifications_sweepstep SET created = created + %s, finished_at = now() "
                           "WHERE day = %s AND step = %s", [inserted, today, name])
        result.seconds[name] = perf_counter() - started
    if result.total:
        publish_email_sending()
    return result


def notify_supervisors_of_placements(*, placement_ids: list[int], kind: str, due_on: dt.date) -> int:
    """One alert per supervisor of each placement's case unit (e.g. a move into high risk)."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(INSERT.format(select=f"""
            WITH {SUPERVISORS_CTE}
            SELECT s.user_id, %(kind)s, 'placement:' || p.id, %(due_on)s, format(%(title)s, c.id), '', c.id, p.id, now(),
               %(title_key)s, jsonb_build_array(c.id)
            FROM cases_placement p
            JOIN cases_case c ON c.id = p.case_id
            JOIN supervisors s ON s.unit_id = c.responsible_unit_id
            WHERE p.id = ANY(%(ids)s)
        """), {"ids": placement_ids, "kind": kind, "due_on": due_on,
               **title_param("title", gettext_noop("Case № %s: the placement moved into high risk of return"))})
        created = cursor.rowcount
    if created:
        publish_email_sending()
    return created


def notify_supervisors_of_visit_conflict(*, record_id: int, unit_id: int, case_id: int, due_on: dt.date) -> int:
    """One alert per supervisor of a worker's unit (its own and, for a district, its regional
    department's) that a visit the worker recorded offline was kept as a conflict (visitkit);
    ``record_id`` makes it once per record."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(INSERT.format(select=f"""
            WITH {SUPERVISORS_CTE}
            SELECT s.user_id, %(kind)s, 'devicerecord:' || %(record)s, %(due_on)s, format(%(title)s, %(case)s), '', %(case)s,
                   NULL, now(),
               %(title_key)s, jsonb_build_array(%(case)s)
            FROM supervisors s WHERE s.unit_id = %(unit)s
        """), {"kind": Notification.Kind.VISIT_CONFLICT, "record": record_id, "unit": unit_id, "case": case_id, "due_on": due_on,
               **title_param("title", gettext_noop(
                   "Case № %s: a visit recorded offline could not be recorded and is kept as a conflict"))})
        created = cursor.rowcount
    if created:
        publish_email_sending()
    return created


# A family's approval suspended by a change in the family (notify_of_family_change): the
# change says which (each change its own alert), the text what the recipient has to do.
FAMILY_SUSPENDED_APPLICANT_TITLE = gettext_noop("Family № %(family)s: approval suspended (%(applicant)s: %(change)s on %(on)s)")
FAMILY_SUSPENDED_CHECK_TITLE = gettext_noop("Family № %(family)s: approval suspended (carer check failed: %(change)s on %(on)s)")
FAMILY_SUSPENDED_CHECK_FOR_TITLE = gettext_noop(
    "Family № %(family)s: approval suspended (carer check failed for %(applicant)s: %(change)s on %(on)s)")
FAMILY_SUSPENDED_VISIT_TEXT = gettext_noop(
    "The children placed with the family need a visit: one is planned within %(days)s days for each. "
    "Their cases you may see (%(count)s): %(cases)s.")
FAMILY_SUSPENDED_NO_CHILD_TEXT = gettext_noop(
    "No child is placed with the family. Until a new home study lifts the suspension the family cannot be matched "
    "or chosen in a decision.")
# A failed carers' check is lifted by a check that passes, or by the leaving of the applicant it
# concerns; never by a home study alone (families.reasons.suspension_needs).
FAMILY_SUSPENDED_CHECK_NO_CHILD_TEXT = gettext_noop(
    "No child is placed with the family. Until a carers' check that passes lifts the suspension (or the applicant "
    "concerned leaves the family) the family cannot be matched or chosen in a decision.")
FAMILY_SUSPENDED_CHECK_TEXT = gettext_noop(
    "Until a carers' check that passes lifts the suspension (or the applicant concerned leaves the family) the "
    "family cannot be matched or chosen in a decision.")
# The alerts written before the change was kept (notifications migration 0012): the family and the day only.
FAMILY_SUSPENDED_TITLE = gettext_noop("Family № %(family)s: approval suspended by a change in the family on %(on)s")
FAMILY_SUSPENDED_TEXT = gettext_noop(
    "Until a new home study lifts the suspension the family cannot be matched or chosen in a decision.")


def family_change_subject(family_id: int, *, change: str, applicant_id: int | None = None) -> str:
    """What a family's suspension alert is about: the change itself, so that each change recorded
    (a second one on a family already suspended) is an alert of its own, and the same change recorded
    again is not (with the change's date, the notification's due date, the unique key decides):
    ``family:<id>:applicant:<applicant id>`` (an applicant leaves once) or
    ``family:<id>:check:<failure>``."""
    if applicant_id is not None:
        return f"family:{family_id}:applicant:{applicant_id}"
    return f"family:{family_id}:check:{change}"


def notify_of_family_change(*, family: Family, change: str, on: dt.date, visit_within_days: int,
                            applicant: Applicant | None = None, checked: Applicant | None = None) -> int:
    """Alert that a change in the family suspended its approval: ``change`` (families.models.ApplicantLeaving
    for ``applicant``, or CarerCheckFailure of ``checked``, the applicant the failed check concerns when
    recorded) on ``on``. To the social worker of each child placed with the family (the case's assigned
    worker, an active account: the visit planned is theirs to make) and to the supervisors of the
    family's unit and of the units of those cases (its own and, for a district, its regional department's).
    An applicant's leaving is of kind ``family_suspended``, a failed carer check of kind ``carer_check_failed``.

    Each recipient's text says what is true for them: the cases of the children placed with the family
    that they work on or supervise (by number, linked from the inbox: ``{"cases": [ids]}``), each needing
    the visit planned within ``visit_within_days``; "no child is placed" when none is; and, to a
    supervisor who supervises none of those cases (the family's unit, the children placed from
    elsewhere), only what the suspension means and what lifts it (a new home study after a leaving, a
    carers' check that passes after a failed one), never a case or child of another unit. One query for
    the recipients and their cases; one insert. Returns the alerts offered (the unique key drops a
    change already alerted)."""
    from notifications.titles import render

    with connection.cursor() as cursor:
        cursor.execute(f"""
            WITH {SUPERVISORS_CTE}, placed AS (
                SELECT c.id AS case_id, c.responsible_unit_id AS unit_id, c.assigned_worker_id AS worker_id
                FROM cases_placement p JOIN cases_case c ON c.id = p.case_id
                WHERE p.family_id = %(family)s AND p.ended_on IS NULL
            ), units AS (
                SELECT f.responsible_unit_id AS unit_id FROM families_family f WHERE f.id = %(family)s
                UNION
                SELECT placed.unit_id FROM placed
            ), told AS (
                SELECT s.user_id, pl.case_id
                FROM units JOIN supervisors s ON s.unit_id = units.unit_id
                LEFT JOIN placed pl ON pl.unit_id = s.unit_id
                UNION ALL
                SELECT pl.worker_id, pl.case_id
                FROM placed pl JOIN accounts_user u ON u.id = pl.worker_id AND u.is_active
            )
            SELECT told.user_id,
                   coalesce(array_agg(DISTINCT told.case_id) FILTER (WHERE told.case_id IS NOT NULL), '{{}}'),
                   (SELECT count(*) FROM placed)
            FROM told GROUP BY told.user_id ORDER BY told.user_id
        """, {"family": family.pk})
        recipients = cursor.fetchall()
    # The change just recorded, not the family's suspension reason (a later change may stand as that).
    if applicant is not None:
        title_key = FAMILY_SUSPENDED_APPLICANT_TITLE
        title_args = {"family": family.pk, "applicant": str(applicant), "change": {"change": change}, "on": on.isoformat()}
    elif checked is not None:  # the applicant the failed check concerns (families migration 0012)
        title_key = FAMILY_SUSPENDED_CHECK_FOR_TITLE
        title_args = {"family": family.pk, "applicant": str(checked), "change": {"change": change}, "on": on.isoformat()}
    else:
        title_key = FAMILY_SUSPENDED_CHECK_TITLE
        title_args = {"family": family.pk, "change": {"change": change}, "on": on.isoformat()}
    subject = family_change_subject(family.pk, change=change, applicant_id=applicant.pk if applicant is not None else None)
    kind = Notification.Kind.FAMILY_SUSPENDED if applicant is not None else Notification.Kind.CARER_CHECK_FAILED
    title = render(title_key, title_args)[:200]
    rows = []
    for user_id, case_ids, placed in recipients:
        if case_ids:
            body_key = FAMILY_SUSPENDED_VISIT_TEXT
            body_args = {"days": visit_within_days, "count": len(case_ids), "cases": {"cases": case_ids}}
        else:
            if applicant is None:  # a failed check: lifted by a check that passes, not by a home study
                body_key = FAMILY_SUSPENDED_CHECK_TEXT if placed else FAMILY_SUSPENDED_CHECK_NO_CHILD_TEXT
            else:
                body_key = FAMILY_SUSPENDED_TEXT if placed else FAMILY_SUSPENDED_NO_CHILD_TEXT
            body_args = {}
        rows.append(Notification(
            recipient_id=user_id, kind=kind, subject_key=subject,
            due_on=on, family_id=family.pk, title=title, title_key=title_key, title_args=title_args,
            body=render(body_key, body_args), body_key=body_key, body_args=body_args,
        ))
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    if rows:
        publish_email_sending()
    return len(rows)


def mark_read(*, notification: Notification, user: User) -> Notification:
    """Mark one of the user's own notifications as read (reading it again changes nothing)."""
    if notification.recipient_id != user.pk:
        raise DomainError(_("This notification is not yours."))
    with transaction.atomic():
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=timezone.now())
        notification.refresh_from_db(fields=["read_at"])
    return notification


def send_pending_emails(*, batch_size: int = 200) -> int:
    """E-mail the notifications not e-mailed yet, in batches; returns how many were sent.

    Rows are locked with SKIP LOCKED, so two workers never send the same row; ``emailed_at`` is set
    in the same transaction. A worker killed after sending and before committing sends that batch
    again (at least once: a mail server cannot take part in our transaction).
    """
    sent = 0
    mail = get_connection()
    while True:
        with transaction.atomic():
            # Never to an inactive account: its rows wait (the sweep addressed the reminders due
            # since to the stand-ins); a reactivated account gets them then.
            rows = list(
                Notification.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(emailed_at__isnull=True, recipient__is_active=True)
                .select_related("recipient")
                .order_by("id")[:batch_size]
            )
            if not rows:
                return sent
            # In the site's language (no reader's language is known for a mailbox), from the
            # untranslated title and text where the row keeps them: never the writer's language.
            rows = with_units(rows)
            with translation.override(settings.LANGUAGE_CODE):
                messages = [
                    EmailMessage(subject=row.display_title, body=_email_body(row), to=[row.recipient.email], connection=mail)
                    for row in rows if row.recipient.email
                ]
            if messages:
                mail.send_messages(messages)
            Notification.objects.filter(pk__in=[row.pk for row in rows]).update(emailed_at=timezone.now())
            sent += len(messages)


def _email_body(row: Notification) -> str:
    """The notification's text (its title when it has none) and, with settings.SITE_URL, the links the
    inbox gives (Notification.paths), one a line."""
    body = row.display_body or row.display_title
    site = getattr(settings, "SITE_URL", "")
    paths = row.paths() if site else []
    return body + "\n\n" + "\n".join(site + path for path in paths) if paths else body


def publish_email_sending() -> None:
    """Ask a worker to send the e-mails once the current transaction commits."""
    from notifications.tasks import send_notification_emails

    publish_after_commit(send_notification_emails)


def publish_after_commit(task: object, *args: object) -> None:
    """``delay_on_commit`` that never breaks the caller: with the broker down the write has already
    committed, the error is logged, and the periodic tasks catch up from the database."""

    def publish() -> None:
        try:
            task.delay(*args)
        except Exception:  # any broker or network error: the database stays the source of truth
            logger.warning("Could not publish %s to the broker; the next periodic run catches up.", task.name, exc_info=True)

    transaction.on_commit(publish, robust=True)
