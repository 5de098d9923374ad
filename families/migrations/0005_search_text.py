"""The applicant's search_text (core.names): the normalised name and the IIN that search matches, with
a trigram index; existing rows are filled here in batches (core.names.fill_search_text)."""

import django.contrib.postgres.indexes
from django.db import migrations, models


def fill_search_text(apps, schema_editor):
    from core.names import fill_search_text as fill

    fill(apps.get_model("families", "Applicant"), schema_editor.connection)


class Migration(migrations.Migration):

    dependencies = [
        ('families', '0004_forms_of_care_2025'),
    ]

    operations = [
        # Shared by children and families: created if missing, never dropped on the way back (the
        # other app's trigram index may still need it).
        migrations.RunSQL("CREATE EXTENSION IF NOT EXISTS pg_trgm", reverse_sql=migrations.RunSQL.noop),
        migrations.AddField(
            model_name='applicant',
            name='search_text',
            field=models.CharField(blank=True, db_default='', default='', editable=False, max_length=700, verbose_name='search text'),
        ),
        migrations.RunPython(fill_search_text, migrations.RunPython.noop, elidable=True),
        migrations.AddIndex(
            model_name='applicant',
            index=django.contrib.postgres.indexes.GinIndex(fields=['search_text'], name='applicant_search_trgm',
                                                         opclasses=['gin_trgm_ops']),
        ),
    ]
