"""Why a family's approval is suspended, kept untranslated (families.reasons): the reasons written
before in Russian or Kazakh ("Иванова Айгуль: смерть, 2026-11-02") become the stored English form
("Ivanova Aigul: death on 2026-11-02"), on the family and in its history, so that each reader sees
them in their own language. The texts below are those of the catalogues when the rows were written;
any other text stays as it is (shown as stored)."""

import re

from django.db import migrations

APPLICANT_LEFT = "%(name)s: %(reason)s on %(date)s"
CARER_CHECK_FAILED = "carer check failed: %(reason)s on %(date)s"
# English label by the label as written in each language.
LEAVING = {
    "смерть": "death",
    "развод": "divorce",
    "выбыл из семьи": "moved out of the family",
    "қайтыс болды": "death",
    "ажырасу": "divorce",
    "отбасынан шығып кетті": "moved out of the family",
}
FAILURE = {
    "судимость": "conviction",
    "состоит на учёте у психиатра": "registered with a psychiatric service",
    "состоит на учёте у нарколога": "registered with a narcological service",
    "подвергается уголовному преследованию": "under criminal prosecution",
    "сотталғандық": "conviction",
    "психиатрда есепте тұр": "registered with a psychiatric service",
    "наркологта есепте тұр": "registered with a narcological service",
    "қылмыстық қудалауда": "under criminal prosecution",
}
CARER_FORMS = (
    re.compile(r"^проверка воспитателя не пройдена: (?P<reason>.+), (?P<date>\d{4}-\d{2}-\d{2})$", re.S),
    re.compile(r"^тәрбиешіні тексеру өтпеді: (?P<reason>.+), (?P<date>\d{4}-\d{2}-\d{2})$", re.S),
)
APPLICANT_FORM = re.compile(r"^(?P<name>.+): (?P<reason>[^:]+), (?P<date>\d{4}-\d{2}-\d{2})$", re.S)


def untranslated(text: str) -> str | None:
    """The stored English form of a reason written in Russian or Kazakh; None for any other text."""
    for form in CARER_FORMS:
        found = form.match(text)
        if found and found["reason"] in FAILURE:
            return CARER_CHECK_FAILED % {"reason": FAILURE[found["reason"]], "date": found["date"]}
    found = APPLICANT_FORM.match(text)
    if found and found["reason"] in LEAVING:
        return APPLICANT_LEFT % {"name": found["name"], "reason": LEAVING[found["reason"]], "date": found["date"]}
    return None


def _rewrite(model) -> None:
    changed = []
    for row in model.objects.exclude(suspension_reason="").only("pk", "suspension_reason").iterator():
        new = untranslated(row.suspension_reason)
        if new is not None:
            row.suspension_reason = new
            changed.append(row)
    model.objects.bulk_update(changed, ["suspension_reason"], batch_size=1000)


def keep_reasons_untranslated(apps, schema_editor):
    _rewrite(apps.get_model("families", "Family"))
    _rewrite(apps.get_model("audit", "HistoricalFamily"))


class Migration(migrations.Migration):
    dependencies = [
        ("families", "0007_matching_index"),
        ("audit", "0011_access_log_without_single_column_indexes"),
    ]

    operations = [migrations.RunPython(keep_reasons_untranslated, migrations.RunPython.noop)]
