"""Names of documents uploaded before core.filenames existed lose their invisible, control and
direction-override characters (U+202E ...), as new uploads do."""

from django.db import migrations

from core.filenames import clean_file_name


def clean(apps, schema_editor):
    Document = apps.get_model("documents", "Document")
    # Only the names that have a character outside printable ASCII can change; the rest are skipped.
    for document in Document.objects.exclude(original_name__regex=r"^[ -~]*$").only("pk", "original_name").iterator():
        cleaned = clean_file_name(document.original_name)
        if cleaned != document.original_name:
            Document.objects.filter(pk=document.pk).update(original_name=cleaned)


class Migration(migrations.Migration):
    dependencies = [("documents", "0001_initial")]

    operations = [migrations.RunPython(clean, migrations.RunPython.noop)]
