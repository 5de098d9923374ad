"""The family history rows follow the family's date bounds (families 0006; validators only)."""

import core.dates
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('audit', '0009_search_text'),
    ]

    operations = [
        migrations.AlterField(
            model_name='historicalfamily',
            name='approval_expires_on',
            field=models.DateField(blank=True, null=True, validators=[core.dates.validate_sane_date, core.dates.validate_not_too_far_ahead], verbose_name='approval expires on'),
        ),
        migrations.AlterField(
            model_name='historicalfamily',
            name='approved_on',
            field=models.DateField(blank=True, null=True, validators=[core.dates.validate_sane_date, core.dates.validate_not_future], verbose_name='approved on'),
        ),
        migrations.AlterField(
            model_name='historicalfamily',
            name='carer_check_failed_on',
            field=models.DateField(blank=True, null=True, validators=[core.dates.validate_sane_date, core.dates.validate_not_future], verbose_name='carer check failed on'),
        ),
        migrations.AlterField(
            model_name='historicalfamily',
            name='carer_checked_on',
            field=models.DateField(blank=True, null=True, validators=[core.dates.validate_sane_date, core.dates.validate_not_future], verbose_name='carers last checked on'),
        ),
        migrations.AlterField(
            model_name='historicalfamily',
            name='carer_recheck_due_on',
            field=models.DateField(blank=True, null=True, validators=[core.dates.validate_sane_date, core.dates.validate_not_too_far_ahead], verbose_name="carers' next check due on"),
        ),
        migrations.AlterField(
            model_name='historicalfamily',
            name='home_study_expires_on',
            field=models.DateField(blank=True, null=True, validators=[core.dates.validate_sane_date, core.dates.validate_not_too_far_ahead], verbose_name='home study expires on'),
        ),
        migrations.AlterField(
            model_name='historicalfamily',
            name='home_study_issued_on',
            field=models.DateField(blank=True, null=True, validators=[core.dates.validate_sane_date, core.dates.validate_not_future], verbose_name='home study issued on'),
        ),
        migrations.AlterField(
            model_name='historicalfamily',
            name='psychological_training_issued_on',
            field=models.DateField(blank=True, null=True, validators=[core.dates.validate_sane_date, core.dates.validate_not_future], verbose_name='psychological training certificate issued on'),
        ),
        migrations.AlterField(
            model_name='historicalfamily',
            name='suspended_on',
            field=models.DateField(blank=True, null=True, validators=[core.dates.validate_sane_date, core.dates.validate_not_future], verbose_name='approval suspended on'),
        ),
        migrations.AlterField(
            model_name='historicalfamily',
            name='training_expires_on',
            field=models.DateField(blank=True, null=True, validators=[core.dates.validate_sane_date, core.dates.validate_not_too_far_ahead], verbose_name='training certificate expires on'),
        ),
        migrations.AlterField(
            model_name='historicalfamily',
            name='training_issued_on',
            field=models.DateField(blank=True, null=True, validators=[core.dates.validate_sane_date, core.dates.validate_not_future], verbose_name='training certificate issued on'),
        ),
    ]
