"""The supervisors' alert of a change in a family (risk.services.record_family_change ->
notifications.services.notify_of_family_change): what it says is true for each reader
(placed children named as the cases the reader supervises, or none), it leads to the family's page and
to those cases, and each change is an alert of its own (the same change recorded again is not)."""

import datetime as dt

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cases.models import Stage
from notifications.models import Notification
from notifications.services import (
    FAMILY_SUSPENDED_CHECK_TEXT,
    FAMILY_SUSPENDED_NO_CHILD_TEXT,
    FAMILY_SUSPENDED_VISIT_TEXT,
    send_pending_emails,
)
from regions.models import Region
from risk.services import record_family_change
from tests import factories

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate
LANGUAGES = ("en", "ru", "kk")


@pytest.fixture
def couple(worker):
    family = factories.FamilyFactory(region=worker.unit.region, responsible_unit=worker.unit)
    first = factories.ApplicantFactory(family=family, position=1, last_name="Sadykova")
    second = factories.ApplicantFactory(family=family, position=2, last_name="Sadykov", first_name="Marat", sex="M")
    return family, first, second


def placed_with(family, unit, last_name="Nurlanov"):
    child = factories.ChildFactory(last_name=last_name, region=unit.region)
    case = factories.CaseFactory(child=child, responsible_unit=unit, stage=Stage.PLACED, form_of_care=family.form_of_care)
    return factories.PlacementFactory(case=case, child=child, family=family)


def alerts_of(user):
    """The user's alerts of a change in a family: an applicant's leaving or a failed carer check."""
    return list(Notification.objects.filter(recipient=user, kind__in=["family_suspended", "carer_check_failed"])
                .order_by("id"))


def inbox(client, user, language="en"):
    client.force_login(user)
    client.cookies["django_language"] = language
    return client.get(reverse("web:inbox"), HTTP_ACCEPT_LANGUAGE=language).content.decode()


@pytest.mark.parametrize("language", LANGUAGES)
def test_without_placed_children_the_alert_names_no_visit_and_leads_to_the_family(
        client, couple, worker, supervisor, language):
    family, _first, second = couple
    record_family_change(family=family, applicant=second, kind="death", on=TODAY(), actor=worker)
    [alert] = alerts_of(supervisor)
    assert (alert.family_id, alert.case_id, alert.body_key, alert.case_ids) == (family.pk, None,
                                                                                FAMILY_SUSPENDED_NO_CHILD_TEXT, [])
    page = inbox(client, supervisor, language)
    with translation.override(language):
        no_child = _(FAMILY_SUSPENDED_NO_CHILD_TEXT)
        visit = _(FAMILY_SUSPENDED_VISIT_TEXT).split(":")[0]
        title = alert.display_title
        death = _("death")
    if language != "en":
        assert no_child != FAMILY_SUSPENDED_NO_CHILD_TEXT  # translated
    assert no_child in page and visit not in page
    assert f'<a href="{reverse("web:family", args=[family.pk])}">{title}</a>' in page
    assert f"Sadykov Marat: {death}" in title and f"№\u00a0{family.pk}" in title
    assert "#placements" not in page


@pytest.mark.parametrize("language", LANGUAGES)
def test_with_placed_children_the_alert_names_the_visit_and_the_cases_and_links_them(
        client, couple, worker, supervisor, language):
    family, _first, second = couple
    placements = [placed_with(family, worker.unit, "Nurlanov"), placed_with(family, worker.unit, "Bekov")]
    record_family_change(family=family, applicant=second, kind="divorce", on=TODAY() - dt.timedelta(days=1), actor=worker)
    [alert] = alerts_of(supervisor)
    case_ids = sorted(p.case_id for p in placements)
    assert (alert.body_key, alert.case_ids, alert.family_id) == (FAMILY_SUSPENDED_VISIT_TEXT, case_ids, family.pk)
    page = inbox(client, supervisor, language)
    with translation.override(language):
        body = alert.display_body
        label = _("Cases of the children to visit:")
    assert body == _translated(language, FAMILY_SUSPENDED_VISIT_TEXT) % {
        "days": 14, "count": 2, "cases": f"№\u00a0{case_ids[0]}, №\u00a0{case_ids[1]}"}
    assert body in page and label in page
    for pk in case_ids:
        assert f'href="{reverse("web:case", args=[pk])}#placements"' in page
    assert reverse("web:family", args=[family.pk]) in page
    # Cases by number, never a child's name.
    assert "Nurlanov" not in page and "Bekov" not in page


def _translated(language, text):
    with translation.override(language):
        return _(text)


def test_each_supervisor_is_told_only_of_the_cases_they_supervise(client, couple, worker, supervisor):
    """The family's unit in Almaty, one child placed by an Astana unit and one by the family's own unit:
    Almaty's supervisor is told of its own case only, Astana's of its own only; neither sees the other's
    number or any child's name."""
    family, _first, _second = couple
    other_region = Region.objects.exclude(pk=worker.unit.region_id).order_by("code").first()
    far_unit = factories.DistrictFactory(region=other_region)
    far_supervisor = factories.UserFactory(role="supervisor", unit=far_unit)
    near = placed_with(family, worker.unit, "Nurlanov")
    far = placed_with(family, far_unit, "Omarov")
    record_family_change(family=family, kind="conviction", on=TODAY(), actor=worker)
    [mine], [theirs] = alerts_of(supervisor), alerts_of(far_supervisor)
    assert (mine.case_ids, theirs.case_ids) == ([near.case_id], [far.case_id])
    assert f"№\u00a0{far.case_id}" not in mine.display_body and f"№\u00a0{near.case_id}" not in theirs.display_body
    page = inbox(client, far_supervisor)
    assert f'href="{reverse("web:case", args=[far.case_id])}#placements"' in page
    assert reverse("web:case", args=[near.case_id]) not in page
    assert "Omarov" not in page and "Nurlanov" not in page
    # The family is theirs to see (a child of their case is placed with it): linked, and the page opens.
    assert f'<a href="{reverse("web:family", args=[family.pk])}">' in page
    assert client.get(reverse("web:family", args=[family.pk])).status_code == 200


def test_a_supervisor_of_the_familys_unit_only_is_told_nothing_of_another_units_children(couple, worker, supervisor):
    family, _first, _second = couple
    other_region = Region.objects.exclude(pk=worker.unit.region_id).order_by("code").first()
    far = placed_with(family, factories.DistrictFactory(region=other_region), "Omarov")
    record_family_change(family=family, kind="prosecution", on=TODAY(), actor=worker)
    [alert] = alerts_of(supervisor)
    # Neither "no child is placed" (untrue) nor the other unit's case (not theirs to see).
    assert (alert.body_key, alert.case_ids) == (FAMILY_SUSPENDED_CHECK_TEXT, [])  # lifted by a check that passes
    # Not the other unit's case number (the family's own number, another table's id, may be the same).
    told = (alert.display_body + alert.display_title).replace(f"Family №\u00a0{family.pk}", "")
    assert f"№\u00a0{far.case_id}" not in told and "Omarov" not in told


def test_a_second_change_on_a_suspended_family_is_a_new_alert(client, couple, worker, supervisor):
    family, first, second = couple
    record_family_change(family=family, applicant=second, kind="death", on=TODAY(), actor=worker)
    family.refresh_from_db()
    assert family.approval_status == "suspended"
    # The same day: the unique key (recipient, kind, subject, day) once kept this one out.
    record_family_change(family=family, applicant=first, kind="departure", on=TODAY(), actor=worker)
    record_family_change(family=family, kind="conviction", on=TODAY(), actor=worker)
    alerts = alerts_of(supervisor)
    assert [a.subject_key for a in alerts] == [f"family:{family.pk}:applicant:{second.pk}",
                                               f"family:{family.pk}:applicant:{first.pk}",
                                               f"family:{family.pk}:check:conviction"]
    page = inbox(client, supervisor)
    for alert in alerts:
        assert alert.display_title in page
    assert "Sadykova Dana: moved out of the family" in alerts[1].display_title
    assert "carer check failed: conviction" in alerts[2].display_title


def test_the_same_change_recorded_again_is_not_a_second_alert(couple, worker, supervisor):
    family, _first, _second = couple
    record_family_change(family=family, kind="psychiatric", on=TODAY(), actor=worker)
    record_family_change(family=family, kind="psychiatric", on=TODAY(), actor=worker)
    assert len(alerts_of(supervisor)) == 1
    # Another failure found the same day is a change of its own.
    record_family_change(family=family, kind="narcological", on=TODAY(), actor=worker)
    assert len(alerts_of(supervisor)) == 2


def test_a_later_check_failing_for_the_same_reason_is_a_new_alert(couple, worker, supervisor):
    family, _first, _second = couple
    record_family_change(family=family, kind="conviction", on=TODAY() - dt.timedelta(days=5), actor=worker)
    record_family_change(family=family, kind="conviction", on=TODAY(), actor=worker)
    assert [a.due_on for a in alerts_of(supervisor)] == [TODAY() - dt.timedelta(days=5), TODAY()]


def test_the_email_says_what_the_inbox_says(settings, couple, worker, supervisor):
    settings.LANGUAGE_CODE = "ru"
    family, _first, second = couple
    placement = placed_with(family, worker.unit)
    record_family_change(family=family, applicant=second, kind="death", on=TODAY(), actor=worker)
    mail.outbox.clear()
    assert send_pending_emails() == 2  # the supervisor and the child's social worker
    [message] = [m for m in mail.outbox if m.to == [supervisor.email]]
    body = _translated("ru", FAMILY_SUSPENDED_VISIT_TEXT) % {"days": 14, "count": 1, "cases": f"№\u00a0{placement.case_id}"}
    assert message.body == body and message.to == [supervisor.email]
    assert f"№\u00a0{family.pk}" in message.subject and "Sadykov Marat" in message.subject
    assert placement.child.last_name not in message.subject + message.body


def test_the_api_gives_the_family_and_the_text(api_client, couple, worker, supervisor):
    family, _first, second = couple
    record_family_change(family=family, applicant=second, kind="death", on=TODAY(), actor=worker)
    api_client.force_authenticate(supervisor)
    [row] = api_client.get("/api/v1/notifications/").json()["results"]
    assert (row["family"], row["case"], row["body"]) == (family.pk, None, FAMILY_SUSPENDED_NO_CHILD_TEXT)


@pytest.mark.parametrize(("placed", "named"), [("none", False), ("in my case", True), ("in a case I do not see", False)])
def test_the_workers_message_names_placed_children_only_when_there_are_some_they_see(client, couple, worker, placed, named):
    family, _first, second = couple
    if placed != "none":
        placement = placed_with(family, worker.unit)
        if placed == "in my case":
            placement.case.assigned_worker = worker
            placement.case.save(update_fields=["assigned_worker"])
    client.force_login(worker)
    response = client.post(reverse("web:family-change", args=[family.pk]),
                           {"kind": "death", "applicant": second.pk, "on": TODAY().isoformat()}, follow=True)
    page = response.content.decode()
    assert "The change is recorded" in page and "the supervisors are told" in page
    assert ("its placed children will be visited" in page) is named


def test_the_inbox_links_in_constant_queries(client, worker, supervisor, django_assert_max_num_queries):
    """Thirty alerts of ten families, each with its cases: the links checked in two queries for the page."""
    for _n in range(10):
        family = factories.FamilyFactory(region=worker.unit.region, responsible_unit=worker.unit)
        factories.ApplicantFactory(family=family)
        placed_with(family, worker.unit)
        for kind in ("conviction", "psychiatric", "narcological"):
            record_family_change(family=family, kind=kind, on=TODAY(), actor=worker)
    client.force_login(supervisor)
    client.get(reverse("web:inbox"))
    with django_assert_max_num_queries(12):
        page = client.get(reverse("web:inbox")).content.decode()
    assert page.count("#placements") == 30


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_change_form_and_the_alert_give_the_visits_days_as_set(client, couple, worker, supervisor, settings, language):
    """The form's note said "within 14 days" whatever FAMILY_CHANGE_VISIT_WITHIN_DAYS held, and "the
    children placed with the family" whether or not there are any."""
    settings.FAMILY_CHANGE_VISIT_WITHIN_DAYS = 21
    family, _first, second = couple
    placed_with(family, worker.unit)
    client.force_login(worker)
    client.cookies["django_language"] = language
    page = client.get(reverse("web:family", args=[family.pk]), HTTP_ACCEPT_LANGUAGE=language).content.decode()
    with translation.override(language):
        note = _("An applicant's death, divorce or departure suspends the family's approval until a new home study; a "
                 "failed carer check suspends it until a carers' check that passes (or that applicant's leaving), a home "
                 "study alone does not lift it. Any children placed with the family get a visit within %(days)s days; "
                 "their social workers and the supervisors an alert.") % {"days": 21}
    assert note in page.replace("&#x27;", "'") and "14" not in note
    record_family_change(family=family, applicant=second, kind="death", on=TODAY(), actor=worker)
    [alert] = alerts_of(supervisor)
    assert alert.body_args["days"] == 21


def test_a_change_recorded_late_keeps_the_later_suspension_and_is_alerted_as_itself(couple, worker, supervisor):
    """A failed check on day -2, then a divorce dated day -10 recorded after it: the divorce is the reason
    (it needs a home study made after it), the failure stays recorded beside it (it needs a check that
    passes): a home study of day -5 lifts nothing while the failure stands; a check that passes then
    lifts it. The divorce's own alert says the divorce on its own day."""
    from families.services import record_carer_check, record_home_study

    family, first, _second = couple
    record_family_change(family=family, kind="conviction", on=TODAY() - dt.timedelta(days=2), actor=worker)
    record_family_change(family=family, applicant=first, kind="divorce", on=TODAY() - dt.timedelta(days=10), actor=worker)
    family.refresh_from_db()
    assert (family.suspended_on, family.suspension_code) == (TODAY() - dt.timedelta(days=10), "divorce")
    assert family.carer_check_failure == "conviction"
    record_home_study(family=family, issued_on=TODAY() - dt.timedelta(days=5), expires_on=TODAY() + dt.timedelta(days=300),
                      actor=worker)
    family.refresh_from_db()
    assert family.approval_status == "suspended"
    record_carer_check(family=family, checked_on=TODAY(), actor=worker)
    family.refresh_from_db()
    assert (family.approval_status, family.suspended_on, family.carer_check_failure) == ("under_assessment", None, "")
    divorce = alerts_of(supervisor)[1]
    assert (divorce.subject_key, divorce.due_on) == (f"family:{family.pk}:applicant:{first.pk}", TODAY() - dt.timedelta(days=10))
    assert "Sadykova Dana: divorce" in divorce.display_title


def test_the_email_ends_with_the_links_of_the_inbox_when_the_site_is_known(settings, couple, worker, supervisor):
    family, _first, second = couple
    placement = placed_with(family, worker.unit)
    record_family_change(family=family, applicant=second, kind="death", on=TODAY(), actor=worker)
    settings.SITE_URL = ""
    mail.outbox.clear()
    send_pending_emails()
    assert "http" not in mail.outbox[0].body
    Notification.objects.update(emailed_at=None)
    settings.SITE_URL = "https://otbasy.example.kz"
    mail.outbox.clear()
    send_pending_emails()
    assert mail.outbox[0].body.endswith(f"\n\nhttps://otbasy.example.kz/families/{family.pk}/\n"
                                        f"https://otbasy.example.kz/cases/{placement.case_id}/#placements")
