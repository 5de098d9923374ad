"""The applicant a failed carer check concerns (a conviction, a registration or a prosecution is one
person's: DOMAIN.md, carer checks): Family.carer_check_failed_applicant with the name as on the day,
and a failed check's suspension may name them (suspension_applicant / suspension_applicant_name).
Failures recorded before name no one (it was not kept). Reversible: going back forgets the names
a failed check's suspension holds, which the constraint of 0011 does not allow."""

import django.db.models.deletion
from django.db import migrations, models


def forget_failed_check_applicants(apps, schema_editor) -> None:
    """Backwards: a failed check's suspension names no applicant before this migration."""
    Family = apps.get_model("families", "Family")
    Family.objects.filter(suspension_kind="carer_check_failed").update(suspension_applicant=None,
                                                                      suspension_applicant_name="")


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0004_drop_drf_authtoken_tokens'),
        ('families', '0011_suspension_reason_text_dropped'),
        ('regions', '0002_load_regions'),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='family',
            name='family_suspension_reason_fields',
        ),
        migrations.RunPython(migrations.RunPython.noop, forget_failed_check_applicants, elidable=True),
        migrations.AddField(
            model_name='family',
            name='carer_check_failed_applicant',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='families.applicant', verbose_name='applicant the failed carer check concerns'),
        ),
        migrations.AddField(
            model_name='family',
            name='carer_check_failed_applicant_name',
            field=models.CharField(blank=True, db_default='', default='', max_length=201, verbose_name='name of the applicant the failed carer check concerns'),
        ),
        migrations.AddConstraint(
            model_name='family',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('carer_check_failed_applicant__isnull', True), ('carer_check_failed_applicant_name', ''), ('carer_check_failure', '')), models.Q(models.Q(('carer_check_failure', ''), _negated=True), models.Q(('carer_check_failed_applicant__isnull', True), models.Q(('carer_check_failed_applicant_name', ''), _negated=True), _connector='OR')), _connector='OR'), name='family_carer_check_failed_applicant_fields', violation_error_message='The applicant a carer check concerns is recorded only with its failure, and with their name.'),
        ),
        migrations.AddConstraint(
            model_name='family',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('suspension_applicant__isnull', True), ('suspension_applicant_name', ''), ('suspension_code', ''), ('suspension_kind', ''), ('suspension_note', '')), models.Q(('suspended_on__isnull', False), ('suspension_code__in', ['death', 'divorce', 'departure']), ('suspension_kind', 'applicant_left'), ('suspension_note', ''), models.Q(('suspension_applicant_name', ''), _negated=True)), models.Q(('suspended_on__isnull', False), ('suspension_code__in', ['conviction', 'psychiatric', 'narcological', 'prosecution']), ('suspension_kind', 'carer_check_failed'), ('suspension_note', ''), models.Q(('suspension_applicant__isnull', True), models.Q(('suspension_applicant_name', ''), _negated=True), _connector='OR')), models.Q(('suspension_applicant__isnull', True), ('suspension_applicant_name', ''), ('suspension_code', ''), ('suspension_kind', 'other'), models.Q(('suspension_note', ''), _negated=True)), _connector='OR'), name='family_suspension_reason_fields', violation_error_message="The suspension's reason is incomplete or mixes the fields of two kinds."),
        ),
    ]
