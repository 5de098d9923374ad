"""Load Kazakhstan's 17 regions and 3 cities of republican significance (names in kk/ru/en)."""

from django.db import migrations

# The data lives in the migration itself: a later change of names needs a new data migration.
REGIONS = [
    ("abai", "region", "Абай облысы", "Абайская область", "Abai Region"),
    ("akmola", "region", "Ақмола облысы", "Акмолинская область", "Akmola Region"),
    ("aktobe", "region", "Ақтөбе облысы", "Актюбинская область", "Aktobe Region"),
    ("almaty_region", "region", "Алматы облысы", "Алматинская область", "Almaty Region"),
    ("atyrau", "region", "Атырау облысы", "Атырауская область", "Atyrau Region"),
    ("east_kazakhstan", "region", "Шығыс Қазақстан облысы", "Восточно-Казахстанская область", "East Kazakhstan Region"),
    ("jambyl", "region", "Жамбыл облысы", "Жамбылская область", "Jambyl Region"),
    ("jetisu", "region", "Жетісу облысы", "Жетысуская область", "Jetisu Region"),
    ("karaganda", "region", "Қарағанды облысы", "Карагандинская область", "Karaganda Region"),
    ("kostanay", "region", "Қостанай облысы", "Костанайская область", "Kostanay Region"),
    ("kyzylorda", "region", "Қызылорда облысы", "Кызылординская область", "Kyzylorda Region"),
    ("mangystau", "region", "Маңғыстау облысы", "Мангистауская область", "Mangystau Region"),
    ("north_kazakhstan", "region", "Солтүстік Қазақстан облысы", "Северо-Казахстанская область", "North Kazakhstan Region"),
    ("pavlodar", "region", "Павлодар облысы", "Павлодарская область", "Pavlodar Region"),
    ("turkistan", "region", "Түркістан облысы", "Туркестанская область", "Turkistan Region"),
    ("ulytau", "region", "Ұлытау облысы", "Улытауская область", "Ulytau Region"),
    ("west_kazakhstan", "region", "Батыс Қазақстан облысы", "Западно-Казахстанская область", "West Kazakhstan Region"),
    ("astana", "city", "Астана қаласы", "город Астана", "Astana"),
    ("almaty", "city", "Алматы қаласы", "город Алматы", "Almaty"),
    ("shymkent", "city", "Шымкент қаласы", "город Шымкент", "Shymkent"),
]


def load(apps, schema_editor):
    Region = apps.get_model("regions", "Region")
    for code, kind, kk, ru, en in REGIONS:
        Region.objects.update_or_create(code=code, defaults={"kind": kind, "name_kk": kk, "name_ru": ru, "name_en": en})


def unload(apps, schema_editor):
    apps.get_model("regions", "Region").objects.filter(code__in=[r[0] for r in REGIONS]).delete()


class Migration(migrations.Migration):
    dependencies = [("regions", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
