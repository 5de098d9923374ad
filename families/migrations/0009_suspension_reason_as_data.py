"""Why a family's approval is suspended, as data: the kind, the reason's code, the applicant who
left (and their name on the day) and a free text for the kind "other" (families.models). Filled from
the stored texts by 0010, which then drops the text column."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('families', '0008_suspension_reason_untranslated'),
    ]

    operations = [
        migrations.AddField(
            model_name='family',
            name='suspension_applicant',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='families.applicant', verbose_name='applicant who left'),
        ),
        migrations.AddField(
            model_name='family',
            name='suspension_applicant_name',
            field=models.CharField(blank=True, db_default='', default='', max_length=201, verbose_name='name of the applicant who left'),
        ),
        migrations.AddField(
            model_name='family',
            name='suspension_code',
            field=models.CharField(blank=True, db_default='', default='', max_length=20, verbose_name='reason for the suspension'),
        ),
        migrations.AddField(
            model_name='family',
            name='suspension_kind',
            field=models.CharField(blank=True, choices=[('applicant_left', 'an applicant left the family'), ('carer_check_failed', "the carers' check failed"), ('other', 'other')], db_default='', default='', max_length=20, verbose_name='why the approval is suspended'),
        ),
        migrations.AddField(
            model_name='family',
            name='suspension_note',
            field=models.CharField(blank=True, db_default='', default='', max_length=200, verbose_name='reason for the suspension, as written'),
        ),
    ]
