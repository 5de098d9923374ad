"""The notifications' texts kept untranslated with their arguments (body_key, body_args), as their
titles are, so that each reader sees them in their own language. The rows written before get them
from what they are about: an emergency access (its reason and end) and a family chosen for
acquaintance (the case and its unit, the unit by its id, also in the title's arguments)."""

from django.db import migrations, models

EMERGENCY_TEXT = "Reason given: %(reason)s\nAccess ends at %(until)s."
FAMILY_CHOSEN_TEXT = "Case № %(case)s of %(unit)s; the family's name and file are now open to those who work on that case."


def _subject_id(subject_key: str) -> int | None:
    _kind, _colon, pk = subject_key.partition(":")
    return int(pk) if pk.isdigit() else None


def keep_texts_untranslated(apps, schema_editor):
    Notification = apps.get_model("notifications", "Notification")
    EmergencyAccess = apps.get_model("emergency", "EmergencyAccess")
    Acquaintance = apps.get_model("matching", "Acquaintance")
    changed = []
    rows = Notification.objects.filter(kind="emergency_access", body_key="", subject_key__startswith="emergency:")
    accesses = EmergencyAccess.objects.in_bulk({_subject_id(n.subject_key) for n in rows} - {None})
    for note in rows:
        access = accesses.get(_subject_id(note.subject_key))
        if access is not None:
            note.body_key, note.body_args = EMERGENCY_TEXT, {"reason": access.reason, "until": access.expires_at.isoformat()}
            changed.append(note)
    rows = Notification.objects.filter(kind="family_chosen", body_key="", subject_key__startswith="acquaintance:")
    chosen = Acquaintance.objects.select_related("case").in_bulk({_subject_id(n.subject_key) for n in rows} - {None})
    for note in rows:
        acquaintance = chosen.get(_subject_id(note.subject_key))
        if acquaintance is not None:
            unit = {"unit": acquaintance.case.responsible_unit_id}
            note.body_key, note.body_args = FAMILY_CHOSEN_TEXT, {"case": acquaintance.case_id, "unit": unit}
            if isinstance(note.title_args, dict) and "unit" in note.title_args:
                note.title_args = {**note.title_args, "unit": unit}
            changed.append(note)
    Notification.objects.bulk_update(changed, ["body_key", "body_args", "title_args"], batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0010_notification_title_text"),
        ("emergency", "0001_initial"),
        ("matching", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="notification",
            name="body_key",
            field=models.TextField(blank=True, db_default="", verbose_name="text untranslated"),
        ),
        migrations.AddField(
            model_name="notification",
            name="body_args",
            field=models.JSONField(blank=True, null=True, verbose_name="text arguments"),
        ),
        migrations.RunPython(keep_texts_untranslated, migrations.RunPython.noop),
    ]
