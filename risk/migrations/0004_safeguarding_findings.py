"""Safeguarding findings of the last visit (serious concerns about both the child and the family,
the child not seen, signs of harm): each sets the band to high by itself. See
docs/visits-risk-reminders.md for why."""

from django.db import migrations, models

# factor: (weight, threshold, cap, sets_high)
FINDINGS = {
    "last_visit_serious_concerns_both": (30, None, 1, True),
    "last_visit_child_not_seen": (20, None, 1, True),
    "last_visit_signs_of_harm": (30, None, 1, True),
}


def load(apps, schema_editor):
    RiskFactorWeight = apps.get_model("risk", "RiskFactorWeight")
    for factor, (weight, threshold, cap, sets_high) in FINDINGS.items():
        RiskFactorWeight.objects.update_or_create(
            factor=factor, defaults={"weight": weight, "threshold": threshold, "cap": cap, "enabled": True, "sets_high": sets_high}
        )


def unload(apps, schema_editor):
    apps.get_model("risk", "RiskFactorWeight").objects.filter(factor__in=list(FINDINGS)).delete()


class Migration(migrations.Migration):

    dependencies = [
        ('risk', '0003_placement_risk_last_visit'),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='riskfactorweight',
            name='risk_factor_valid',
        ),
        migrations.AddField(
            model_name='riskfactorweight',
            name='sets_high',
            field=models.BooleanField(default=False, help_text='A safeguarding finding: when present, the placement is high risk whatever its score.', verbose_name='sets the band to high'),
        ),
        migrations.AlterField(
            model_name='riskfactorweight',
            name='factor',
            field=models.CharField(choices=[('older_at_placement', 'older child at placement'), ('adolescent_at_placement', 'adolescent at placement'), ('sdq_raised', 'raised behavioural difficulties (SDQ)'), ('sdq_high', 'high behavioural difficulties (SDQ)'), ('earlier_breakdowns', 'earlier placement breakdowns'), ('long_in_institution', 'long time in institutions before placement'), ('abuse_or_neglect', 'history of abuse or neglect'), ('siblings_separated', 'placed apart from siblings'), ('non_kin', 'non-kin care'), ('carer_not_trained', 'carers without training certificate'), ('family_events', 'recent stressful family events'), ('missed_visits', 'missed follow-up visits'), ('last_visit_some_concerns', 'concerns at the last visit'), ('last_visit_serious_concerns', 'serious concerns at the last visit'), ('last_visit_serious_concerns_both', 'serious concerns about both the child and the family at the last visit'), ('last_visit_child_not_seen', 'child not seen at the last visit'), ('last_visit_signs_of_harm', 'signs of harm at the last visit')], max_length=40, unique=True, verbose_name='factor'),
        ),
        migrations.AddConstraint(
            model_name='riskfactorweight',
            constraint=models.CheckConstraint(condition=models.Q(('factor__in', ['older_at_placement', 'adolescent_at_placement', 'sdq_raised', 'sdq_high', 'earlier_breakdowns', 'long_in_institution', 'abuse_or_neglect', 'siblings_separated', 'non_kin', 'carer_not_trained', 'family_events', 'missed_visits', 'last_visit_some_concerns', 'last_visit_serious_concerns', 'last_visit_serious_concerns_both', 'last_visit_child_not_seen', 'last_visit_signs_of_harm'])), name='risk_factor_valid'),
        ),
        migrations.RunPython(load, unload),
    ]
