"""The family's history keeps the suspension's reason as data too (families 0009); filled by families 0010."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('audit', '0012_reassignment_reason_untranslated'),
        ('families', '0009_suspension_reason_as_data'),
    ]

    operations = [
        migrations.AddField(
            model_name='historicalfamily',
            name='suspension_applicant',
            field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='families.applicant', verbose_name='applicant who left'),
        ),
        migrations.AddField(
            model_name='historicalfamily',
            name='suspension_applicant_name',
            field=models.CharField(blank=True, db_default='', default='', max_length=201, verbose_name='name of the applicant who left'),
        ),
        migrations.AddField(
            model_name='historicalfamily',
            name='suspension_code',
            field=models.CharField(blank=True, db_default='', default='', max_length=20, verbose_name='reason for the suspension'),
        ),
        migrations.AddField(
            model_name='historicalfamily',
            name='suspension_kind',
            field=models.CharField(blank=True, choices=[('applicant_left', 'an applicant left the family'), ('carer_check_failed', "the carers' check failed"), ('other', 'other')], db_default='', default='', max_length=20, verbose_name='why the approval is suspended'),
        ),
        migrations.AddField(
            model_name='historicalfamily',
            name='suspension_note',
            field=models.CharField(blank=True, db_default='', default='', max_length=200, verbose_name='reason for the suspension, as written'),
        ),
    ]
