"""The demo's homes are numbered with "№" in English too ("Children's home № 1 (Almaty)", was
"No. 1"), as cases and families are on the English pages: the English names children 0004 gave
rewritten. A home named otherwise keeps its name. Reversible."""

from django.db import migrations

from children.home_names import HOME_TYPE_NAMES

# "<type> No. <n> (<region>)" of one of the demo's home types, as children.home_names wrote it.
PATTERN = r"^(%s) No\. (\d+) (\(.+\))$" % "|".join(en.replace("'", "''") for _ru, _kk, en in HOME_TYPE_NAMES)
BACK = r"^(%s) № (\d+) (\(.+\))$" % "|".join(en.replace("'", "''") for _ru, _kk, en in HOME_TYPE_NAMES)


class Migration(migrations.Migration):

    dependencies = [
        ("children", "0004_home_names_in_three_languages"),
    ]

    operations = [
        migrations.RunSQL(
            f"UPDATE children_childrenshome SET name_en = regexp_replace(name_en, '{PATTERN}', '\\1 № \\2 \\3') "
            f"WHERE name_en ~ '{PATTERN}'",
            f"UPDATE children_childrenshome SET name_en = regexp_replace(name_en, '{BACK}', '\\1 No. \\2 \\3') "
            f"WHERE name_en ~ '{BACK}'",
        ),
    ]
