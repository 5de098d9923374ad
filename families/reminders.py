"""The carers' periodic check as a reminder source for the daily sweep
(notifications.services.run_reminder_sweep).

Carers' checks recur (the rule in force since 4 February 2026: a carer is removed on conviction or on
registration with a psychiatric or narcological service, and people under prosecution are barred).
Each family's next check falls CARER_RECHECK_INTERVAL_DAYS after the last (families.services.
record_carer_check). The supervisors of the family's unit are reminded from
NOTIFICATION_EXPIRY_WARNING_DAYS before the due date, once per due date, while the family is approved
or suspended, however long ago the date passed (a first sweep, an import: "was due on").
"""

import datetime as dt
from typing import TYPE_CHECKING

from django.conf import settings
from django.utils.translation import gettext_noop

if TYPE_CHECKING:
    from notifications.services import PreviousSweep

STEP_NAME = "carer_recheck"
CARER_RECHECK_TITLE = gettext_noop("Family № %s: the carers' periodic check is due on %s")
# The due date already passed when the sweep first sees it.
CARER_RECHECK_OVERDUE_TITLE = gettext_noop("Family № %s: the carers' periodic check was due on %s")


def carer_recheck_step(today: dt.date, previous: "PreviousSweep | None" = None) -> tuple[str, dict]:
    from notifications.services import INSERT_WITH_FAMILY, SUPERVISORS_CTE, title_param

    days = int(getattr(settings, "NOTIFICATION_EXPIRY_WARNING_DAYS", 30))
    return INSERT_WITH_FAMILY.format(select=f"""
        WITH {SUPERVISORS_CTE}
        SELECT s.user_id, 'carer_recheck', 'family:' || f.id, f.carer_recheck_due_on,
               format(t.title, f.id, f.carer_recheck_due_on), '', NULL::bigint, NULL::bigint, now(),
               t.title_key, jsonb_build_array(f.id, f.carer_recheck_due_on), f.id
        FROM families_family f JOIN supervisors s ON s.unit_id = f.responsible_unit_id
        CROSS JOIN LATERAL (
            SELECT CASE WHEN f.carer_recheck_due_on < %(today)s THEN %(overdue_title)s ELSE %(title)s END AS title,
                   CASE WHEN f.carer_recheck_due_on < %(today)s THEN %(overdue_title_key)s ELSE %(title_key)s END
                       AS title_key) t
        WHERE f.carer_recheck_due_on <= %(until)s AND f.approval_status IN ('approved', 'suspended')
    """), {"today": today, "until": today + dt.timedelta(days=days),
           **title_param("title", CARER_RECHECK_TITLE), **title_param("overdue_title", CARER_RECHECK_OVERDUE_TITLE)}


def register_sweep_step() -> None:
    """Add the step to the sweep once (called from FamiliesConfig.ready)."""
    from notifications import services

    steps = getattr(services, "SWEEP_STEPS", None)
    if steps is not None and all(name != STEP_NAME for name, _step in steps):
        steps.append((STEP_NAME, carer_recheck_step))
