"""The object permissions this app adds to the Case model, created as rows here so that the cases
app's Meta (and its migrations) stay as they are."""

from django.db import migrations

CASE_PERMISSIONS = [
    ("view_sensitive", "Can view sensitive fields of the case, its child and its visits"),
    ("share_case", "Can share the case with another user"),
    ("reassign_case", "Can reassign or transfer the case"),
]


def create_permissions(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    case_type, _ = ContentType.objects.get_or_create(app_label="cases", model="case")
    for codename, name in CASE_PERMISSIONS:
        Permission.objects.get_or_create(content_type=case_type, codename=codename, defaults={"name": name})


def remove_permissions(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    Permission.objects.filter(
        content_type__app_label="cases", content_type__model="case", codename__in=[c for c, _ in CASE_PERMISSIONS]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("access", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(create_permissions, remove_permissions)]
