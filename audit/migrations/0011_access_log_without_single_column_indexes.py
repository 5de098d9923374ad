"""The access log without its single-column indexes on user, case and child: the (…, viewed_at)
indexes serve every look-up by them, and each index is written by every detail a user opens
(bench/README.md, issue 20). Only the indexes go: the user's foreign key stays as it is (Django's
AlterField would drop and add it again, checking every row of the log)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

INDEXES = {
    "audit_accesslog_case_id_0987b618": "case_id",
    "audit_accesslog_child_id_f4188954": "child_id",
    "audit_accesslog_user_id_7f87e501": "user_id",
}


class Migration(migrations.Migration):

    dependencies = [
        ("audit", "0010_historicalfamily_date_bounds"),
        ("cases", "0010_forms_of_care_2025_constraints"),
        ("children", "0003_search_text"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            # On the partitioned table: dropping the parent's index drops each partition's.
            database_operations=[
                migrations.RunSQL(f'DROP INDEX IF EXISTS "{name}"', f'CREATE INDEX "{name}" ON "audit_accesslog" ("{column}")')
                for name, column in INDEXES.items()
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="accesslog",
                    name="case",
                    field=models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True,
                                            on_delete=django.db.models.deletion.DO_NOTHING, related_name="+",
                                            to="cases.case", verbose_name="case"),
                ),
                migrations.AlterField(
                    model_name="accesslog",
                    name="child",
                    field=models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True,
                                            on_delete=django.db.models.deletion.DO_NOTHING, related_name="+",
                                            to="children.child", verbose_name="child"),
                ),
                migrations.AlterField(
                    model_name="accesslog",
                    name="user",
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name="+",
                                            to=settings.AUTH_USER_MODEL, verbose_name="user"),
                ),
            ],
        ),
    ]
