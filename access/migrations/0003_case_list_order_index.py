"""An index for the first page of a case list in its default order (-stage_entered_at, id).

A regional supervisor sees about 50,000-100,000 cases at national scale; without this index
PostgreSQL reads all of them to sort out the newest 50. With it, it walks the index and stops after
50 matches (bench/bench_caseload.py). The index serves a query of access.selectors on the cases
table, so it is created here, in SQL: the cases app's models and migrations stay untouched.
Django's model state does not know it; it is dropped by reversing this migration.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("access", "0002_case_permissions"), ("cases", "0001_initial")]

    operations = [
        migrations.RunSQL(
            "CREATE INDEX IF NOT EXISTS access_case_newest_first_idx ON cases_case (stage_entered_at DESC, id)",
            "DROP INDEX IF EXISTS access_case_newest_first_idx",
            elidable=False,
        )
    ]
