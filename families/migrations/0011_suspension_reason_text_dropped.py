"""The family's text column of the suspension's reason goes (read into data by 0010), and the
constraint on the data comes (families.models: the fields each kind needs, a free text only for "other")."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('families', '0010_suspension_reason_converted'),
    ]

    operations = [
        migrations.RemoveField(
            model_name='family',
            name='suspension_reason',
        ),
        migrations.AddConstraint(
            model_name='family',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('suspension_applicant__isnull', True), ('suspension_applicant_name', ''), ('suspension_code', ''), ('suspension_kind', ''), ('suspension_note', '')), models.Q(('suspended_on__isnull', False), ('suspension_code__in', ['death', 'divorce', 'departure']), ('suspension_kind', 'applicant_left'), ('suspension_note', ''), models.Q(('suspension_applicant_name', ''), _negated=True)), models.Q(('suspended_on__isnull', False), ('suspension_applicant__isnull', True), ('suspension_applicant_name', ''), ('suspension_code__in', ['conviction', 'psychiatric', 'narcological', 'prosecution']), ('suspension_kind', 'carer_check_failed'), ('suspension_note', '')), models.Q(('suspension_applicant__isnull', True), ('suspension_applicant_name', ''), ('suspension_code', ''), ('suspension_kind', 'other'), models.Q(('suspension_note', ''), _negated=True)), _connector='OR'), name='family_suspension_reason_fields', violation_error_message="The suspension's reason is incomplete or mixes the fields of two kinds."),
        ),
    ]
