"""A visit's reminders are about the real-world visit (placement, visit kind, planned date), not the
visit row: "visit:<id>" becomes "visit:<placement>:<kind>" (the date is the due date already), so a
re-plan that renews a visit's row can no longer send its reminders again. Rows of visits deleted
since keep their old key (there is nothing to map them to); where two rows map to one new key (the
doubles this fixes), the older is re-keyed and the newer kept as it was."""

from django.db import migrations

REKEY = r"""
    WITH mapped AS (
        SELECT n.id, n.recipient_id, n.kind, n.due_on, 'visit:' || v.placement_id || ':' || v.kind AS new_key
        FROM notifications_notification n
        JOIN visits_visit v ON v.id = substring(n.subject_key FROM 7)::bigint
        WHERE n.subject_key ~ '^visit:[0-9]{1,18}$'
    ), keep AS (
        SELECT DISTINCT ON (m.recipient_id, m.kind, m.new_key, m.due_on) m.id, m.new_key
        FROM mapped m
        WHERE NOT EXISTS (SELECT 1 FROM notifications_notification o
                          WHERE o.recipient_id = m.recipient_id AND o.kind = m.kind AND o.subject_key = m.new_key
                            AND o.due_on IS NOT DISTINCT FROM m.due_on)
        ORDER BY m.recipient_id, m.kind, m.new_key, m.due_on, m.id
    )
    UPDATE notifications_notification n SET subject_key = keep.new_key FROM keep WHERE n.id = keep.id
"""


def rekey(apps, schema_editor) -> None:
    schema_editor.execute(REKEY)


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0005_emergency_flag_and_kind"),
        ("visits", "0001_initial"),
    ]

    operations = [migrations.RunPython(rekey, migrations.RunPython.noop)]
