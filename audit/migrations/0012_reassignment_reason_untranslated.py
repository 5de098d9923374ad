"""The case history's reason for a reassignment without a reason given, kept untranslated
(access.services.REASSIGNED_REASON) and written in each reader's language: the rows written before
in Russian or Kazakh (the catalogues' texts then) get the message id."""

from django.db import migrations

REASSIGNED_REASON = "reassigned by the supervisor"
WRITTEN_BEFORE = ("передано руководителем", "басшы қайта тағайындады")


def keep_reason_untranslated(apps, schema_editor):
    apps.get_model("audit", "HistoricalCase").objects.filter(history_change_reason__in=WRITTEN_BEFORE).update(
        history_change_reason=REASSIGNED_REASON
    )


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0011_access_log_without_single_column_indexes"),
    ]

    operations = [migrations.RunPython(keep_reason_untranslated, migrations.RunPython.noop)]
