"""Default weights of the risk factors (points), their thresholds, and the band limits.

Weights follow DOMAIN's reading of the literature: behaviour (SDQ) and age at placement weigh
most, then earlier breakdowns and concerns seen at visits. Administrators recalibrate them in the
admin against the calibration report.
"""

from django.db import migrations

# factor: (weight, threshold, cap)
DEFAULTS = {
    "adolescent_at_placement": (20, 12, 1),  # age in years
    "older_at_placement": (10, 7, 1),  # age in years
    "sdq_high": (25, 17, 1),  # SDQ total difficulties, "high" band of the parent SDQ
    "sdq_raised": (10, 14, 1),  # "slightly raised"
    "earlier_breakdowns": (15, None, 2),  # per earlier return, two at most
    "long_in_institution": (10, 24, 1),  # months in care before the placement
    "abuse_or_neglect": (10, None, 1),
    "siblings_separated": (5, None, 1),
    "non_kin": (5, None, 1),
    "carer_not_trained": (10, None, 1),
    "family_events": (10, 180, 2),  # events in the last 180 days, two at most
    "missed_visits": (10, 7, 3),  # visits overdue by 7 days or more, three at most
    "last_visit_some_concerns": (10, None, 1),
    "last_visit_serious_concerns": (25, None, 1),
}


def load(apps, schema_editor):
    RiskFactorWeight = apps.get_model("risk", "RiskFactorWeight")
    RiskPolicy = apps.get_model("risk", "RiskPolicy")
    for factor, (weight, threshold, cap) in DEFAULTS.items():
        RiskFactorWeight.objects.update_or_create(
            factor=factor, defaults={"weight": weight, "threshold": threshold, "cap": cap, "enabled": True}
        )
    RiskPolicy.objects.update_or_create(pk=1, defaults={"medium_from": 30, "high_from": 55, "extra_visit_within_days": 14})


def unload(apps, schema_editor):
    apps.get_model("risk", "RiskFactorWeight").objects.all().delete()
    apps.get_model("risk", "RiskPolicy").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("risk", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
