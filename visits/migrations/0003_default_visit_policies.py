"""DOMAIN's default visit schedules. Adoption: 1, 3, 6 and 12 months, then every 6 months until
36. Guardianship, trusteeship, foster family, patronage and kinship care: 1 month, then every 3
months for as long as the placement lasts, and the carer's annual report every 12 months. A guest
family is not a placement and has no schedule."""

from django.db import migrations

DEFAULTS = [
    {"form_of_care": "adoption", "first_visits_months": [1, 3, 6, 12], "repeat_every_months": 6, "repeat_until_months": 36,
     "horizon_months": 36, "annual_report_every_months": None},
    *[
        {"form_of_care": form, "first_visits_months": [1], "repeat_every_months": 3, "repeat_until_months": None,
         "horizon_months": 36, "annual_report_every_months": 12}
        for form in ("guardianship", "trusteeship", "foster_family", "patronage", "kinship")
    ],
]


def load(apps, schema_editor):
    VisitPolicy = apps.get_model("visits", "VisitPolicy")
    for row in DEFAULTS:
        VisitPolicy.objects.update_or_create(form_of_care=row["form_of_care"], defaults=row)


def unload(apps, schema_editor):
    apps.get_model("visits", "VisitPolicy").objects.filter(form_of_care__in=[r["form_of_care"] for r in DEFAULTS]).delete()


class Migration(migrations.Migration):
    dependencies = [("visits", "0002_visit_policy")]
    operations = [migrations.RunPython(load, unload)]
