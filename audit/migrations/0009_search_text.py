"""History rows of children and applicants carry their search_text (core.names) as the records do."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('audit', '0008_unscheduled_visit_kinds'),
    ]

    operations = [
        migrations.AddField(
            model_name='historicalapplicant',
            name='search_text',
            field=models.CharField(blank=True, db_default='', default='', editable=False, max_length=700, verbose_name='search text'),
        ),
        migrations.AddField(
            model_name='historicalchild',
            name='search_text',
            field=models.CharField(blank=True, db_default='', default='', editable=False, max_length=700, verbose_name='search text'),
        ),
    ]
