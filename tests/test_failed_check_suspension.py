"""A failed carers' check (risk.services.record_family_change, families.services.record_carer_check):
it does what the family's page says (each placed child gets a visit within FAMILY_CHANGE_VISIT_WITHIN_DAYS
and its social worker an alert in their inbox, as after a death or departure), it is lifted by a carers'
check that passes or by the leaving of the applicant it concerns, never by a home study alone
(DOMAIN.md, carer checks), and it is not written as a check passed (no last-check or next-due date).
An approval in date whose home study has expired is said not to be in force, and matching and
placement refuse the family."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.translation import gettext as _

from cases.models import Stage
from cases.services import check_family_can_take
from core.dates import day_text
from core.exceptions import DomainError
from families.models import Family
from families.reasons import SUSPENDED_UNTIL, suspended_until_text, suspension_text
from families.services import approval_request_refusal, record_carer_check, record_home_study, update_family
from matching.selectors import eligible_families
from notifications.models import Notification
from risk.services import record_family_change
from tests import factories
from tests.pages import apostrophes, get
from visits.models import Visit
from web.templatetags.web_tags import suspended_until

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate
LANGUAGES = ("kk", "ru", "en")
# A change in the family alerts as "family_suspended" (a leaving) or "carer_check_failed".
ALERTS = ["family_suspended", "carer_check_failed"]


@pytest.fixture
def couple(worker):
    family = factories.FamilyFactory(form_of_care="adoption", region=worker.unit.region, responsible_unit=worker.unit)
    first = factories.ApplicantFactory(family=family, position=1, last_name="Sadykova")
    second = factories.ApplicantFactory(family=family, position=2, last_name="Sadykov", first_name="Marat", sex="M")
    return family, first, second


def placed_with(family, worker):
    case = factories.CaseFactory(assigned_worker=worker, responsible_unit=worker.unit, stage=Stage.PLACED,
                                 form_of_care=family.form_of_care)
    return factories.PlacementFactory(case=case, child=case.child, family=family)


def fail_check(family, applicant, worker, days_ago=2, kind="conviction"):
    return record_family_change(family=family, kind=kind, applicant=applicant, on=TODAY() - dt.timedelta(days=days_ago),
                                actor=worker)


def suspension_text_in(language, family):
    with translation.override(language):
        return suspension_text(family)


def translated(language, text, **args):
    with translation.override(language):
        return _(text) % args if args else _(text)


# ---- 1. the visit and the child's social worker ----------------------------------------------------------

@pytest.mark.parametrize("kind", ["conviction", "death"])
def test_each_placed_child_gets_a_visit_within_the_set_days_and_its_worker_an_alert(couple, worker, supervisor, settings,
                                                                                      kind):
    settings.FAMILY_CHANGE_VISIT_WITHIN_DAYS = 9
    family, _first, second = couple
    placement = placed_with(family, worker)
    record_family_change(family=family, kind=kind, applicant=second, on=TODAY(), actor=supervisor)
    [visit] = Visit.objects.filter(placement=placement, kind="family_change", done_on__isnull=True)
    assert visit.planned_on == TODAY() + dt.timedelta(days=9)
    mine = Notification.objects.get(recipient=worker, kind__in=ALERTS)
    assert (mine.case_ids, mine.family_id, mine.body_args["days"]) == ([placement.case_id], family.pk, 9)
    assert Notification.objects.filter(recipient=supervisor, kind__in=ALERTS).exists()


def test_an_inactive_worker_is_not_alerted_their_supervisors_are(couple, worker, supervisor):
    family, _first, second = couple
    placed_with(family, worker)
    worker.is_active = False
    worker.save(update_fields=["is_active"])
    fail_check(family, second, supervisor)
    assert list(Notification.objects.filter(kind__in=ALERTS).values_list("recipient_id", flat=True)) == [supervisor.pk]


@pytest.mark.parametrize("language", LANGUAGES)
def test_recorded_on_the_page_by_a_supervisor_the_childs_worker_finds_it_in_their_inbox(
        client, couple, worker, supervisor, language):
    family, _first, second = couple
    placement = placed_with(family, worker)
    client.force_login(supervisor)
    client.cookies["django_language"] = language
    response = client.post(reverse("web:family-change", args=[family.pk]),
                           {"kind": "carer_check", "failure": "conviction", "applicant": second.pk, "on": TODAY().isoformat()},
                           HTTP_ACCEPT_LANGUAGE=language, follow=True)
    said = response.content.decode().replace("&#x27;", "'")
    assert translated(language, "The failed carer check is recorded: the family's approval is suspended until a carers' "
                                "check that passes, then a supervisor must approve the family again; its placed children "
                                "will be visited, and their social workers and the supervisors are told.") in said
    assert Visit.objects.filter(placement=placement, kind="family_change", done_on__isnull=True).exists()
    alert = Notification.objects.get(recipient=worker, kind__in=ALERTS)
    inbox = apostrophes(get(client, worker, language, "web:inbox"))
    with translation.override(language):
        title, body = alert.display_title, alert.display_body
    assert title in inbox and body in inbox
    assert f'href="{reverse("web:case", args=[placement.case_id])}#placements"' in inbox


# ---- 2. what lifts a failed check's suspension -----------------------------------------------------------

def test_a_home_study_does_not_lift_a_failed_check_a_check_that_passes_does(couple, worker):
    family, _first, second = couple
    fail_check(family, second, worker)
    family = record_home_study(family=family, issued_on=TODAY(), expires_on=TODAY() + dt.timedelta(days=365), actor=worker)
    family.refresh_from_db()
    assert (family.approval_status, family.suspension_code, family.carer_check_failure) == (
        "suspended", "conviction", "conviction")
    assert "carer check that passes" in approval_request_refusal(family)
    family = record_carer_check(family=family, checked_on=TODAY(), actor=worker)
    assert family.lifted
    family.refresh_from_db()
    assert (family.approval_status, family.suspended_on, family.suspension_kind, family.carer_check_failure) == (
        "under_assessment", None, "", "")
    assert (family.approved_on, family.approval_expires_on) == (None, None)  # sent for approval again
    assert approval_request_refusal(family) == ""


def test_a_check_that_passes_recorded_after_a_failure_of_the_same_day_lifts_it_an_earlier_one_is_refused(couple, worker):
    """The page offers no date later than today: a failure recorded today (a check done again, or
    entered in error) is lifted by a passing check of today recorded after it; a passing check dated
    before the failure is refused (it would clear nothing and move the last check back)."""
    family, _first, second = couple
    fail_check(family, second, worker, days_ago=0)
    with pytest.raises(DomainError, match="on or after the failed check") as refused:
        record_carer_check(family=family, checked_on=TODAY() - dt.timedelta(days=1), actor=worker)
    assert refused.value.field == "on"
    family.refresh_from_db()
    assert (family.approval_status, family.carer_check_failure, family.carer_checked_on) == ("suspended", "conviction", None)
    family = record_carer_check(family=family, checked_on=TODAY(), actor=worker)
    assert family.lifted
    family.refresh_from_db()
    assert (family.approval_status, family.carer_check_failure) == ("under_assessment", "")


def test_the_api_home_study_leaves_a_failed_check_suspended(api_client, couple, worker):
    family, _first, second = couple
    fail_check(family, second, worker)
    api_client.force_authenticate(worker)
    body = api_client.post(f"/api/v1/families/{family.pk}/home-study/",
                           {"issued_on": TODAY().isoformat(), "expires_on": (TODAY() + dt.timedelta(days=365)).isoformat()},
                           format="json").json()
    assert body["approval_status"] == "suspended"
    body = api_client.post(f"/api/v1/families/{family.pk}/carer-check/", {"checked_on": TODAY().isoformat()},
                           format="json").json()
    assert (body["approval_status"], body["suspended_on"]) == ("under_assessment", None)


def test_the_leaving_of_the_applicant_concerned_clears_the_failure_and_waits_for_a_home_study(couple, worker):
    family, _first, second = couple
    fail_check(family, second, worker, days_ago=5)
    record_family_change(family=family, kind="departure", applicant=second, on=TODAY() - dt.timedelta(days=3), actor=worker)
    family.refresh_from_db()
    assert (family.carer_check_failure, family.carer_check_failed_applicant_id) == ("", None)
    assert (family.approval_status, family.suspension_code, family.suspended_on) == (
        "suspended", "departure", TODAY() - dt.timedelta(days=3))
    record_home_study(family=family, issued_on=TODAY(), expires_on=TODAY() + dt.timedelta(days=365), actor=worker)
    family.refresh_from_db()
    assert family.approval_status == "under_assessment"


def test_another_applicants_leaving_needs_both_the_home_study_and_the_check(couple, worker):
    family, first, second = couple
    fail_check(family, second, worker, days_ago=5)
    record_family_change(family=family, kind="death", applicant=first, on=TODAY() - dt.timedelta(days=3), actor=worker)
    family.refresh_from_db()
    assert (family.suspension_code, family.carer_check_failure) == ("death", "conviction")
    record_carer_check(family=family, checked_on=TODAY() - dt.timedelta(days=1), actor=worker)
    family.refresh_from_db()
    assert (family.approval_status, family.carer_check_failure) == ("suspended", "")  # the home study still missing
    record_home_study(family=family, issued_on=TODAY(), expires_on=TODAY() + dt.timedelta(days=365), actor=worker)
    family.refresh_from_db()
    assert family.approval_status == "under_assessment"


def test_a_failed_check_never_replaces_a_leaving_still_waiting_for_its_home_study(couple, worker):
    family, first, second = couple
    record_family_change(family=family, kind="death", applicant=first, on=TODAY() - dt.timedelta(days=5), actor=worker)
    fail_check(family, second, worker, days_ago=2)
    family.refresh_from_db()
    assert (family.suspension_code, family.suspended_on, family.carer_check_failure) == (
        "death", TODAY() - dt.timedelta(days=5), "conviction")
    record_carer_check(family=family, checked_on=TODAY(), actor=worker)
    family.refresh_from_db()
    assert family.approval_status == "suspended"  # a check that passes does not stand for the home study


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_family_page_says_a_check_that_passes_lifts_it_not_a_home_study(client, couple, worker, language):
    family, _first, second = couple
    fail_check(family, second, worker)
    family.refresh_from_db()
    shown = apostrophes(get(client, worker, language, "web:family", family.pk))
    with translation.override(language):
        until = suspended_until_text(family)
    assert until == translated(language, SUSPENDED_UNTIL[False, True], reason=suspension_text_in(language, family))
    assert until in shown and translated(language, SUSPENDED_UNTIL[True, False], reason="") not in shown
    assert translated(language, "The approval cannot be asked for while it is suspended: a new home study does not lift a "
                                "failed carers' check. Record a carers' check that passes (or the leaving of the applicant "
                                "concerned, if they left); it lifts the suspension and the family is under assessment: it "
                                "must then be sent for approval again, and a supervisor decides.") in shown
    assert reverse("web:family-carer-check", args=[family.pk]) in shown and "#id_home_study_issued_on" not in shown
    # A home study entered on the family's record lifts nothing either.
    update_family(family=family, actor=worker, home_study_issued_on=TODAY(),
                  home_study_expires_on=TODAY() + dt.timedelta(days=365))
    assert Family.objects.get(pk=family.pk).approval_status == "suspended"
    response = client.post(reverse("web:family-carer-check", args=[family.pk]), {"on": TODAY().isoformat()},
                           HTTP_ACCEPT_LANGUAGE=language, follow=True)
    assert translated(language, "The carers' check that passed is recorded and lifts the suspension: the family is under "
                                "assessment; send it for approval.") in response.content.decode().replace("&#x27;", "'")
    assert Family.objects.get(pk=family.pk).approval_status == "under_assessment"


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_placement_is_refused_until_a_check_that_passes(couple, worker, language):
    family, _first, second = couple
    fail_check(family, second, worker)
    family.refresh_from_db()
    case = factories.CaseFactory(assigned_worker=worker, responsible_unit=worker.unit, form_of_care="adoption")
    with translation.override(language), pytest.raises(DomainError) as refused:
        check_family_can_take(family=family, case=case, on=TODAY())
    with translation.override(language):
        until_check = _("The family's approval is suspended (%(reason)s) until a carers' check that passes.")
        assert str(refused.value.message).endswith(until_check.split("%(reason)s")[1])


# ---- 3. a failed check is not a check passed --------------------------------------------------------------

def test_a_failed_check_writes_no_last_check_or_next_due_date(couple, worker, settings):
    family, _first, second = couple
    record_carer_check(family=family, checked_on=TODAY() - dt.timedelta(days=100), actor=worker)
    fail_check(family, second, worker)
    family.refresh_from_db()
    assert (family.carer_checked_on, family.carer_recheck_due_on) == (
        TODAY() - dt.timedelta(days=100), TODAY() - dt.timedelta(days=100) + dt.timedelta(days=settings.CARER_RECHECK_INTERVAL_DAYS))
    # Its version in the family's history changes neither date (the history showed "— → 29 Nov 2026").
    after, before = Family.history.filter(id=family.pk).order_by("-history_id")[:2]
    assert (before.carer_checked_on, before.carer_recheck_due_on) == (after.carer_checked_on, after.carer_recheck_due_on)
    assert after.carer_check_failure == "conviction"


# ---- 4. an approval in date on an expired home study -------------------------------------------------------

@pytest.fixture
def lapsed(worker):
    family = factories.FamilyFactory(region=worker.unit.region, responsible_unit=worker.unit,
                                     home_study_issued_on=TODAY() - dt.timedelta(days=800),
                                     home_study_expires_on=TODAY() - dt.timedelta(days=30))
    factories.ApplicantFactory(family=family, position=1, last_name="Omarova")
    return family


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_family_page_and_list_say_the_approval_is_not_in_force(client, lapsed, worker, language):
    shown = apostrophes(get(client, worker, language, "web:family", lapsed.pk))
    with translation.override(language):
        study = str(_("home study"))
        warning = _("Not in force while the family's %(documents)s is missing or expired: the family cannot be matched or "
                    "placed with until a valid one is recorded.") % {"documents": study}
        badge = _("not in force: %(documents)s missing or expired") % {"documents": study}
    assert 'id="approval-not-in-force"' in shown and warning in shown
    listed = client.get(reverse("web:families"), HTTP_ACCEPT_LANGUAGE=language).content.decode().replace("&#x27;", "'")
    assert badge in listed
    Family.objects.filter(pk=lapsed.pk).update(home_study_expires_on=TODAY() + dt.timedelta(days=30))
    assert 'id="approval-not-in-force"' not in apostrophes(get(client, worker, language, "web:family", lapsed.pk))


def test_matching_and_placement_refuse_a_family_whose_home_study_expired(lapsed, worker):
    case = factories.CaseFactory(assigned_worker=worker, responsible_unit=worker.unit, form_of_care=lapsed.form_of_care)
    assert lapsed.approval_status == "approved" and lapsed.approval_expires_on > TODAY()
    assert not eligible_families(case=case, on=TODAY()).filter(pk=lapsed.pk).exists()
    with pytest.raises(DomainError, match="home study"):
        check_family_can_take(family=lapsed, case=case, on=TODAY())


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_case_pages_suspension_is_a_sentence_that_wraps_in_its_card(client, couple, worker, language):
    """The case page showed the suspension's reason in a badge that does not wrap: at 375 px the page
    scrolled to ~1,300 px. It is the family page's wrapping badge now (app.css .badge.long)."""
    family, _first, second = couple
    placement = placed_with(family, worker)
    fail_check(family, second, worker, days_ago=0)
    client.force_login(worker)
    client.cookies["django_language"] = language
    response = client.get(reverse("web:case", args=[placement.case_id]))
    assert response.status_code == 200
    family.refresh_from_db()
    with translation.override(language):
        text = suspended_until(family)
    assert text
    html = response.content.decode()
    assert f'<span class="badge overdue long">{escape(text)}</span>' in html


# ---- 5. a carer check's date: not before the family applied, a passing one not back in time ----------------

CHECK_REFUSALS = {
    "applied": "A carer check cannot be dated before the family applied, on %(date)s.",
    "failed": "A check that passes must be on or after the failed check of %(date)s.",
    "last": "A check that passes must be on or after the last check recorded, of %(date)s.",
}


def refusal_in(language, which, date):
    with translation.override(language):
        return _(CHECK_REFUSALS[which]) % {"date": day_text(date)}


def check_dates(family):
    family.refresh_from_db()
    return (family.approval_status, family.suspended_on, family.carer_check_failure, family.carer_check_failed_on,
            family.carer_checked_on, family.carer_recheck_due_on)


@pytest.mark.parametrize("failure", ["conviction", ""])
def test_no_carer_check_is_dated_before_the_family_applied(couple, worker, failure):
    """A failed check of 01.01.2001 for a family that applied in 2026 suspended its approval "on 1 January 2001"."""
    family, _first, second = couple
    before = check_dates(family)
    with pytest.raises(DomainError, match="before the family applied") as refused:
        if failure:
            record_family_change(family=family, kind=failure, applicant=second, on=family.applied_on - dt.timedelta(days=1),
                                 actor=worker)
        else:
            record_carer_check(family=family, checked_on=family.applied_on - dt.timedelta(days=1), actor=worker)
    assert refused.value.field == "on"
    assert check_dates(family) == before == ("approved", None, "", None, None, None)
    assert not Notification.objects.exists()
    # The day it applied is a day a check may be made.
    record_carer_check(family=family, checked_on=family.applied_on, actor=worker)
    assert Family.objects.get(pk=family.pk).carer_checked_on == family.applied_on


def test_a_check_that_passes_never_moves_the_last_check_or_the_next_due_date_back(couple, worker, settings):
    """The family keeps one last check and one next due date, not a history of checks: a passing check
    dated before the last one recorded is refused (it moved 21.11 back to 01.11), one of the same day or
    later is recorded."""
    family, _first, _second = couple
    last = TODAY() - dt.timedelta(days=9)
    record_carer_check(family=family, checked_on=last, actor=worker)
    before = check_dates(family)
    with pytest.raises(DomainError, match="on or after the last check recorded") as refused:
        record_carer_check(family=family, checked_on=last - dt.timedelta(days=20), actor=worker)
    assert refused.value.field == "on" and check_dates(family) == before
    record_carer_check(family=family, checked_on=last, actor=worker)
    record_carer_check(family=family, checked_on=TODAY(), actor=worker)
    assert check_dates(family)[4:] == (TODAY(), TODAY() + dt.timedelta(days=settings.CARER_RECHECK_INTERVAL_DAYS))


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_page_refuses_a_check_that_passes_dated_before_the_failure_or_the_last_check_beside_the_date(
        client, couple, worker, language):
    """The user's case: a check passed on 21.11, failed on 29.11, then "passed" of 01.11 was accepted with
    "The carer check that passed is recorded." and moved the last check and the next due date back."""
    family, _first, second = couple
    last, failed_on = TODAY() - dt.timedelta(days=9), TODAY() - dt.timedelta(days=1)
    record_carer_check(family=family, checked_on=last, actor=worker)
    fail_check(family, second, worker, days_ago=1)
    before = check_dates(family)
    client.force_login(worker)
    url = reverse("web:family-carer-check", args=[family.pk])
    for on, which, date in ((last - dt.timedelta(days=20), "failed", failed_on), (failed_on - dt.timedelta(days=1), "failed", failed_on)):
        response = client.post(url, {"on": on.isoformat()}, HTTP_ACCEPT_LANGUAGE=language)
        assert response.status_code == 400
        html = apostrophes(response.content.decode())
        form = html[html.index('id="passed-check"'):]
        errors = form[form.index('id="id_passed_on_errors"'):form.index("</ul>", form.index('id="id_passed_on_errors"'))]
        assert escape(refusal_in(language, which, date)) in errors
        assert 'class="messages"' not in html
        assert check_dates(family) == before
    # Once the failure is cleared, a check dated before the last one is refused for that.
    record_carer_check(family=family, checked_on=TODAY(), actor=worker)
    now = check_dates(family)
    response = client.post(url, {"on": last.isoformat()}, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 400
    assert escape(refusal_in(language, "last", TODAY())) in apostrophes(response.content.decode())
    assert check_dates(family) == now


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_page_refuses_a_failed_check_dated_before_the_family_applied_beside_the_date(client, couple, worker, language):
    family, _first, second = couple
    client.force_login(worker)
    response = client.post(reverse("web:family-change", args=[family.pk]),
                           {"kind": "carer_check", "failure": "conviction", "applicant": second.pk, "on": "2001-01-01"},
                           HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 400
    message = refusal_in(language, "applied", family.applied_on)
    assert response.context["change_form"].errors["on"] == [message]
    assert escape(message) in apostrophes(response.content.decode())
    assert check_dates(family) == ("approved", None, "", None, None, None)


def test_the_api_refuses_those_dates_with_the_field(api_client, couple, worker):
    family, _first, second = couple
    api_client.force_authenticate(worker)
    refused = api_client.post("/api/v1/risk/family-changes/",
                              {"family": family.pk, "kind": "conviction", "applicant": second.pk, "on": "2001-01-01"},
                              format="json", HTTP_ACCEPT_LANGUAGE="ru")
    assert refused.status_code == 400
    assert refused.json() == {"on": [refusal_in("ru", "applied", family.applied_on)]}
    url = f"/api/v1/families/{family.pk}/carer-check/"
    refused = api_client.post(url, {"checked_on": "2001-01-01"}, format="json", HTTP_ACCEPT_LANGUAGE="kk")
    assert refused.status_code == 400
    assert refused.json() == {"checked_on": [refusal_in("kk", "applied", family.applied_on)]}
    fail_check(family, second, worker, days_ago=1)
    before = check_dates(family)
    refused = api_client.post(url, {"checked_on": (TODAY() - dt.timedelta(days=2)).isoformat()}, format="json")
    assert refused.status_code == 400
    assert refused.json() == {"checked_on": [refusal_in("en", "failed", TODAY() - dt.timedelta(days=1))]}
    assert check_dates(family) == before
    assert api_client.post(url, {"checked_on": TODAY().isoformat()}, format="json").json()["carer_checked_on"] == (
        TODAY().isoformat())
    refused = api_client.post(url, {"checked_on": (TODAY() - dt.timedelta(days=1)).isoformat()}, format="json")
    assert refused.status_code == 400
    assert refused.json() == {"checked_on": [refusal_in("en", "last", TODAY())]}
    assert check_dates(family)[4] == TODAY()
