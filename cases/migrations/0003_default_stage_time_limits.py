"""Default stage time limits (days) for the "case stuck in a stage" reminder; officials may edit them."""

from django.db import migrations

DEFAULTS = {"registered": 30, "available": 60, "matching": 90, "acquaintance": 60, "decision": 30}


def load(apps, schema_editor):
    StageTimeLimit = apps.get_model("cases", "StageTimeLimit")
    for stage, days in DEFAULTS.items():
        StageTimeLimit.objects.get_or_create(stage=stage, defaults={"max_days": days})


def unload(apps, schema_editor):
    apps.get_model("cases", "StageTimeLimit").objects.filter(stage__in=DEFAULTS).delete()


class Migration(migrations.Migration):
    dependencies = [("cases", "0002_workflow_decision_review_siblings_limits")]

    operations = [migrations.RunPython(load, unload)]
