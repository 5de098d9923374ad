"""The change history of the demo's families, applicants and children, written after the seed.

The seed loads its rows by COPY (demo/loader.py), which writes no history: a demo record's first
version kept was whatever a user first did to it, shown as a change whose previous values nobody knew
(the bare "Changed" rows a newcomer met on the family page). Here each such record gets the history
a register would hold, in a few set-based statements:

- a family: registered on its application day ("Family registration", the unit's social worker),
  its certificates entered once issued, the supervisor's approval on the day it was approved, and
  a last version with what it holds now when that differs (a suspension, a refusal);
- an applicant: registered with its family;
- a child: registered on the day its first case opened ("Child registration").

The reasons are the request lines the pages would have written ("POST /families/new/"), so that the
history reads them as the action's name in the reader's language (web_tags.history_reason). The
last version of every record equals the record, so a later change is shown as "from → to" against
it. Idempotent: only records without any history row get one.
"""

from __future__ import annotations

from django.conf import settings
from django.db import connection, models, transaction
from django.utils import timezone

from children.models import Child
from families.models import Applicant, Family

# Family columns a version of the application day does not yet hold, with their empty values.
_NOT_YET = {
    "home_study_issued_on": "NULL", "home_study_expires_on": "NULL", "training_certificate_number": "''",
    "training_issued_on": "NULL", "training_expires_on": "NULL", "psychological_training_certificate_number": "''",
    "psychological_training_issued_on": "NULL", "approved_on": "NULL", "approval_expires_on": "NULL",
    "approval_requested_at": "NULL", "suspended_on": "NULL", "suspension_kind": "''", "suspension_code": "''",
    "suspension_applicant_id": "NULL", "suspension_applicant_name": "''", "suspension_note": "''",
    "carer_check_failure": "''", "carer_check_failed_on": "NULL", "carer_checked_on": "NULL", "carer_recheck_due_on": "NULL",
}
_CERTIFICATES = ("home_study_issued_on", "home_study_expires_on", "training_certificate_number", "training_issued_on",
                 "training_expires_on")
_PSYCHOLOGICAL = ("psychological_training_certificate_number", "psychological_training_issued_on")


def _columns(model: type[models.Model]) -> list[str]:
    return [f.column for f in model._meta.concrete_fields]


def _history_table(model: type[models.Model]) -> str:
    return model.history.model._meta.db_table


def _version(model: type[models.Model], values: dict[str, str], *, source: str = "f") -> str:
    """The SELECT list of one version: each column from ``source`` unless ``values`` gives it (cast to
    the column's type, so that the versions' UNION has one type per column)."""
    return ", ".join(f"CAST({values[f.column]} AS {f.db_type(connection)})" if f.column in values else f"{source}.{f.column}"
                     for f in model._meta.concrete_fields)


def _insert(model: type[models.Model]) -> str:
    own = ", ".join(_columns(model))
    return (f"INSERT INTO {_history_table(model)} ({own}, history_date, history_change_reason, history_type, history_user_id) ")


def _family_versions() -> str:
    """One INSERT of the family versions up to the approval, for the families in ``demo_history_families``."""
    # At a working hour of its day, never later than now (a demo loaded at 04:30 had "15:00" today).
    at = "LEAST((({day}) + time '{time}') AT TIME ZONE %(tz)s, %(now)s)"
    applied = dict(_NOT_YET, approval_status="'applied'")
    # Certificates entered: the family under assessment (an application not yet taken up stays "applied").
    docs_on = "GREATEST(f.home_study_issued_on, f.training_issued_on)"
    psychological_then = {c: f"CASE WHEN f.psychological_training_issued_on <= {docs_on} THEN f.{c} ELSE {_NOT_YET[c]} END"
                          for c in _PSYCHOLOGICAL}
    certified = {**{k: v for k, v in applied.items() if k not in _CERTIFICATES}, **psychological_then,
                 "approval_status": "CASE WHEN f.approval_status = 'applied' THEN 'applied' ELSE 'under_assessment' END"}
    # The supervisor's approval: the certificates as they are, approved with its dates.
    psychological_approved = {c: f"CASE WHEN f.psychological_training_issued_on <= f.approved_on THEN f.{c} ELSE {_NOT_YET[c]} END"
                              for c in _PSYCHOLOGICAL}
    approved = {**{k: v for k, v in certified.items() if k not in ("approved_on", "approval_expires_on")},
                **psychological_approved, "approval_status": "'approved'"}
    return (
        _insert(Family)
        + f"SELECT {_version(Family, applied)}, {at.format(day='f.applied_on', time='10:00')}, "
          "'POST /families/new/', '+', f.worker FROM fam f "
        + f"UNION ALL SELECT {_version(Family, certified)}, {at.format(day=docs_on, time='11:00')}, "
          "'POST /families/' || f.id || '/edit/', '~', f.worker FROM fam f WHERE " + docs_on + " IS NOT NULL "
        + f"UNION ALL SELECT {_version(Family, approved)}, {at.format(day='f.approved_on', time='15:00')}, "
          "'POST /families/' || f.id || '/approval/', '~', COALESCE(f.supervisor, f.worker) FROM fam f "
          "WHERE f.approved_on IS NOT NULL"
    )


_FAMILIES = """
CREATE TEMPORARY TABLE demo_history_families ON COMMIT DROP AS
SELECT f.id,
       (SELECT min(u.id) FROM accounts_user u WHERE u.unit_id = f.responsible_unit_id AND u.role = 'social_worker') AS worker,
       (SELECT min(u.id) FROM accounts_user u JOIN accounts_organisationalunit d ON d.parent_id = u.unit_id
        WHERE d.id = f.responsible_unit_id AND u.role = 'supervisor') AS supervisor
FROM families_family f
WHERE NOT EXISTS (SELECT 1 FROM {history} h WHERE h.id = f.id)
"""

# The record as it is, where it differs from its last version written above: dated on its suspension
# (or the return that brought it), else a month after that version, never after today.
_FAMILY_NOW = """
INSERT INTO {history} ({own}, history_date, history_change_reason, history_type, history_user_id)
SELECT {current}, LEAST(%(now)s, GREATEST(last.history_date + interval '1 hour', ((LEAST(
           COALESCE(f.suspended_on,
                    CASE WHEN f.approval_status = 'suspended' THEN (
                        SELECT max(p.ended_on) FROM cases_placement p WHERE p.family_id = f.id AND p.end_reason = 'returned')
                    END,
                    (last.history_date AT TIME ZONE %(tz)s)::date + 30),
           %(today)s::date)) + time '16:00') AT TIME ZONE %(tz)s)),
       '', '~', d.worker
FROM families_family f
JOIN demo_history_families d ON d.id = f.id
JOIN LATERAL (SELECT * FROM {history} h WHERE h.id = f.id ORDER BY h.history_date DESC, h.history_id DESC LIMIT 1) last ON true
WHERE ({compared_now}) IS DISTINCT FROM ({compared_last})
"""

_APPLICANTS = """
INSERT INTO {history} ({own}, history_date, history_change_reason, history_type, history_user_id)
SELECT {current}, LEAST((f.applied_on + time '10:00') AT TIME ZONE %(tz)s, %(now)s), 'POST /families/new/', '+', d.worker
FROM families_applicant a
JOIN families_family f ON f.id = a.family_id
LEFT JOIN demo_history_families d ON d.id = f.id
WHERE NOT EXISTS (SELECT 1 FROM {history} h WHERE h.id = a.id)
"""

_CHILDREN = """
INSERT INTO {history} ({own}, history_date, history_change_reason, history_type, history_user_id)
SELECT {current}, LEAST((COALESCE(first.opened_on, (c.created_at AT TIME ZONE %(tz)s)::date) + time '09:30') AT TIME ZONE %(tz)s,
                        %(now)s),
       'POST /children/new/', '+', first.assigned_worker_id
FROM children_child c
LEFT JOIN LATERAL (SELECT k.opened_on, k.assigned_worker_id FROM cases_case k WHERE k.child_id = c.id
                   ORDER BY k.opened_on, k.id LIMIT 1) first ON true
WHERE NOT EXISTS (SELECT 1 FROM {history} h WHERE h.id = c.id)
"""


@transaction.atomic
def write_demo_history(*, today: object) -> dict[str, int]:
    """Write the history of every family, applicant and child that has none (see the module's
    docstring). Returns the number of history rows written per model name."""
    # "now" from Python's clock (the one the rest of the demo is dated by), never a moment after it.
    params = {"tz": settings.TIME_ZONE, "today": today, "now": timezone.now()}
    family_history = _history_table(Family)
    written: dict[str, int] = {}
    compared = [c for c in _columns(Family) if c not in ("created_at", "updated_at")]
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS demo_history_families")
        cursor.execute(_FAMILIES.format(history=family_history))
        cursor.execute("WITH fam AS (SELECT f.*, d.worker, d.supervisor FROM families_family f "
                       "JOIN demo_history_families d ON d.id = f.id) " + _family_versions(), params)
        written["family"] = cursor.rowcount
        cursor.execute(_FAMILY_NOW.format(
            history=family_history, own=", ".join(_columns(Family)), current=_version(Family, {}),
            compared_now=", ".join(f"f.{c}" for c in compared), compared_last=", ".join(f"last.{c}" for c in compared),
        ), params)
        written["family"] += cursor.rowcount
        cursor.execute(_APPLICANTS.format(history=_history_table(Applicant), own=", ".join(_columns(Applicant)),
                                          current=_version(Applicant, {}, source="a")), params)
        written["applicant"] = cursor.rowcount
        cursor.execute(_CHILDREN.format(history=_history_table(Child), own=", ".join(_columns(Child)),
                                        current=_version(Child, {}, source="c")), params)
        written["child"] = cursor.rowcount
    return written
