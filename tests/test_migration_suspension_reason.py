"""The data migration of the suspension's reason (families 0010, with 0009, 0011 and audit 0013-0014)
on rows of the old shape, a text column: the services' English forms become data on the family and in
its history, the applicant who left linked by name; any other text becomes the kind "other" with the
text kept; a Russian form written before families 0008 goes through 0008 first. Backwards, the data
becomes the text again."""

import datetime as dt

import pytest
from django.utils import timezone

from tests.migrating import latest, migrate

pytestmark = pytest.mark.django_db(transaction=True)

# Before families 0008 (the Russian and Kazakh forms rewritten in English) and before the data columns.
BEFORE = [("families", "0007_matching_index"), ("audit", "0012_reassignment_reason_untranslated")]
# Just before the reason became data.
TEXT = [("families", "0008_suspension_reason_untranslated"), ("audit", "0012_reassignment_reason_untranslated")]
DAY = dt.date(2026, 11, 2)


def test_stored_texts_become_data_and_back():
    old = migrate(BEFORE)
    try:
        _check(old)
    finally:
        migrate(latest())


def _check(old):
    region = old.get_model("regions", "Region").objects.get(code="almaty")
    unit = old.get_model("accounts", "OrganisationalUnit").objects.filter(region=region).first()
    family_model, applicant_model = old.get_model("families", "Family"), old.get_model("families", "Applicant")
    history_model = old.get_model("audit", "HistoricalFamily")

    def family(text, suspended_on=DAY, left=()):
        row = family_model.objects.create(
            region=region, responsible_unit=unit, form_of_care="adoption", applied_on=dt.date(2024, 1, 1),
            approval_status="suspended", suspended_on=suspended_on, suspension_reason=text)
        for position, (last, first, reason) in enumerate(left, start=1):
            applicant_model.objects.create(
                family=row, position=position, last_name=last, first_name=first, birth_date=dt.date(1980, 1, position),
                sex="M", iin=f"80010{position}300{position}01", left_family_reason=reason,
                left_family_on=DAY if reason else None)
        return row

    left = family("Ivanova Aigul: death on 2026-11-02", left=[("Ivanova", "Aigul", "death"), ("Ivanov", "Marat", "")])
    carer = family("carer check failed: registered with a narcological service on 2026-11-02")
    russian = family("Иванов Марат: развод, 2026-11-02", left=[("Иванов", "Марат", "divorce")])
    by_hand = family("Decision of the court, case 2-1234", suspended_on=None)
    other_day = family("Petrov Ivan: divorce on 2026-01-01")  # not the day of the suspension
    unknown_label = family("Petrov Ivan: eloped on 2026-11-02")
    no_applicant = family("Someone Else: moved out of the family on 2026-11-02", left=[("Petrov", "Ivan", "departure")])
    none = family("", suspended_on=None)
    # A version in the family's history, as simple-history wrote it.
    now = timezone.now()
    version = history_model.objects.create(
        id=carer.pk, region_id=region.pk, responsible_unit_id=unit.pk, form_of_care="adoption",
        applied_on=dt.date(2024, 1, 1), approval_status="suspended", suspended_on=DAY, created_at=now, updated_at=now,
        suspension_reason="carer check failed: conviction on 2026-11-02", history_date=now, history_type="~")
    hand_version = history_model.objects.create(
        id=by_hand.pk, region_id=region.pk, responsible_unit_id=unit.pk, form_of_care="adoption",
        applied_on=dt.date(2024, 1, 1), approval_status="suspended", created_at=now, updated_at=now,
        suspension_reason="Decision of the court, case 2-1234", history_date=now, history_type="~")

    new = migrate(latest())
    rows = {f.pk: (f.suspension_kind, f.suspension_code, f.suspension_applicant_id, f.suspension_applicant_name,
                   f.suspension_note) for f in new.get_model("families", "Family").objects.all()}
    ivanova = applicant_model.objects.get(family_id=left.pk, position=1).pk
    marat = applicant_model.objects.get(family_id=russian.pk).pk
    assert rows == {
        left.pk: ("applicant_left", "death", ivanova, "Ivanova Aigul", ""),
        carer.pk: ("carer_check_failed", "narcological", None, "", ""),
        russian.pk: ("applicant_left", "divorce", marat, "Иванов Марат", ""),
        by_hand.pk: ("other", "", None, "", "Decision of the court, case 2-1234"),
        other_day.pk: ("other", "", None, "", "Petrov Ivan: divorce on 2026-01-01"),
        unknown_label.pk: ("other", "", None, "", "Petrov Ivan: eloped on 2026-11-02"),
        no_applicant.pk: ("applicant_left", "departure", None, "Someone Else", ""),
        none.pk: ("", "", None, "", ""),
    }
    history = new.get_model("audit", "HistoricalFamily").objects
    assert [(h.suspension_kind, h.suspension_code, h.suspension_note) for h in history.filter(pk=version.pk)] == [
        ("carer_check_failed", "conviction", "")]
    assert history.get(pk=hand_version.pk).suspension_kind == "other"
    # The live code writes the migrated rows in the reader's language.
    from django.utils import translation

    from families.models import Family
    from families.reasons import suspension_text

    with translation.override("ru"):
        assert suspension_text(Family.objects.get(pk=russian.pk)).startswith("Иванов Марат: развод, ")
        assert suspension_text(Family.objects.get(pk=by_hand.pk)) == "Decision of the court, case 2-1234"

    back = migrate(TEXT)
    texts = dict(back.get_model("families", "Family").objects.values_list("pk", "suspension_reason"))
    assert texts == {
        left.pk: "Ivanova Aigul: death on 2026-11-02",
        carer.pk: "carer check failed: registered with a narcological service on 2026-11-02",
        russian.pk: "Иванов Марат: divorce on 2026-11-02",  # as families 0008 left it
        by_hand.pk: "Decision of the court, case 2-1234",
        other_day.pk: "Petrov Ivan: divorce on 2026-01-01",
        unknown_label.pk: "Petrov Ivan: eloped on 2026-11-02",
        no_applicant.pk: "Someone Else: moved out of the family on 2026-11-02",
        none.pk: "",
    }
    history = back.get_model("audit", "HistoricalFamily").objects
    assert history.get(pk=version.pk).suspension_reason == "carer check failed: conviction on 2026-11-02"
    assert history.get(pk=hand_version.pk).suspension_reason == "Decision of the court, case 2-1234"
