"""The stored suspension reasons become data (families 0009, audit 0013), on the family and in its
history, read once with the patterns families.reasons used to read them with: "Ivanova Aigul: death on
2026-11-02" (an applicant left), "carer check failed: conviction on 2026-11-02" (the carers' check
failed), each label the English one of the choices and the date the suspension's own (``suspended_on``
of the same row). The applicant who left is linked when exactly one applicant of the family has that
name and that leaving recorded; the name is kept either way. Any other text (written by hand, imported,
a label or date that does not fit) becomes the kind "other" with the text kept. Then the text column
goes and the constraint comes (0011 for the family, audit 0014 for its history: in migrations of their
own, the links written here being checked at the end of this one's transaction).

Backwards: each reason is written back as the text the services stored (over 200 characters cut, as
they cut it), the kind "other" as written."""

import datetime as dt
import re

from django.db import migrations

APPLICANT_LEFT = "%(name)s: %(reason)s on %(date)s"
CARER_CHECK_FAILED = "carer check failed: %(reason)s on %(date)s"
# The choices' values by their English labels, as they were when the texts were written.
LEAVING = {"death": "death", "divorce": "divorce", "moved out of the family": "departure"}
FAILURE = {
    "conviction": "conviction",
    "registered with a psychiatric service": "psychiatric",
    "registered with a narcological service": "narcological",
    "under criminal prosecution": "prosecution",
}
# families.reasons' patterns of the stored English forms, tried in this order.
CARER_FORM = re.compile(r"^carer check failed: (?P<reason>.+) on (?P<date>\d{4}-\d{2}-\d{2})$", re.S)
APPLICANT_FORM = re.compile(r"^(?P<name>.+): (?P<reason>[^:]+) on (?P<date>\d{4}-\d{2}-\d{2})$", re.S)
EMPTY = {"suspension_kind": "", "suspension_code": "", "suspension_applicant_id": None, "suspension_applicant_name": "",
         "suspension_note": ""}
FIELDS = list(EMPTY)


def _day(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


def parsed(text: str, suspended_on: dt.date | None) -> dict:
    """The reason's fields for a stored ``text`` of a row suspended on ``suspended_on`` (the applicant
    as ``"applicant": (name, code)`` to be linked by the caller); "" gives no reason."""
    if not text:
        return dict(EMPTY)
    found = CARER_FORM.match(text)
    if found and found["reason"] in FAILURE and suspended_on is not None and _day(found["date"]) == suspended_on:
        return {**EMPTY, "suspension_kind": "carer_check_failed", "suspension_code": FAILURE[found["reason"]]}
    found = APPLICANT_FORM.match(text)
    if found and found["reason"] in LEAVING and suspended_on is not None and _day(found["date"]) == suspended_on:
        return {**EMPTY, "suspension_kind": "applicant_left", "suspension_code": LEAVING[found["reason"]],
                "suspension_applicant_name": found["name"][:201]}
    return {**EMPTY, "suspension_kind": "other", "suspension_note": text[:200]}


def text_of(row) -> str:
    """The text the services stored for ``row``'s reason (the inverse of ``parsed``)."""
    if row.suspension_kind == "applicant_left":
        label = {code: label for label, code in LEAVING.items()}.get(row.suspension_code, row.suspension_code)
        return (APPLICANT_LEFT % {"name": row.suspension_applicant_name, "reason": label,
                                  "date": row.suspended_on.isoformat() if row.suspended_on else ""})[:200]
    if row.suspension_kind == "carer_check_failed":
        label = {code: label for label, code in FAILURE.items()}.get(row.suspension_code, row.suspension_code)
        return (CARER_CHECK_FAILED % {"reason": label,
                                      "date": row.suspended_on.isoformat() if row.suspended_on else ""})[:200]
    return row.suspension_note


def _convert(model, applicant_model, family_id: str) -> None:
    rows = list(model.objects.exclude(suspension_reason="").only("pk", family_id, "suspended_on", "suspension_reason"))
    if not rows:
        return
    # The applicants who left, by family: (name, leaving) -> ids.
    left: dict[int, dict[tuple[str, str], list[int]]] = {}
    for applicant in applicant_model.objects.filter(
        family_id__in={getattr(r, family_id) for r in rows}
    ).exclude(left_family_reason="").only("pk", "family_id", "last_name", "first_name", "left_family_reason"):
        key = (f"{applicant.last_name} {applicant.first_name}", applicant.left_family_reason)
        left.setdefault(applicant.family_id, {}).setdefault(key, []).append(applicant.pk)
    for row in rows:
        values = parsed(row.suspension_reason, row.suspended_on)
        if values["suspension_kind"] == "applicant_left":
            ids = left.get(getattr(row, family_id), {}).get((values["suspension_applicant_name"], values["suspension_code"]), [])
            values["suspension_applicant_id"] = ids[0] if len(ids) == 1 else None
        for name, value in values.items():
            setattr(row, name, value)
    model.objects.bulk_update(rows, FIELDS, batch_size=1000)


def forwards(apps, schema_editor):
    applicant = apps.get_model("families", "Applicant")
    _convert(apps.get_model("families", "Family"), applicant, "pk")
    _convert(apps.get_model("audit", "HistoricalFamily"), applicant, "id")


def _write_back(model) -> None:
    rows = list(model.objects.exclude(suspension_kind="").only("pk", "suspended_on", *FIELDS))
    for row in rows:
        row.suspension_reason = text_of(row)
    model.objects.bulk_update(rows, ["suspension_reason"], batch_size=1000)


def backwards(apps, schema_editor):
    _write_back(apps.get_model("families", "Family"))
    _write_back(apps.get_model("audit", "HistoricalFamily"))


class Migration(migrations.Migration):

    dependencies = [
        ('families', '0009_suspension_reason_as_data'),
        ('audit', '0013_historicalfamily_suspension_reason_as_data'),
    ]

    operations = [
        migrations.RunPython(forwards, backwards),
    ]
