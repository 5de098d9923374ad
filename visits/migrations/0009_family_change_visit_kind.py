"""An extra visit planned after a change in the family (risk.services.record_family_change) is of its
own kind, ``family_change``, labelled as such, not "risk finding". The extra visits planned so far
for that reason (their history row says so) move to it; reversible."""

from django.conf import settings
from django.db import migrations, models

# risk.services.record_family_change's history reason for the visits it plans.
REASON = "Extra visit: the family's approval was suspended by a change in the family."
FORWARD = ("""UPDATE visits_visit v SET kind = 'family_change'
              WHERE v.kind = 'extra' AND EXISTS (SELECT 1 FROM audit_historicalvisit h WHERE h.id = v.id
                                                 AND h.history_type = '+' AND h.history_change_reason = %s)""", [REASON])
BACKWARD = ("UPDATE visits_visit SET kind = 'extra' WHERE kind = 'family_change'", None)


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0010_forms_of_care_2025_constraints'),
        ('visits', '0008_unscheduled_visit_kinds'),
        ('audit', '0016_family_change_visit_kind'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # The old kinds' check goes first and the new one comes after the rows are moved.
        migrations.RemoveConstraint(
            model_name='visit',
            name='visit_kind_valid',
        ),
        migrations.AlterField(
            model_name='visit',
            name='kind',
            field=models.CharField(choices=[('scheduled', 'scheduled visit'), ('extra', 'extra visit (risk finding)'), ('family_change', 'extra visit (change in the family)'), ('annual_report', "carer's annual report"), ('urgent', 'urgent visit (unscheduled)'), ('unscheduled', 'extra visit (unscheduled)')], default='scheduled', max_length=20, verbose_name='kind'),
        ),
        migrations.RunSQL([FORWARD], [BACKWARD]),
        migrations.AddConstraint(
            model_name='visit',
            constraint=models.CheckConstraint(condition=models.Q(('kind__in', ['scheduled', 'extra', 'family_change', 'annual_report', 'urgent', 'unscheduled'])), name='visit_kind_valid'),
        ),
    ]
