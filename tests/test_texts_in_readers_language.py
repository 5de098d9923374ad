"""Texts the services store are kept untranslated (a message id with its values) and written in each
reader's language when shown: a record written by someone reading Russian reads in English for an
English reader, and the other way round. One test per place; the rows written before (in the
writer's language) are rewritten by data migrations or shown as stored."""

import datetime as dt
import importlib

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone, translation

from access.services import REASSIGNED_REASON, reassign_cases
from cases.models import Stage
from cases.services import check_family_can_take
from core.dates import date_text
from core.exceptions import DomainError
from emergency.services import open_emergency_access
from families.services import record_carer_check
from notifications.models import Notification
from notifications.services import send_pending_emails
from risk.services import record_family_change
from tests import factories
from tests.pages import fetch

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 11, 2)


def _in(language: str, value_of):
    with translation.override(language):
        return value_of()


@pytest.fixture
def family(worker):
    family = factories.FamilyFactory(form_of_care="adoption", region=worker.unit.region, responsible_unit=worker.unit)
    factories.ApplicantFactory(family=family, position=1, last_name="Ivanova", first_name="Aigul")
    factories.ApplicantFactory(family=family, position=2, last_name="Ivanov", first_name="Marat", sex="M")
    return family


def test_a_suspension_written_in_russian_reads_in_english_and_in_russian(client, worker, family):
    second = family.applicants.get(position=2)
    with translation.override("ru"):
        record_family_change(family=family, applicant=second, kind="death", on=DAY, actor=worker)
    family.refresh_from_db()
    assert (family.suspension_kind, family.suspension_code, family.suspension_applicant_id, family.suspension_applicant_name,
            family.suspended_on) == ("applicant_left", "death", second.pk, "Ivanov Marat", DAY)
    client.force_login(worker)
    url = reverse("web:family", args=[family.pk])
    english = fetch(client, "en", url)
    assert f"Ivanov Marat: death on {_in('en', lambda: date_text(DAY))}" in english
    russian = fetch(client, "ru", url)
    assert f"Ivanov Marat: смерть, {_in('ru', lambda: date_text(DAY))}" in russian
    assert "death on" not in russian
    # The family's history says it the same way, and so does a placement refused for it.
    assert russian.count("Ivanov Marat: смерть") >= 2
    case = factories.CaseFactory(assigned_worker=worker, responsible_unit=worker.unit, stage=Stage.DECISION, form_of_care="adoption")
    for language, words in (("en", "death on"), ("ru", "смерть")):
        with translation.override(language), pytest.raises(DomainError) as refused:
            check_family_can_take(family=family, case=case, on=timezone.localdate())
        assert words in str(refused.value.message), language


def test_a_failed_carer_check_written_in_english_reads_in_russian_through_the_api(api_client, worker, family):
    with translation.override("en"):
        record_carer_check(family=family, checked_on=DAY, failure="conviction", actor=worker)
    family.refresh_from_db()
    assert (family.suspension_kind, family.suspension_code, family.suspended_on) == ("carer_check_failed", "conviction", DAY)
    api_client.force_authenticate(worker)
    for language, text in (
        ("ru", f"проверка воспитателя не пройдена: судимость, {_in('ru', lambda: date_text(DAY))}"),
        ("en", f"carer check failed: conviction on {_in('en', lambda: date_text(DAY))}"),
        ("kk", f"тәрбиешіні тексеру өтпеді: сотталғандық, {_in('kk', lambda: date_text(DAY))}"),
    ):
        body = api_client.get(f"/api/v1/families/{family.pk}/", HTTP_ACCEPT_LANGUAGE=language).json()
        assert body["suspension_reason"] == text, language


def test_suspension_reasons_written_before_in_russian_or_kazakh_are_rewritten_untranslated():
    migration = importlib.import_module("families.migrations.0008_suspension_reason_untranslated")
    as_data = importlib.import_module("families.migrations.0010_suspension_reason_converted")
    from families.models import Family
    from families.reasons import suspension_text

    for written, stored in (
        ("Иванова Айгуль: смерть, 2026-11-02", "Иванова Айгуль: death on 2026-11-02"),
        ("Ivanov Marat: отбасынан шығып кетті, 2026-01-05", "Ivanov Marat: moved out of the family on 2026-01-05"),
        (
            "проверка воспитателя не пройдена: состоит на учёте у нарколога, 2026-03-01",
            "carer check failed: registered with a narcological service on 2026-03-01",
        ),
        ("тәрбиешіні тексеру өтпеді: қылмыстық қудалауда, 2026-03-01", "carer check failed: under criminal prosecution on 2026-03-01"),
    ):
        assert migration.untranslated(written) == stored
        day = dt.date.fromisoformat(stored[-10:])
        fields = {k: v for k, v in as_data.parsed(stored, day).items() if k != "suspension_applicant_id"}
        assert fields["suspension_kind"] != "other", stored  # 0010 reads it as data
        with translation.override("ru"):
            # the stored form reads as a sentence in Russian
            assert "on 2026" not in suspension_text(Family(suspended_on=day, **fields))
    for other in ("Ivanov Marat: death on 2026-11-02", "typed by hand", ""):
        assert migration.untranslated(other) is None
    # Each label of the catalogues is known to the migration, but those given since the reasons are data
    # (families 0010), which no stored text was written with: «выбытие из семьи» (was «выбыл из семьи»).
    from families.models import ApplicantLeaving, CarerCheckFailure

    assert "выбыл из семьи" in migration.LEAVING
    for language in ("ru", "kk"):
        with translation.override(language):
            assert {str(label) for _code, label in ApplicantLeaving.choices} <= {*migration.LEAVING, "выбытие из семьи"}
            assert {str(label) for _code, label in CarerCheckFailure.choices} <= set(migration.FAILURE)
    assert suspension_text(Family(suspension_kind="other", suspension_note="typed by hand")) == "typed by hand"


def test_a_reassignment_without_a_reason_written_in_russian_reads_in_english(api_client, worker, supervisor):
    colleague = factories.UserFactory(role="social_worker", unit=worker.unit)
    case = factories.CaseFactory(assigned_worker=worker, responsible_unit=worker.unit)
    with translation.override("ru"):
        reassign_cases(case_ids=[case.pk], workers=[colleague], actor=supervisor)
    assert case.history.latest("history_date").history_change_reason == REASSIGNED_REASON
    api_client.force_authenticate(supervisor)
    for language, text in (("en", "reassigned by the supervisor"), ("ru", "передано руководителем"), ("kk", "басшы қайта тағайындады")):
        rows = api_client.get(f"/api/v1/access/cases/{case.pk}/history/", HTTP_ACCEPT_LANGUAGE=language).json()["results"]
        assert rows[0]["history_change_reason"] == REASSIGNED_REASON
        assert rows[0]["history_change_reason_text"] == text, language


def test_reassignment_reasons_written_before_are_the_catalogues_texts_the_migration_rewrites():
    migration = importlib.import_module("audit.migrations.0012_reassignment_reason_untranslated")
    assert migration.REASSIGNED_REASON == REASSIGNED_REASON
    for language in ("ru", "kk"):
        with translation.override(language):
            assert translation.gettext(REASSIGNED_REASON) in migration.WRITTEN_BEFORE


def test_plain_message_ids_stored_as_history_reasons_read_in_each_language():
    from web.templatetags.web_tags import history_reason

    stored = "Imported from the registry file."
    with translation.override("en"):
        assert history_reason(stored) == stored
    with translation.override("ru"):
        assert history_reason(stored) == translation.gettext(stored) != stored


def test_the_emergency_notification_written_in_russian_reads_in_english(client, worker, supervisor, district):
    case = factories.CaseFactory(responsible_unit=district)
    with translation.override("ru"):
        access = open_emergency_access(case=case, actor=worker, reason="Ребёнок в полиции, нужна семья сегодня")
    note = Notification.objects.get(recipient=supervisor, kind="emergency_access")
    assert note.body_key == "Reason given: %(reason)s\nAccess ends at %(until)s."
    until = timezone.localtime(access.expires_at)
    client.force_login(supervisor)
    english = fetch(client, "en", reverse("web:inbox"))
    ends = _in("en", lambda: date_text(until, "SHORT_DATETIME_FORMAT"))
    assert f"Reason given: Ребёнок в полиции, нужна семья сегодня<br>Access ends at {ends}." in english
    assert f"Emergency access to case №\u00a0{case.pk}" in english
    russian = fetch(client, "ru", reverse("web:inbox"))
    assert "Указанная причина: Ребёнок в полиции" in russian and "Reason given" not in russian
    assert f"Экстренный доступ к делу №\u00a0{case.pk}" in russian
    assert _in("ru", lambda: date_text(until, "SHORT_DATETIME_FORMAT")) in russian


def test_the_family_chosen_notification_names_the_unit_in_the_readers_language(api_client, client, worker):
    astana = factories.DistrictFactory(region=factories.region_by_code("astana"))
    astana_supervisor = factories.UserFactory(role="supervisor", unit=astana.parent)
    case = factories.CaseFactory(assigned_worker=worker, responsible_unit=worker.unit, stage=Stage.MATCHING, form_of_care="adoption")
    foreign = factories.FamilyFactory(form_of_care="adoption", responsible_unit=astana, region=astana.region)
    factories.ApplicantFactory(family=foreign)
    client.force_login(worker)
    client.cookies["django_language"] = "ru"
    assert (
        client.post(reverse("web:case-acquaintance", args=[case.pk]), {"family": foreign.pk}, HTTP_ACCEPT_LANGUAGE="ru").status_code == 302
    )
    note = Notification.objects.get(recipient=astana_supervisor, kind="family_chosen")
    assert note.body_args == {"case": case.pk, "unit": {"unit": worker.unit_id}}
    api_client.force_authenticate(astana_supervisor)
    unit = worker.unit
    for language, name, words in (
        ("en", unit.name_en, "the family's name and file are now open"),
        ("ru", unit.name_ru, "Дело"),
        ("kk", unit.name_kk, "ісі"),
    ):
        row = api_client.get("/api/v1/notifications/", HTTP_ACCEPT_LANGUAGE=language).json()["results"][0]
        assert name in row["title"] and name in row["body"] and words in row["body"], (language, row)
        assert f"№\u00a0{case.pk}" in row["body"]


def test_e_mails_are_written_in_the_sites_language_whoever_wrote_the_notification(settings, worker, supervisor, district):
    settings.LANGUAGE_CODE = "ru"
    supervisor.email = "boss@example.kz"
    supervisor.save()
    case = factories.CaseFactory(responsible_unit=district)
    with translation.override("en"):
        open_emergency_access(case=case, actor=worker, reason="Police at 2 a.m.")
    mail.outbox.clear()
    send_pending_emails()
    message = next(m for m in mail.outbox if m.to == ["boss@example.kz"])
    assert message.subject.startswith("Экстренный доступ")
    assert "Указанная причина: Police at 2 a.m." in message.body


def test_the_data_migrations_rewrite_the_rows_written_before(worker, supervisor, district, family):
    """The migrations' functions on rows as the services wrote them before (with the live models).
    families 0008's text column is gone (families 0010 read it into data): its rows are migrated with
    the migration executor in tests/test_migration_suspension_reason.py."""
    from django.apps import apps

    case = factories.CaseFactory(assigned_worker=worker, responsible_unit=worker.unit)
    case.history.update(history_change_reason="передано руководителем")
    importlib.import_module("audit.migrations.0012_reassignment_reason_untranslated").keep_reason_untranslated(apps, None)
    assert set(case.history.values_list("history_change_reason", flat=True)) == {REASSIGNED_REASON}

    with translation.override("ru"):
        access = open_emergency_access(
            case=factories.CaseFactory(responsible_unit=district), actor=worker, reason="Полиция ночью, ребёнок один"
        )
    Notification.objects.update(body_key="", body_args=None)  # as the rows written before
    importlib.import_module("notifications.migrations.0011_notification_body_text").keep_texts_untranslated(apps, None)
    note = Notification.objects.get(recipient=supervisor, kind="emergency_access")
    assert note.body_args == {"reason": "Полиция ночью, ребёнок один", "until": access.expires_at.isoformat()}
    with translation.override("en"):
        assert note.display_body.startswith("Reason given: Полиция ночью, ребёнок один\nAccess ends at ")


def test_a_page_of_notifications_naming_many_units_looks_them_up_once(api_client, client, supervisor,
                                                                     django_assert_max_num_queries):
    """Each family-chosen notification names a unit by its id: the inbox (page and API) and the
    e-mails look the page's units up in one query, not one per row."""
    from matching.services import FAMILY_CHOSEN_TEXT, FAMILY_CHOSEN_TITLE

    units = [factories.DistrictFactory() for _ in range(6)]
    for n in range(30):
        args = {"unit": units[n % len(units)].pk}
        Notification.objects.create(
            recipient=supervisor, kind=Notification.Kind.FAMILY_CHOSEN, subject_key=f"acquaintance:{n}", title="x", body="x",
            title_key=FAMILY_CHOSEN_TITLE, title_args={"family": n, "user": "A", "unit": args},
            body_key=FAMILY_CHOSEN_TEXT, body_args={"case": n, "unit": args})
    api_client.force_authenticate(supervisor)
    with django_assert_max_num_queries(5):
        rows = api_client.get("/api/v1/notifications/", HTTP_ACCEPT_LANGUAGE="en").json()["results"]
    assert len(rows) == 30 and all(str(units[int(row["subject_key"].split(":")[1]) % 6]) in row["body"] for row in rows)
    client.force_login(supervisor)
    client.get(reverse("web:inbox"))  # the session and the header's cache warm
    with django_assert_max_num_queries(8):
        page = client.get(reverse("web:inbox")).content.decode()
    assert all(str(unit) in page for unit in units)
    supervisor.email = "boss@example.kz"
    supervisor.save()
    mail.outbox.clear()
    with django_assert_max_num_queries(8):  # two batches' savepoints, lock-and-read, units, update
        assert send_pending_emails() == 30
    assert all(str(units[int(m.subject.split("№\u00a0")[1].split(" ")[0]) % 6]) in m.subject for m in mail.outbox)


@pytest.mark.parametrize(("language", "not_found"), [("en", "Not found."), ("ru", "Не найдено."), ("kk", "Табылмады.")])
@pytest.mark.parametrize("url", ["/api/v1/families/{pk}/", "/api/v1/families/{pk}/approve/", "/api/v1/children/{pk}/"])
def test_a_record_the_reader_may_not_see_is_not_found_in_their_language(api_client, worker, language, not_found, url):
    """404 from get_object_or_404 read Django's English 'No Family matches the given query.' in every
    language (and named the model): now DRF's 'Not found.', translated (core.exceptions)."""
    other = factories.FamilyFactory()  # another district's family: the worker may not see it
    api_client.force_authenticate(worker)
    path = url.format(pk=other.pk) if "families" in url else url.format(pk=factories.ChildFactory().pk)
    call = api_client.post if path.endswith("/approve/") else api_client.get
    response = call(path, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 404
    assert response.json() == {"detail": not_found}
