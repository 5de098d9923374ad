"""An index for a social worker's caseload in its default order: (assigned_worker, -stage_entered_at, id).

With only the newest-first index of 0003, PostgreSQL walks it for a worker's page too, filtering
~50,000 cases to find 50 of a worker's ~1,000 (about 40 ms); with this one the first page is an
ordered range of 50 index entries. Created in SQL for the same reason as 0003.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("access", "0003_case_list_order_index")]

    operations = [
        migrations.RunSQL(
            "CREATE INDEX IF NOT EXISTS access_case_caseload_idx ON cases_case (assigned_worker_id, stage_entered_at DESC, id)",
            "DROP INDEX IF EXISTS access_case_caseload_idx",
            elidable=False,
        )
    ]
