"""Children's homes named in kk/ru/en, as regions and units are (core.models.MultilingualNameMixin):
the name so far becomes the Russian one; the Kazakh and English ones may be empty (the Russian one
is shown then). The homes an already loaded demo named ("Детский дом № 1 (город Алматы)") get
their Kazakh and English names (children.home_names)."""

from django.db import migrations, models


def name_demo_homes(apps, schema_editor):
    from children.home_names import names_of_demo_name

    Home, Region = apps.get_model("children", "ChildrensHome"), apps.get_model("regions", "Region")
    regions = {r.name_ru: (r.name_kk, r.name_ru, r.name_en) for r in Region.objects.all()}
    changed = []
    for home in Home.objects.filter(name_kk="", name_en="").only("id", "name_ru"):
        names = names_of_demo_name(home.name_ru, regions)
        if names:
            home.name_kk, _ru, home.name_en = names
            changed.append(home)
    Home.objects.bulk_update(changed, ["name_kk", "name_en"], batch_size=1000)


class Migration(migrations.Migration):

    dependencies = [
        ("children", "0003_search_text"),
        ("regions", "0002_load_regions"),
    ]

    operations = [
        migrations.RenameField(model_name="childrenshome", old_name="name", new_name="name_ru"),
        migrations.AlterField(
            model_name="childrenshome", name="name_ru", field=models.CharField(max_length=200, verbose_name="name (Russian)"),
        ),
        migrations.AddField(
            model_name="childrenshome", name="name_kk",
            field=models.CharField(blank=True, default="", max_length=200, verbose_name="name (Kazakh)"), preserve_default=False,
        ),
        migrations.AddField(
            model_name="childrenshome", name="name_en",
            field=models.CharField(blank=True, default="", max_length=200, verbose_name="name (English)"), preserve_default=False,
        ),
        migrations.AlterModelOptions(
            name="childrenshome",
            options={"ordering": ["name_ru"], "verbose_name": "children's home", "verbose_name_plural": "children's homes"},
        ),
        migrations.RunPython(name_demo_homes, migrations.RunPython.noop, elidable=True),
    ]
