"""The ministry and one department per region: the top two levels of the unit tree.
District guardianship authorities are added by administrators (or the demo data)."""

from django.db import migrations


def load(apps, schema_editor):
    Region = apps.get_model("regions", "Region")
    Unit = apps.get_model("accounts", "OrganisationalUnit")
    ministry, _ = Unit.objects.get_or_create(
        code="ministry",
        defaults={
            "kind": "ministry",
            "name_kk": "Қазақстан Республикасы Оқу-ағарту министрлігі",
            "name_ru": "Министерство просвещения Республики Казахстан",
            "name_en": "Ministry of Education of the Republic of Kazakhstan",
        },
    )
    for region in Region.objects.all():
        Unit.objects.get_or_create(
            code=f"dept-{region.code}",
            defaults={
                "kind": "region",
                "parent": ministry,
                "region": region,
                "name_kk": f"{region.name_kk} білім басқармасы",
                "name_ru": f"Управление образования: {region.name_ru}",
                "name_en": f"{region.name_en} Department of Education",
            },
        )


def unload(apps, schema_editor):
    Unit = apps.get_model("accounts", "OrganisationalUnit")
    Unit.objects.filter(kind="region").delete()
    Unit.objects.filter(kind="ministry").delete()


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial"), ("regions", "0002_load_regions")]
    operations = [migrations.RunPython(load, unload)]
