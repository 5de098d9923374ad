"""The dates in the alerts name their own events, and the sweep reminds everything overdue however
old (notifications.services):

- a visit overdue and its escalation name the visit's planned date as such ("Visit planned on %s is
  overdue"), not as the day it became overdue (the day after); same arguments, new ``title_key``;
- a case's escalation said "stuck in stage … since <the day the limit passed>": it now gives the
  day the case entered the stage and the day its limit passed. The day entered is read, for each
  alert, from the case when it is still in that stage since before the alert's date, else from the
  last stage change into that stage on or before it, else the alert's date less the stage's limit;
  rows for which none is known keep their text;
- the visits step's earlier runs are forgotten, so the next sweep looks at every pending visit once
  (the windows no longer end NOTIFICATION_CATCH_UP_DAYS back) instead of building on a run that
  never looked further back.

``title`` (the sweep's language, for e-mails already sent) is left as it was written. Reversible
(the sweep's step history is not restored: the next sweep is a whole one either way)."""

from django.conf import settings
from django.db import migrations

VISIT_TITLES = [
    ("Visit overdue since %s (case № %s)", "Visit planned on %s is overdue (case № %s)"),
    ("Escalated: case № %s has a visit overdue since %s", "Escalated: case № %s has a visit planned on %s still not made"),
]
UPDATE = "UPDATE notifications_notification SET title_key = %s WHERE title_key = %s"

CASE_OLD = "Escalated: case № %s stuck in stage %s since %s"
CASE_NEW = "Escalated: case № %s in stage %s since %s, over its limit since %s"
CASE_FORWARD = """
    WITH entered AS (
        SELECT n.id, coalesce(
            (SELECT (c.stage_entered_at AT TIME ZONE %(tz)s)::date FROM cases_case c
             WHERE c.id = n.case_id AND c.stage = n.title_args->>1
               AND (c.stage_entered_at AT TIME ZONE %(tz)s)::date <= n.due_on),
            (SELECT (max(sc.changed_at) AT TIME ZONE %(tz)s)::date FROM cases_stagechange sc
             WHERE sc.case_id = n.case_id AND sc.to_stage = n.title_args->>1
               AND (sc.changed_at AT TIME ZONE %(tz)s)::date <= n.due_on),
            (SELECT n.due_on - l.max_days FROM cases_stagetimelimit l WHERE l.stage = n.title_args->>1)
        ) AS entered_on
        FROM notifications_notification n
        WHERE n.title_key = %(old)s AND jsonb_typeof(n.title_args) = 'array' AND jsonb_array_length(n.title_args) = 3
    )
    UPDATE notifications_notification n
    SET title_key = %(new)s,
        title_args = jsonb_build_array(n.title_args->0, n.title_args->1, to_jsonb(e.entered_on::text), n.title_args->2)
    FROM entered e WHERE e.id = n.id AND e.entered_on IS NOT NULL
"""
CASE_BACKWARD = """
    UPDATE notifications_notification n
    SET title_key = %(old)s, title_args = jsonb_build_array(n.title_args->0, n.title_args->1, n.title_args->3)
    WHERE n.title_key = %(new)s
"""


def visit_step_forgotten(apps, schema_editor):
    apps.get_model("notifications", "SweepStep").objects.filter(step="visits").delete()


class Migration(migrations.Migration):

    dependencies = [
        ("notifications", "0014_titles_number_cases_and_families"),
        ("cases", "0010_forms_of_care_2025_constraints"),
    ]

    operations = [
        migrations.RunSQL([(UPDATE, [new, old]) for old, new in VISIT_TITLES],
                          [(UPDATE, [old, new]) for old, new in VISIT_TITLES]),
        migrations.RunSQL([(CASE_FORWARD, {"tz": settings.TIME_ZONE, "old": CASE_OLD, "new": CASE_NEW})],
                          [(CASE_BACKWARD, {"old": CASE_OLD, "new": CASE_NEW})]),
        migrations.RunPython(visit_step_forgotten, migrations.RunPython.noop),
    ]
