"""The "family's approval suspended" risk factor (a carer died, divorced, left or failed a check) with
its default weight, and the sane date range on family events."""

import core.dates
import datetime
from django.conf import settings
from django.db import migrations, models




def load(apps, schema_editor) -> None:
    apps.get_model("risk", "RiskFactorWeight").objects.get_or_create(
        factor="family_suspended", defaults={"weight": 20, "threshold": None, "cap": 1, "enabled": True}
    )


def unload(apps, schema_editor) -> None:
    apps.get_model("risk", "RiskFactorWeight").objects.filter(factor="family_suspended").delete()


class Migration(migrations.Migration):

    dependencies = [
        ('families', '0003_family_changes_and_dates'),
        ('risk', '0004_safeguarding_findings'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='riskfactorweight',
            name='risk_factor_valid',
        ),
        migrations.AlterField(
            model_name='familyevent',
            name='occurred_on',
            field=models.DateField(validators=[core.dates.validate_sane_date], verbose_name='occurred on'),
        ),
        migrations.AlterField(
            model_name='riskfactorweight',
            name='factor',
            field=models.CharField(choices=[('older_at_placement', 'older child at placement'), ('adolescent_at_placement', 'adolescent at placement'), ('sdq_raised', 'raised behavioural difficulties (SDQ)'), ('sdq_high', 'high behavioural difficulties (SDQ)'), ('earlier_breakdowns', 'earlier placement breakdowns'), ('long_in_institution', 'long time in institutions before placement'), ('abuse_or_neglect', 'history of abuse or neglect'), ('siblings_separated', 'placed apart from siblings'), ('non_kin', 'non-kin care'), ('family_suspended', "family's approval suspended (a carer died, left or failed a check)"), ('carer_not_trained', 'carers without training certificate'), ('family_events', 'recent stressful family events'), ('missed_visits', 'missed follow-up visits'), ('last_visit_some_concerns', 'concerns at the last visit'), ('last_visit_serious_concerns', 'serious concerns at the last visit'), ('last_visit_serious_concerns_both', 'serious concerns about both the child and the family at the last visit'), ('last_visit_child_not_seen', 'child not seen at the last visit'), ('last_visit_signs_of_harm', 'signs of harm at the last visit')], max_length=40, unique=True, verbose_name='factor'),
        ),
        migrations.AddConstraint(
            model_name='familyevent',
            constraint=models.CheckConstraint(condition=models.Q(('occurred_on__isnull', True), ('occurred_on__range', (datetime.date(1900, 1, 1), datetime.date(2100, 12, 31))), _connector='OR'), name='family_event_occurred_on_sane'),
        ),
        migrations.AddConstraint(
            model_name='riskfactorweight',
            constraint=models.CheckConstraint(condition=models.Q(('factor__in', ['older_at_placement', 'adolescent_at_placement', 'sdq_raised', 'sdq_high', 'earlier_breakdowns', 'long_in_institution', 'abuse_or_neglect', 'siblings_separated', 'non_kin', 'family_suspended', 'carer_not_trained', 'family_events', 'missed_visits', 'last_visit_some_concerns', 'last_visit_serious_concerns', 'last_visit_serious_concerns_both', 'last_visit_child_not_seen', 'last_visit_signs_of_harm'])), name='risk_factor_valid'),
        ),
        migrations.RunPython(load, unload),
    ]
