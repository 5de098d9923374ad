"""Document expiry as a reminder source for the notifications sweep.

The sweep (notifications.services.run_reminder_sweep) runs a list of steps, each one set-based
``INSERT ... SELECT ... ON CONFLICT DO NOTHING`` against the notification's unique key; this module
adds one step for documents with an expiry (a training certificate, a home-study report, a medical
report) that falls within the warning window. Recipients: the assigned social worker of the case
(a case's document, or a child's document through the child's open case; the supervisors of the
case's unit when the worker's account is inactive); for a family's document, the supervisors of the
family's unit, like the family certificates on the family itself.
"""

import datetime as dt
from typing import TYPE_CHECKING

from django.conf import settings
from django.utils.translation import gettext_noop

if TYPE_CHECKING:
    from notifications.services import PreviousSweep

STEP_NAME = "document_expiring"


def document_expiring_step(today: dt.date, previous: "PreviousSweep | None" = None) -> tuple[str, dict]:
    """The whole warning window every day (``previous`` is not needed): documents with an expiry
    are few."""
    from notifications.services import INACTIVE_CTE, INSERT_WITH_FAMILY, SUPERVISORS_JOIN, title_param

    days = int(getattr(settings, "NOTIFICATION_EXPIRY_WARNING_DAYS", 30))
    # A case's document goes to the case's worker or, when that account is inactive, to the
    # supervisors of the case's unit; a family's document to the supervisors of the family's unit.
    select = f"""
        WITH {INACTIVE_CTE}, of_cases AS MATERIALIZED (
            SELECT d.id, d.expires_on, c.id AS case_id, c.assigned_worker_id, c.responsible_unit_id
            FROM documents_document d
            JOIN cases_case c ON c.id = d.case_id
            WHERE d.expires_on BETWEEN %(today)s AND %(until)s AND c.assigned_worker_id IS NOT NULL
            UNION ALL
            SELECT d.id, d.expires_on, c.id, c.assigned_worker_id, c.responsible_unit_id
            FROM documents_document d
            JOIN cases_case c ON c.child_id = d.child_id AND c.stage <> 'closed'
            WHERE d.expires_on BETWEEN %(today)s AND %(until)s AND c.assigned_worker_id IS NOT NULL
        )
        SELECT d.assigned_worker_id, 'certificate_expiring', 'document:' || d.id, d.expires_on,
               format(%(title)s, d.id, d.expires_on), '', d.case_id, NULL::bigint, now(),
               %(title_key)s, jsonb_build_array(d.id, d.expires_on), NULL::bigint
        FROM of_cases d WHERE d.assigned_worker_id NOT IN (SELECT x.id FROM inactive x)
        UNION ALL
        SELECT u.id, 'certificate_expiring', 'document:' || d.id, d.expires_on,
               format(%(title)s, d.id, d.expires_on), '', d.case_id, NULL::bigint, now(),
               %(title_key)s, jsonb_build_array(d.id, d.expires_on), NULL::bigint
        FROM of_cases d
        JOIN inactive x ON x.id = d.assigned_worker_id
        JOIN accounts_organisationalunit ou ON ou.id = d.responsible_unit_id
        {SUPERVISORS_JOIN}
        UNION ALL
        SELECT u.id, 'certificate_expiring', 'document:' || d.id, d.expires_on,
               format(%(title)s, d.id, d.expires_on), '', NULL::bigint, NULL::bigint, now(),
               %(title_key)s, jsonb_build_array(d.id, d.expires_on), f.id
        FROM documents_document d
        JOIN families_family f ON f.id = d.family_id
        JOIN accounts_organisationalunit ou ON ou.id = f.responsible_unit_id
        {SUPERVISORS_JOIN}
        WHERE d.expires_on BETWEEN %(today)s AND %(until)s
    """
    return INSERT_WITH_FAMILY.format(select=select), {
        "today": today, "until": today + dt.timedelta(days=days), **title_param("title", gettext_noop("Document %s expires on %s")),
    }


def register_sweep_step() -> bool:
    """Add the step to the notifications sweep once; False when that sweep has no pluggable list."""
    try:
        from notifications import services
    except ImportError:
        return False
    steps = getattr(services, "SWEEP_STEPS", None)
    if steps is None:
        return False
    if all(name != STEP_NAME for name, _step in steps):
        steps.append((STEP_NAME, document_expiring_step))
    return True
