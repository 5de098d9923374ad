"""API tokens moved from DRF's authtoken (stored in clear, never expiring) to django-rest-knox
(hashed, expiring). The old tokens are dropped with their table: each client signs in again once.
Its migration records go too, so the app could be installed again from scratch."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_unit_parent_one_level_up"), ("knox", "0009_extend_authtoken_field")]

    operations = [
        migrations.RunSQL(
            ["DROP TABLE IF EXISTS authtoken_token", "DELETE FROM django_migrations WHERE app = 'authtoken'"],
            reverse_sql=migrations.RunSQL.noop,
        ),
    ]
