"""The terms of tests/test_terms_wording.py as the pages, the e-mail and the API give them, in Kazakh,
Russian and English:

- the badge of an applicant who left the family (its page, its edit form): a label, "Died on 2 November
  2026" / «Умер 2 ноября 2026 г.» / «2 қараша 2026 ж. қайтыс болды», not "death 2 November 2026";
- a family with no applicant left is named by its number as every other family title is: "Family № 5";
- a failed carer check's alert is of its own kind in the inbox (its kind and its date: "carer check
  failed on ...", not a due date), the e-mail and the API, an applicant's leaving stays "a change in the
  family"; the alerts written before move to the new kind (notifications migration 0013);
- the guardianship's conversion gives the trusteeship rule's age (FormOfCareRule.min_age), not 14;
- one term per concept in the compiled catalogues: the home study «обследование условий жизни» /
  «тұрмыс жағдайын зерттеп-қарау» (Kazakh «тексеру» is the carers' check, «тәрбиешіні тексеру»), the
  carers' check «проверка воспитателя», a suspended family «тоқтатылған»; a Kazakh date before its
  postposition ("01.05.2027 дейін", never "дейін 01.05.2027"), on the pages too;
- a case and a family numbered with "№" in every language: Case.__str__, the older alerts' titles
  (notifications migration 0014 moves the stored ones);
- the extra visit planned after a change in the family has its own kind and label ("extra visit (change
  in the family)") on the case page, the visit kit and the case-file PDF, whose visit line has no
  brackets inside brackets (visits migration 0009 moves the visits planned before)."""

import datetime as dt
import gettext
import re

import pytest
from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.core import mail
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
from tests.pages import get

LANGUAGES = pytest.mark.parametrize("language", ["kk", "ru", "en"])
TODAY = timezone.localdate


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
    bare = {"en": rf"Family {nobody.pk}\b", "ru": rf"Семья {nobody.pk}\b", "kk": rf"(?<!№\u00a0){nobody.pk} отбасы"}[language]
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
    assert CHECK_FAILED[language] in message.subject and f"№\u00a0{family.pk}" in message.subject
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
    def title(age: int) -> str:
        return in_language(language, GUARDIANSHIP_CONVERSION_TITLE) % (
            placement.case_id, age, day(language, turned_on, "SHORT_DATE_FORMAT"))

    assert kind in inbox and not re.search(r"\d", kind)
    # The default age (14) nowhere: "14" alone could be part of the case's number or the date.
    assert title(15) in inbox and title(14) not in inbox
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


# ---- one term per concept, in the compiled catalogues -------------------------------------------------

# The variant each language dropped for a concept, and the term kept (locale/*/LC_MESSAGES/django.po):
# the home study, the carers' check, a suspended family, in care, a refusal's reason, the supervisor.
REJECTED = {
    "ru": {
        r"[Зз]аключени\w* об условиях жизни": "home study: «обследование условий жизни»",
        r"акта? обследования": "home study: «обследование условий жизни» (its document: «акт обследования …»)",
        r"[Пп]ровер\w* воспитателей": "carers' check: «проверка воспитателя»",
        # "In care" is the state's care (an institution), not опека (guardianship, a form of family care),
        # and never in one sex ("Поступил под опеку" of a girl): «на попечении государства».
        r"[Пп]оступ\w* под опек|[Пп]од опекой|из-под опеки|вернувш\w* под опеку|Поступил\b":
            "in care: «на попечении государства», entered care: «поступление на попечение государства»",
        r"при отказе": "a refusal's reason: «обязательна при отклонении»",
    },
    "kk": {
        r"тұрмыс жағдай\w* тексер": "home study: «тұрмыс жағдайын зерттеп-қарау» («тексеру» is the carers' check)",
        r"тұрмыс жағдайы туралы қорытынды": "home study: «тұрмыс жағдайын зерттеп-қарау актісі»",
        r"тоқтатыла тұр": "suspended: «тоқтатылған»",
        r"төтенше": "emergency access: «шұғыл қолжетімділік» (opened «шұғыл түрде»)",
        r"жетекші": "supervisor: «басшы»",
        r"тәрбиешілер\w* тексер|тәрбиешінің тексер": "carers' check: «тәрбиешіні тексеру»",
        # A date or a number goes before its postposition: "01.05.2027 дейін", never "дейін 01.05.2027".
        r"(?<!s )\b(дейін|бастап|кейін|кешіктірмей) %\((\w*date|until|start|end|earliest|latest|birthday)\)s":
            "the date before the postposition",
        # A case ending glued to a number that varies: its form follows how the number is spoken (9-ға but
        # 10-ға, 6-ға but 7-ге), so no one ending is right for every value; the text is worded without it.
        r"%\(\w+\)s-(ге|ға|ке|қа|ден|дан|тен|тан|нен|нан|де|да|те|та|нің|ның|дің|дың|тің|тың)\b":
            "a fixed case ending after a number that varies",
    },
    # English: the domain's "carer check" (DOMAIN.md), not "carers' check" (the message ids written with it,
    # some stored in alerts, keep it; the English catalogue gives their English text).
    "en": {r"[Cc]arers' checks?": "carer check"},
}
# The few Russian texts where "акт обследования" names the document itself.
DOCUMENT = {"home-study report"}


def catalogue(language: str) -> dict[str, str]:
    """The compiled catalogue of ``language`` (what the pages use): msgid -> msgstr (plural forms joined)."""
    with translation.override(language):
        translations = translation.trans_real.translation(language)
    messages: dict[str, str] = {}
    for key, text in translations._catalog.items():
        msgid = key[0] if isinstance(key, tuple) else key
        messages[msgid] = f"{messages[msgid]} {text}" if msgid in messages else text
    return messages


def own_catalogue(language: str) -> dict[str, str]:
    """The project's compiled catalogue alone (locale/), without Django's and the libraries' it is merged with."""
    own = gettext.translation("django", localedir=settings.BASE_DIR / "locale", languages=[language])
    return {key[0] if isinstance(key, tuple) else key: text for key, text in own._catalog.items() if key}


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
def test_the_catalogues_keep_one_term_per_concept_and_the_kazakh_date_before_its_postposition(language):
    texts = own_catalogue(language)
    if language == "en":  # every message, in its English text: the catalogue's where it gives one, else its id
        texts = {msgid: texts.get(msgid, msgid) for msgid in own_catalogue("kk")}
    found = [
        (msgid, text, why) for msgid, text in texts.items() for pattern, why in REJECTED[language].items()
        if msgid not in DOCUMENT and re.search(pattern, text, re.IGNORECASE)  # a label's capital too
    ]
    assert found == []


def test_the_catalogues_name_the_home_study_and_the_carers_check_by_the_kept_terms():
    ru, kk = catalogue("ru"), catalogue("kk")
    assert ru["home study"] == "обследование условий жизни" and "проверка воспитателя" in ru["the carers' check failed"]
    assert kk["home study"] == "тұрмыс жағдайын зерттеп-қарау актісі" and kk["suspended"] == "тоқтатылған"
    assert kk["the carers' check failed"] == "тәрбиешіні тексеру өтпеді"


# Case and family numbers with their sign in every language: every text whose English numbers a case or
# a family ("Case %s", "family %(n)s") writes "№" in its English and its translations ("Case № 12",
# «Дело № 12», «№ 12 іс»); not a count ("%(n)s cases").
NUMBERED = re.compile(r"\b([Cc]ase|[Ff]amily) (№ )?%(\((id|n|case)\))?s")


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_every_case_and_family_number_has_its_sign(language):
    numbered = {msgid: text for msgid, text in catalogue(language).items() if NUMBERED.search(msgid)}
    assert len(numbered) > 40
    assert [msgid for msgid in numbered if "№" not in msgid] == []
    assert [(msgid, text) for msgid, text in numbered.items() if "№" not in text] == []


# ---- numbers and dates on the pages and in the alerts ---------------------------------------------------

# "until <date>" as each language writes it: the Kazakh date before its postposition.
UNTIL = {"kk": "{} дейін", "ru": "до {}", "en": "until {}"}
CASE = {"kk": "№\u00a0{} іс", "ru": "Дело №\u00a0{}", "en": "Case №\u00a0{}"}


@pytest.mark.django_db
@LANGUAGES
def test_an_approvals_end_reads_with_the_date_before_the_kazakh_postposition(client, worker, supervisor, language):
    from families.models import ApprovalDecision

    family, _aigul, _marat = couple(worker)
    until = TODAY() + dt.timedelta(days=700)
    ApprovalDecision.objects.create(family=family, approved=True, decided_by=supervisor, decided_at=timezone.now(),
                                    approval_expires_on=until)
    page = get(client, supervisor, language, "web:family", family.pk).split('id="approval-decisions"')[1]
    assert UNTIL[language].format(day(language, until)) in page
    approvals = get(client, supervisor, language, "web:family-approvals").split('id="family-decisions"')[1]
    assert UNTIL[language].format(day(language, until, "SHORT_DATE_FORMAT")) in approvals
    if language == "kk":
        assert f"дейін {day(language, until, 'SHORT_DATE_FORMAT')}" not in approvals


@pytest.mark.django_db
@LANGUAGES
def test_a_case_is_named_with_its_sign(worker, language):
    case = factories.CaseFactory(assigned_worker=worker, responsible_unit=worker.unit)
    with translation.override(language):
        assert str(case) == CASE[language].format(case.pk)


# The older alerts' titles (visit, stage, certificate reminders) as the inbox shows them.
VISIT_DUE = {"kk": "Бару мерзімі — {date} (№\u00a0{case} іс)", "ru": "Посещение назначено на {date} (дело №\u00a0{case})",
             "en": "Visit due on {date} (case №\u00a0{case})"}
PAPERS_DUE = {"kk": "№\u00a0{family} отбасы:", "ru": "Семья №\u00a0{family}:", "en": "Family №\u00a0{family}:"}


@pytest.mark.django_db
@LANGUAGES
def test_the_inbox_numbers_cases_and_families_with_the_sign(client, worker, supervisor, language):
    placement = factories.PlacementFactory(case__assigned_worker=worker, case__responsible_unit=worker.unit,
                                           family__responsible_unit=worker.unit, family__region=worker.unit.region,
                                           case__stage=Stage.PLACED)
    due = TODAY() + dt.timedelta(days=3)
    placement.visits.update(planned_on=TODAY() + dt.timedelta(days=400))
    placement.visits.create(kind="scheduled", planned_on=due)
    family = placement.family
    type(family).objects.filter(pk=family.pk).update(approval_status="approved",
                                                     home_study_expires_on=TODAY() + dt.timedelta(days=10))
    run_reminder_sweep(today=TODAY())
    inbox = get(client, worker, language, "web:inbox")
    assert VISIT_DUE[language].format(date=day(language, due, "SHORT_DATE_FORMAT"), case=placement.case_id) in inbox
    assert PAPERS_DUE[language].format(family=family.pk) in get(client, supervisor, language, "web:inbox")


# ---- the extra visit after a change in the family ---------------------------------------------------------

AFTER_CHANGE = {"kk": "қосымша бару (отбасындағы өзгеріс)", "ru": "дополнительное посещение (изменение в семье)",
                "en": "extra visit (change in the family)"}
RISK_FINDING = {"kk": "қауіп анықталды", "ru": "выявлен риск", "en": "risk finding"}


@pytest.mark.django_db
@LANGUAGES
def test_the_visit_after_a_change_in_the_family_is_labelled_as_such(client, api_client, worker, language):
    """The case page, the visit kit's list and the case-file PDF give it its own label, not a risk
    finding's; the PDF's visit line has no brackets inside brackets."""
    from tests.test_case_file_pages import export_url, pdf_text

    family, _aigul, marat = couple(worker)
    placement = factories.PlacementFactory(case__assigned_worker=worker, case__responsible_unit=worker.unit,
                                           family=family, case__stage=Stage.PLACED)
    record_family_change(family=family, applicant=marat, kind="death", on=TODAY(), actor=worker)
    [visit] = placement.visits.filter(kind="family_change")
    label = AFTER_CHANGE[language]
    with translation.override(language):
        assert str(visit.get_kind_display()) == label

    case_page = get(client, worker, language, "web:case", placement.case_id)
    with translation.override(language):
        kind_head = escape(translation.gettext("Kind"))
    assert f'<td data-label="{kind_head}">{escape(label)}</td>' in case_page and RISK_FINDING[language] not in case_page

    api_client.force_authenticate(worker)
    kit = api_client.post("/api/v1/visit-kit/package/", {}, format="json", HTTP_ACCEPT_LANGUAGE=language)
    assert kit.status_code == 200
    assert [v["kind_label"] for v in kit.data["visits"] if v["id"] == visit.pk] == [label]

    client.force_login(worker)
    pdf = client.get(export_url(placement.child_id), HTTP_ACCEPT_LANGUAGE=language)
    assert pdf.status_code == 200
    text = pdf_text(pdf.content)
    line = in_language(language, "Visit %(date)s — %(kind)s, %(state)s", date=visit.planned_on.strftime("%d.%m.%Y"),
                       kind=label, state=in_language(language, "not done"))
    assert line in text and "))" not in text and RISK_FINDING[language] not in text


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_extra_visits_planned_before_after_a_change_take_their_kind_and_back(worker):
    """visits 0009: an extra visit whose history says a change in the family planned it becomes
    ``family_change``; one planned for a risk finding stays ``extra``; back, both are ``extra``."""
    from risk.services import plan_extra_visits

    changed = factories.PlacementFactory(case__assigned_worker=worker, case__responsible_unit=worker.unit)
    risky = factories.PlacementFactory(case__assigned_worker=worker, case__responsible_unit=worker.unit)
    on = TODAY() + dt.timedelta(days=7)
    plan_extra_visits(placement_ids=[changed.pk], on=on,
                      reason="Extra visit: the family's approval was suspended by a change in the family.")
    plan_extra_visits(placement_ids=[risky.pk], on=on, reason="Extra visit: the placement moved into high risk of return.")
    before = [("visits", "0008_unscheduled_visit_kinds")]
    try:
        old = migrate(before).get_model("visits", "Visit")
        # As they were written before the kind existed: both "extra".
        old.objects.filter(kind="family_change").update(kind="extra")
        visits = migrate(latest()).get_model("visits", "Visit")
        assert visits.objects.get(placement_id=changed.pk, planned_on=on).kind == "family_change"
        assert visits.objects.get(placement_id=risky.pk, planned_on=on).kind == "extra"
        back = migrate(before).get_model("visits", "Visit")
        assert set(back.objects.filter(planned_on=on).values_list("kind", flat=True)) == {"extra"}
    finally:
        migrate(latest())


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_alerts_written_before_number_their_case_with_the_sign_and_back(worker):
    """notifications 0014: a stored title's text gets the "№"; its arguments stay; back, the old text."""
    case = factories.CaseFactory(assigned_worker=worker, responsible_unit=worker.unit)
    before = [("notifications", "0013_carer_check_failed_kind")]
    try:
        note = migrate(before).get_model("notifications", "Notification")
        pk = note.objects.create(recipient_id=worker.pk, kind="visit_due", subject_key="v", due_on=TODAY(), title="t",
                                 case_id=case.pk, title_key="Visit due on %s (case %s)",
                                 title_args=[TODAY().isoformat(), case.pk]).pk
        migrate(latest())
        with translation.override("ru"):
            assert Notification.objects.get(pk=pk).display_title == (
                f"Посещение назначено на {day('ru', TODAY(), 'SHORT_DATE_FORMAT')} (дело №\u00a0{case.pk})")
        back = migrate(before).get_model("notifications", "Notification")
        assert back.objects.get(pk=pk).title_key == "Visit due on %s (case %s)"
    finally:
        migrate(latest())
