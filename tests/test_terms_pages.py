"""The terms of tests/test_terms_wording.py as the pages, the e-mail and the API give them, in Kazakh,
Russian and English:

- the badge of an applicant who left the family (its page, its edit form): a label, "Died on 2 November
  2026" / «Умер 2 ноября 2026 г.» / «2 қараша 2026 ж. қайтыс болды», not "death 2 November 2026";
- a family with no applicant left is named by its number as every other family title is: "Family № 5";
- a failed carer check's alert is of its own kind in the inbox (its kind and its date: "carer check
  failed on ...", not a due date), the e-mail and the API, an applicant's leaving stays "a change in the
  family"; the alerts written before move to the new kind (notifications migration 0013);
- the guardianship's conversion gives the trusteeship rule's age (FormOfCareRule.min_age), not 14."""

import datetime as dt
import re

import pytest
from dateutil.relativedelta import relativedelta
from django.core import mail
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.html import escape
from django.utils.translation import gettext as _

from cases.models import FormOfCareRule, Stage
from cases.reminders import GUARDIANSHIP_CONVERSION_TITLE
from notifications.models import Notification
from notifications.services import run_reminder_sweep, send_pending_emails
from risk.services import record_family_change
from tests import factories
from tests.migrating import latest, migrate

LANGUAGES = pytest.mark.parametrize("language", ["kk", "ru", "en"])
TODAY = timezone.localdate


def get(client, user, language, name, *args) -> str:
    client.force_login(user)
    client.cookies["django_language"] = language
    response = client.get(reverse(name, args=args), HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return response.content.decode()


def in_language(language, text, **arguments) -> str:
    with translation.override(language):
        translated = _(text)
    return translated % arguments if arguments else translated


def day(language, date, format_name="DATE_FORMAT") -> str:
    with translation.override(language):
        return date_format(date, format_name)


def couple(worker):
    family = factories.FamilyFactory(region=worker.unit.region, responsible_unit=worker.unit)
    aigul = factories.ApplicantFactory(family=family, position=1, last_name="Sadykova", first_name="Aigul", sex="F")
    marat = factories.ApplicantFactory(family=family, position=2, last_name="Sadykov", first_name="Marat", sex="M")
    return family, aigul, marat


# ---- the badge of one who left ---------------------------------------------------------------------

# The badge as each language writes it, ``{}`` the date as the pages write it (DATE_FORMAT).
DIED = {"en": "Died on {}", "ru": "Умер {}", "kk": "{} қайтыс болды"}
DIVORCED = {"en": "Divorced on {}", "ru": "Развелась {}", "kk": "{} ажырасты"}


@pytest.mark.django_db
@LANGUAGES
def test_the_badge_of_one_who_left_reads_as_a_label_on_the_familys_page_and_its_edit_form(client, worker, language):
    widowed, _aigul, marat = couple(worker)
    divorced, aigul, _marat = couple(worker)
    died_on, divorced_on = TODAY() - dt.timedelta(days=3), TODAY() - dt.timedelta(days=40)
    record_family_change(family=widowed, applicant=marat, kind="death", on=died_on, actor=worker)
    record_family_change(family=divorced, applicant=aigul, kind="divorce", on=divorced_on, actor=worker)
    for family, badge, reason, on in ((widowed, DIED, "death", died_on), (divorced, DIVORCED, "divorce", divorced_on)):
        badge = f'<span class="badge overdue long">{badge[language].format(day(language, on))}</span>'
        page = get(client, worker, language, "web:family", family.pk)
        assert badge in page.split('id="departed-applicants"')[1].split("</table>")[0]
        edit = get(client, worker, language, "web:family-edit", family.pk)
        assert badge in edit.split('id="departed-applicants"')[1]
        # Not the reason's name beside the date, as it was ("death 27 November 2026").
        assert f"{in_language(language, reason)} {day(language, on)}" not in page + edit


# ---- a family by its number ----------------------------------------------------------------------------

@pytest.mark.django_db
@LANGUAGES
def test_a_family_with_no_applicant_left_is_named_by_its_number(client, worker, supervisor, language):
    """The dashboard's papers expiring: the family's number, written the one way («Семья № 5», was
    «Семья 5»), and once: its name is its number (tests/test_family_number_once.py)."""
    nobody = factories.FamilyFactory(responsible_unit=worker.unit, approval_expires_on=TODAY() + dt.timedelta(days=6))
    page = get(client, supervisor, language, "web:dashboard")
    numbered = in_language(language, "Family № %(n)s", n=nobody.pk)
    assert numbered in page and f"{numbered} ({numbered})" not in page
    bare = {"en": rf"Family {nobody.pk}\b", "ru": rf"Семья {nobody.pk}\b", "kk": rf"(?<!№ ){nobody.pk} отбасы"}[language]
    assert not re.search(bare, page)


# ---- a failed carer check's alert ----------------------------------------------------------------------

def rows(page: str) -> list[str]:
    return page.split('<tr id="note-')[1:]


@pytest.mark.django_db
@LANGUAGES
def test_the_inbox_lists_a_failed_carer_check_as_what_it_is(client, worker, supervisor, language):
    family, aigul, marat = couple(worker)
    died_on, failed_on = TODAY() - dt.timedelta(days=5), TODAY() - dt.timedelta(days=2)
    record_family_change(family=family, applicant=marat, kind="death", on=died_on, actor=worker)
    record_family_change(family=family, applicant=aigul, kind="conviction", on=failed_on, actor=worker)
    assert sorted(Notification.objects.filter(recipient=supervisor).values_list("kind", flat=True)) == [
        "carer_check_failed", "family_suspended"]
    page = get(client, supervisor, language, "web:inbox")
    with translation.override(language):
        failed_kind = escape(str(Notification.Kind.CARER_CHECK_FAILED.label))
        change_kind = escape(str(Notification.Kind.FAMILY_SUSPENDED.label))
    [check] = [row for row in rows(page) if "Sadykova Aigul" in row]
    [death] = [row for row in rows(page) if "Sadykov Marat" in row]
    assert failed_kind in check and change_kind not in check
    assert in_language(language, "carer check failed on %(date)s", date=day(language, failed_on, "SHORT_DATE_FORMAT")) in check
    # An applicant's leaving is still a change in the family, dated as one.
    assert change_kind in death and failed_kind not in death
    assert in_language(language, "changed on %(date)s", date=day(language, died_on, "SHORT_DATE_FORMAT")) in death


CHECK_FAILED = {"en": "carer check failed", "ru": "проверка воспитателя не пройдена", "kk": "тәрбиешіні тексеру өтпеді"}


@pytest.mark.django_db
@LANGUAGES
def test_the_email_and_the_api_name_the_failed_carer_check(settings, api_client, worker, supervisor, language):
    settings.LANGUAGE_CODE = language  # the e-mail's language
    family, aigul, _marat = couple(worker)
    record_family_change(family=family, applicant=aigul, kind="psychiatric", on=TODAY(), actor=worker)
    mail.outbox.clear()
    assert send_pending_emails() == 1
    [message] = mail.outbox
    alert = Notification.objects.get(recipient=supervisor)
    with translation.override(language):
        assert message.subject == alert.display_title
    assert CHECK_FAILED[language] in message.subject and f"№ {family.pk}" in message.subject
    api_client.force_authenticate(supervisor)
    [row] = api_client.get("/api/v1/notifications/", HTTP_ACCEPT_LANGUAGE=language).json()["results"]
    assert (row["kind"], row["kind_label"]) == ("carer_check_failed", in_language(
        language, "carer check failed: the family's approval suspended"))


# ---- the guardianship's conversion ---------------------------------------------------------------------

def guardianship_of_a_child_aged(worker, years: int, days: int):
    family = factories.FamilyFactory(form_of_care="guardianship", region=worker.unit.region, responsible_unit=worker.unit)
    born = TODAY() - relativedelta(years=years) - dt.timedelta(days=days)
    case = factories.CaseFactory(child__birth_date=born, child__entered_care_on=TODAY() - dt.timedelta(days=500),
                                 assigned_worker=worker, responsible_unit=worker.unit, stage=Stage.PLACED,
                                 form_of_care="guardianship")
    placement = factories.PlacementFactory(case=case, child=case.child, family=family,
                                           started_on=TODAY() - dt.timedelta(days=400))
    return placement, born + relativedelta(years=years)


@pytest.mark.django_db
@LANGUAGES
def test_the_conversion_gives_the_trusteeship_rules_age(client, worker, language):
    """With the rule's age at 15 the reminder and the case page say 15; the reminder's kind says no age."""
    FormOfCareRule.objects.filter(form_of_care="trusteeship").update(min_age=15)
    placement, turned_on = guardianship_of_a_child_aged(worker, 15, days=3)
    run_reminder_sweep(today=TODAY())
    reminder = Notification.objects.get(kind="guardianship_conversion")
    assert (reminder.title_key, reminder.title_args) == (GUARDIANSHIP_CONVERSION_TITLE,
                                                         [placement.case_id, 15, turned_on.isoformat()])
    inbox = get(client, worker, language, "web:inbox")
    with translation.override(language):
        kind = str(Notification.Kind.GUARDIANSHIP_CONVERSION.label)
    title = in_language(language, GUARDIANSHIP_CONVERSION_TITLE) % (
        placement.case_id, 15, day(language, turned_on, "SHORT_DATE_FORMAT"))
    assert kind in inbox and not re.search(r"\d", kind)
    assert title in inbox and "14" not in title
    case_page = get(client, worker, language, "web:case", placement.case_id)
    line = in_language(language, "The child turned %(age)s on %(date)s: the guardianship is due to become a trusteeship.",
                       age=15, date=day(language, turned_on))
    assert line in case_page and "15" in line


@pytest.mark.django_db
def test_before_the_rules_age_no_conversion_is_due(client, worker):
    """At 14 with the rule at 15: no reminder, no notice on the case page (it once counted from 14)."""
    FormOfCareRule.objects.filter(form_of_care="trusteeship").update(min_age=15)
    placement, _turned = guardianship_of_a_child_aged(worker, 14, days=3)
    run_reminder_sweep(today=TODAY())
    assert not Notification.objects.filter(kind="guardianship_conversion").exists()
    assert 'id="convert-to-trusteeship"' not in get(client, worker, "en", "web:case", placement.case_id)


# ---- the alerts written before (notifications migration 0013) -----------------------------------------

BEFORE = [("notifications", "0012_notification_family")]
OLD_CONVERSION_TITLE = "Case %s: the child turned 14 on %s; record the conversion of the guardianship to a trusteeship"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_alerts_written_before_take_their_kind_and_the_age_and_back(worker, supervisor):
    family, _aigul, _marat = couple(worker)
    placement, turned_on = guardianship_of_a_child_aged(worker, 14, days=3)
    old = migrate(BEFORE)
    try:
        note = old.get_model("notifications", "Notification")

        def alert(subject, **fields):
            fields = {"recipient_id": supervisor.pk, "kind": "family_suspended", "due_on": TODAY(), "title": "t",
                      "family_id": family.pk, **fields}
            return note.objects.create(subject_key=subject, **fields).pk

        check = alert(f"family:{family.pk}:check:conviction")
        left = alert(f"family:{family.pk}:applicant:7")
        older = alert(f"family:{family.pk}")  # before the change was kept: which change is not known
        conversion = alert(f"placement:{placement.pk}", recipient_id=worker.pk, kind="guardianship_conversion",
                           due_on=turned_on, family_id=None, case_id=placement.case_id, placement_id=placement.pk,
                           title_key=OLD_CONVERSION_TITLE, title_args=[placement.case_id, turned_on.isoformat()])
        new = migrate(latest()).get_model("notifications", "Notification")
        assert dict(new.objects.values_list("pk", "kind")) == {
            check: "carer_check_failed", left: "family_suspended", older: "family_suspended",
            conversion: "guardianship_conversion"}
        assert new.objects.filter(pk=conversion).values_list("title_key", "title_args").get() == (
            GUARDIANSHIP_CONVERSION_TITLE, [placement.case_id, 14, turned_on.isoformat()])
        with translation.override("ru"):
            assert "ребёнку исполнилось 14 лет" in Notification.objects.get(pk=conversion).display_title
        back = migrate(BEFORE).get_model("notifications", "Notification")
        assert set(back.objects.values_list("kind", flat=True)) == {"family_suspended", "guardianship_conversion"}
        assert back.objects.filter(pk=conversion).values_list("title_key", "title_args").get() == (
            OLD_CONVERSION_TITLE, [placement.case_id, turned_on.isoformat()])
    finally:
        migrate(latest())
