"""Date bounds (issue 14): what already happened is not in the future, an expiry not more than
DATE_MAX_YEARS_AHEAD years ahead (core.dates). Validators only: nothing changes in the database."""

import core.dates
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('documents', '0002_clean_original_names'),
    ]

    operations = [
        migrations.AlterField(
            model_name='document',
            name='document_date',
            field=models.DateField(validators=[core.dates.validate_sane_date, core.dates.validate_not_future], verbose_name='date of the document'),
        ),
        migrations.AlterField(
            model_name='document',
            name='expires_on',
            field=models.DateField(blank=True, null=True, validators=[core.dates.validate_sane_date, core.dates.validate_not_too_far_ahead], verbose_name='expires on'),
        ),
    ]
