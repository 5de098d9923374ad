"""The family's approval through the API: POST /api/v1/families/{id}/approval-request/ (a social worker
or supervisor who sees the family), approve/ and refuse/ (a supervisor of the family's unit or a unit
above it). They call the pages' services (families.services.request_approval, decide_approval), so the
same input gives the same family, the same decision row and the same message on the page and in the API.

Who: an analyst 403 always; a family the user may not see 404 (its existence not revealed); one they
see but may not act on 403. Every refusal of a service is 400 with its message, a stale decision
(decided meanwhile, withdrawn by a suspension) too, as the cases' workflow actions answer."""

import datetime as dt
import threading

import pytest
from django.db import connection, connections
from django.urls import reverse
from django.utils import timezone, translation
from rest_framework.test import APIClient

from accounts.models import OrganisationalUnit
from cases.models import Stage
from families.models import ApprovalDecision, Family
from families.services import approval_request_refusal_on, decide_approval, request_approval
from risk.services import record_family_change
from tests import factories
from tests.test_family_approval_queries import BOUNDS

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate
URL = "/api/v1/families/{pk}/{action}/"


def url(family: Family | int, action: str) -> str:
    return URL.format(pk=getattr(family, "pk", family), action=action)


def assessed_family(unit, **fields) -> Family:
    """A couple of ``unit`` under assessment, certificates valid, not yet sent for approval."""
    family = factories.FamilyFactory(responsible_unit=unit, region=unit.region, approval_status="under_assessment",
                                     approved_on=None, approval_expires_on=None, **fields)
    factories.ApplicantFactory(family=family, position=1, last_name="Tulegenova", first_name="Saule")
    factories.ApplicantFactory(family=family, position=2, last_name="Tulegenov", first_name="Marat", sex="M")
    return family


def waiting_family(worker, **fields) -> Family:
    family = assessed_family(worker.unit, **fields)
    request_approval(family=family, actor=worker)
    family.refresh_from_db()
    return family


def post(api_client: APIClient, user, path: str, data: dict | None = None, language: str = "en"):
    api_client.force_authenticate(user)
    return api_client.post(path, data or {}, format="json", HTTP_ACCEPT_LANGUAGE=language)


def state(family: Family) -> tuple:
    """What a request or decision changes on the family, and the decisions written."""
    family.refresh_from_db()
    decisions = [(d.approved, d.reason, d.approval_expires_on, d.decided_by_id)
                 for d in family.approval_decisions.order_by("decided_at", "id")]
    return (family.approval_status, family.approved_on, family.approval_expires_on,
            family.approval_requested_at is not None, decisions)


@pytest.fixture
def astana():
    return factories.DistrictFactory(region=factories.region_by_code("astana"))


@pytest.fixture
def people(worker, supervisor, analyst, district, astana) -> dict:
    """Every role: the family's worker and their colleague of the same district, the supervisor of the
    region and of the district, an analyst, an administrator, a worker and a supervisor of another region."""
    return {
        "worker": worker,
        "colleague": factories.UserFactory(role="social_worker", unit=district),
        "supervisor": supervisor,
        "district_supervisor": factories.UserFactory(role="supervisor", unit=district),
        "analyst": analyst,
        "administrator": factories.UserFactory(role="administrator", unit=OrganisationalUnit.objects.get(code="ministry")),
        "other_worker": factories.UserFactory(role="social_worker", unit=astana),
        "other_supervisor": factories.UserFactory(role="supervisor", unit=astana.parent),
    }


# ---- who may ask, who may decide ----------------------------------------------------------------

REQUEST_EXPECTED = {
    "worker": 200, "colleague": 200, "supervisor": 200, "district_supervisor": 200,
    "analyst": 403, "administrator": 403,  # the administrator sees every family but does no case work
    "other_worker": 404, "other_supervisor": 404,  # may not see the family: its existence is not revealed
}


@pytest.mark.parametrize("role", list(REQUEST_EXPECTED))
def test_who_may_ask_for_approval(api_client, people, worker, role):
    family = assessed_family(worker.unit)
    before = state(family)
    response = post(api_client, people[role], url(family, "approval-request"))
    assert response.status_code == REQUEST_EXPECTED[role], response.content
    if response.status_code == 200:
        body = response.json()
        assert (body["id"], body["approval_status"]) == (family.pk, "under_assessment")
        assert body["approval_requested_at"] is not None
        assert body["approval_request_refusal"] == "The family is already waiting for approval."
        assert state(family)[3] is True
    else:
        assert state(family) == before  # nothing written
        if response.status_code == 404:
            assert response.json() == post(api_client, people[role], url(999999, "approval-request")).json()


DECIDE_EXPECTED = {
    "supervisor": 200, "district_supervisor": 200,
    "worker": 403, "colleague": 403, "analyst": 403, "administrator": 403,
    "other_worker": 404, "other_supervisor": 404,
}


@pytest.mark.parametrize("action", ["approve", "refuse"])
@pytest.mark.parametrize("role", list(DECIDE_EXPECTED))
def test_who_may_decide(api_client, people, worker, role, action):
    family = waiting_family(worker)
    before = state(family)
    response = post(api_client, people[role], url(family, action), {"reason": "Income not shown."})
    assert response.status_code == DECIDE_EXPECTED[role], response.content
    if response.status_code == 200:
        assert response.json()["approval_status"] == ("approved" if action == "approve" else "rejected")
        assert state(family)[4][0][3] == people[role].pk
    else:
        assert state(family) == before


def test_a_supervisor_of_another_region_who_sees_the_family_may_not_decide(api_client, client, people, worker, astana):
    """The family is on a case of theirs (its decision names it): they see it, so 403, not 404, and the
    page answers the same."""
    family = waiting_family(worker)
    factories.CaseFactory(responsible_unit=astana, child__region=astana.region, assigned_worker=people["other_worker"],
                          stage=Stage.DECISION, form_of_care=family.form_of_care, decision_family=family)
    other = people["other_supervisor"]
    api_client.force_authenticate(other)
    assert api_client.get(f"/api/v1/families/{family.pk}/").status_code == 200
    response = post(api_client, other, url(family, "approve"))
    assert response.status_code == 403
    assert response.json() == {"detail": "Only a supervisor of the family's unit can approve or refuse it."}
    client.force_login(other)
    assert client.post(reverse("web:family-approval-decide", args=[family.pk]), {"approve": "1"}).status_code == 403
    # A worker of the case sees the family too, and may ask for its approval (the pages' rule).
    assert state(family)[4] == []


def test_a_worker_who_sees_the_family_through_a_case_may_ask_for_its_approval(api_client, people, worker, astana):
    family = assessed_family(worker.unit)
    factories.CaseFactory(responsible_unit=astana, child__region=astana.region, assigned_worker=people["other_worker"],
                          stage=Stage.DECISION, form_of_care=family.form_of_care, decision_family=family)
    assert post(api_client, people["other_worker"], url(family, "approval-request")).status_code == 200


def test_the_administrator_is_refused_on_the_page_as_in_the_api(api_client, client, people, worker):
    family = waiting_family(worker)
    administrator = people["administrator"]
    assert post(api_client, administrator, url(family, "approve")).status_code == 403
    client.force_login(administrator)
    assert client.post(reverse("web:family-approval-decide", args=[family.pk]), {"approve": "1"}).status_code == 403
    assert client.post(reverse("web:family-approval-request", args=[family.pk])).status_code == 403
    assert state(family)[4] == []


@pytest.mark.parametrize("action", ["approval-request", "approve", "refuse"])
def test_an_unknown_family_or_a_bad_id_is_404(api_client, supervisor, action):
    for pk in (999999, "abc"):
        assert post(api_client, supervisor, url(pk, action)).status_code == 404


@pytest.mark.parametrize("action", ["approval-request", "approve", "refuse"])
def test_an_analyst_gets_403_whether_the_family_exists_or_not(api_client, analyst, worker, action):
    family = waiting_family(worker)
    assert post(api_client, analyst, url(family, action)).status_code == 403
    assert post(api_client, analyst, url(999999, action)).status_code == 403


# ---- every refusal of the request ------------------------------------------------------------------


def _suspended(family, worker, kind):
    applicant = family.applicants.get(position=2) if kind == "death" else None
    return record_family_change(family=family, kind=kind, applicant=applicant, on=TODAY() - dt.timedelta(days=1),
                                actor=worker)


REQUEST_REFUSALS = {
    "already waiting": (lambda f, w: request_approval(family=f, actor=w), "The family is already waiting for approval."),
    "suspended by a change": (lambda f, w: _suspended(f, w, "death"), "The family's approval is suspended (Tulegenov Marat: "
                                                                    "death on"),
    "a failed carer check": (lambda f, w: Family.objects.filter(pk=f.pk).update(
        carer_check_failure="conviction", carer_check_failed_on=TODAY() - dt.timedelta(days=3)),
        "A failed carer check is recorded on the family (conviction"),
    "approved": (lambda f, w: Family.objects.filter(pk=f.pk).update(
        approval_status="approved", approved_on=TODAY(), approval_expires_on=TODAY() + dt.timedelta(days=30)),
        'A family with the status "approved" cannot be sent for approval.'),
    "rejected": (lambda f, w: Family.objects.filter(pk=f.pk).update(approval_status="rejected"),
                 'A family with the status "rejected" cannot be sent for approval.'),
    "withdrawn": (lambda f, w: Family.objects.filter(pk=f.pk).update(approval_status="withdrawn"),
                  'A family with the status "withdrawn" cannot be sent for approval.'),
    "home study expired": (lambda f, w: Family.objects.filter(pk=f.pk).update(
        home_study_expires_on=TODAY() - dt.timedelta(days=1)),
        "Record a valid home study before asking for approval."),
    "no training certificate": (lambda f, w: Family.objects.filter(pk=f.pk).update(
        training_issued_on=None, training_expires_on=None),
        "Record a valid training certificate before asking for approval."),
}


@pytest.mark.parametrize("refusal", list(REQUEST_REFUSALS))
def test_every_refusal_of_the_request_is_400_with_the_message_the_family_shows(api_client, client, worker, refusal):
    make, message = REQUEST_REFUSALS[refusal]
    family = assessed_family(worker.unit)
    make(family, worker)
    api_client.force_authenticate(worker)
    shown = api_client.get(f"/api/v1/families/{family.pk}/").json()["approval_request_refusal"]
    assert shown.startswith(message)
    before = state(family)
    response = post(api_client, worker, url(family, "approval-request"))
    assert response.status_code == 400
    assert response.json() == {"non_field_errors": [shown]}
    assert state(family) == before
    # The page refuses with the same message and writes nothing either.
    client.force_login(worker)
    page = client.post(reverse("web:family-approval-request", args=[family.pk]), follow=True)
    assert [str(m) for m in page.context["messages"]] == [shown]
    assert state(family) == before


# ---- every refusal of the decision -----------------------------------------------------------------


def test_a_refusal_needs_a_reason_beside_the_field(api_client, supervisor, worker):
    family = waiting_family(worker)
    before = state(family)
    for body, expected in (({"reason": "  "}, "Say why the family is refused."), ({}, "This field is required.")):
        response = post(api_client, supervisor, url(family, "refuse"), body)
        assert response.status_code == 400
        assert response.json() == {"reason": [expected]}
    assert state(family) == before


@pytest.mark.parametrize(("expires_on", "message"), [
    (lambda: TODAY().isoformat(), "The approval must expire after today."),
    (lambda: (TODAY() - dt.timedelta(days=3)).isoformat(), "The approval must expire after today."),
    (lambda: "3026-01-01", None),  # beyond the sane range: the date field's own message
    (lambda: "not a date", None),
    (lambda: "0001-01-01", None),
])
def test_an_approval_expiring_today_or_before_or_a_bad_date_is_400_beside_the_field(api_client, supervisor, worker,
                                                                                   expires_on, message):
    family = waiting_family(worker)
    before = state(family)
    response = post(api_client, supervisor, url(family, "approve"), {"expires_on": expires_on()})
    assert response.status_code == 400
    assert list(response.json()) == ["expires_on"]
    if message:
        assert response.json()["expires_on"] == [message]
    assert state(family) == before


def test_a_certificate_expired_since_the_request_is_refused(api_client, supervisor, worker):
    family = waiting_family(worker)
    Family.objects.filter(pk=family.pk).update(training_expires_on=TODAY() - dt.timedelta(days=1))
    before = state(family)
    response = post(api_client, supervisor, url(family, "approve"))
    assert response.status_code == 400
    assert response.json() == {"non_field_errors": [
        "The family's training certificate is missing or expired; it cannot be approved."]}
    assert state(family) == before
    # It may still be refused, with a reason.
    assert post(api_client, supervisor, url(family, "refuse"), {"reason": "No current training."}).status_code == 200


def test_a_request_suspended_while_waiting_cannot_be_approved(api_client, supervisor, worker):
    """A request written before the suspension withdrew it (imported data): approving is refused, refusing
    closes it and the family stays suspended until its new home study."""
    family = waiting_family(worker)
    Family.objects.filter(pk=family.pk).update(approval_status="suspended", suspended_on=TODAY(),
                                               suspension_kind="other", suspension_note="moved abroad")
    response = post(api_client, supervisor, url(family, "approve"))
    assert response.status_code == 400
    assert response.json() == {"non_field_errors": [
        "The family's approval is suspended (moved abroad) until a new home study."]}
    body = post(api_client, supervisor, url(family, "refuse"), {"reason": "Left the country."}).json()
    assert (body["approval_status"], body["approval_requested_at"]) == ("suspended", None)
    assert body["last_approval_decision"]["reason"] == "Left the country."


STALE = {
    "decided by another supervisor": "was already refused by Aliya Nurova on",
    "withdrawn by a suspension": ": the request for approval was withdrawn: the family's approval is suspended "
                                 "(Tulegenov Marat: death on",
    "never asked for": "is no longer waiting for approval.",
}


def _make_stale(kind, family, worker, supervisor):
    if kind == "decided by another supervisor":
        other = factories.UserFactory(role="supervisor", unit=supervisor.unit, first_name="Aliya", last_name="Nurova")
        decide_approval(family=family, actor=other, approve=False, reason="Income not shown.")
    elif kind == "withdrawn by a suspension":
        _suspended(family, worker, "death")
    else:
        Family.objects.filter(pk=family.pk).update(approval_requested_at=None)


@pytest.mark.parametrize("action", ["approve", "refuse"])
@pytest.mark.parametrize("kind", list(STALE))
def test_a_stale_decision_is_400_saying_why_as_the_page_says_it(api_client, client, supervisor, worker, kind, action):
    family = waiting_family(worker)
    _make_stale(kind, family, worker, supervisor)
    before = state(family)
    response = post(api_client, supervisor, url(family, action), {"reason": "Second opinion."})
    assert response.status_code == 400
    [message] = response.json()["non_field_errors"]
    assert message.startswith(f"Family №\u00a0{family.pk}") and STALE[kind] in message
    assert state(family) == before
    client.force_login(supervisor)
    page = client.post(reverse("web:family-approval-decide", args=[family.pk]),
                       {"approve": "1" if action == "approve" else "0", "reason": "Second opinion."}, follow=True)
    assert page.redirect_chain == [(reverse("web:family-approvals"), 302)]
    assert [str(m) for m in page.context["messages"]] == [message]
    assert state(family) == before


@pytest.mark.parametrize(("language", "text"), [
    ("en", "the request for approval was withdrawn"),
    ("kk", "мақұлдау туралы өтініш кері қайтарылды"),
    ("ru", "запрос на одобрение отозван"),
])
def test_the_stale_message_and_the_refusal_are_in_the_readers_language(api_client, supervisor, worker, language, text):
    family = waiting_family(worker)
    _suspended(family, worker, "death")
    response = post(api_client, supervisor, url(family, "approve"), language=language)
    assert text in response.json()["non_field_errors"][0]
    api_client.force_authenticate(worker)
    shown = api_client.get(f"/api/v1/families/{family.pk}/", HTTP_ACCEPT_LANGUAGE=language).json()
    refused = post(api_client, worker, url(family, "approval-request"), language=language).json()
    assert refused == {"non_field_errors": [shown["approval_request_refusal"]]}
    with translation.override("en"):
        english = approval_request_refusal_on(Family.objects.get(pk=family.pk), TODAY())
    assert (shown["approval_request_refusal"] == english) is (language == "en")


# ---- success, and the family as the answer ----------------------------------------------------------


def test_ask_then_approve_answers_the_fresh_family_each_time(api_client, worker, supervisor):
    family = assessed_family(worker.unit)
    api_client.force_authenticate(worker)
    before = api_client.get(f"/api/v1/families/{family.pk}/").json()
    assert (before["approval_requested_at"], before["approval_request_refusal"], before["last_approval_decision"]) == (
        None, "", None)
    asked = post(api_client, worker, url(family, "approval-request")).json()
    assert asked["approval_requested_at"] is not None and asked["approval_status"] == "under_assessment"
    expires = TODAY() + dt.timedelta(days=300)  # before the home study expires (a year)
    approved = post(api_client, supervisor, url(family, "approve"), {"expires_on": expires.isoformat()}).json()
    assert (approved["approval_status"], approved["approved_on"], approved["approval_expires_on"],
            approved["approval_requested_at"]) == ("approved", TODAY().isoformat(), expires.isoformat(), None)
    decision = ApprovalDecision.objects.get(family=family)
    assert approved["last_approval_decision"] == {
        "id": decision.pk, "approved": True, "reason": "", "decided_by": supervisor.pk,
        "decided_at": approved["last_approval_decision"]["decided_at"], "approval_expires_on": expires.isoformat()}
    assert approved["approval_request_refusal"] == 'A family with the status "approved" cannot be sent for approval.'
    assert approved == api_client.get(f"/api/v1/families/{family.pk}/").json()


def test_an_approval_without_a_date_lasts_the_setting(api_client, worker, supervisor, settings):
    settings.FAMILY_APPROVAL_VALID_DAYS = 100
    family = waiting_family(worker)
    body = post(api_client, supervisor, url(family, "approve")).json()
    assert body["approval_expires_on"] == (TODAY() + dt.timedelta(days=100)).isoformat()


def test_a_refusal_shows_its_reason_on_the_family_and_in_the_list(api_client, worker, supervisor):
    family = waiting_family(worker)
    body = post(api_client, supervisor, url(family, "refuse"), {"reason": "  Income not shown. "}).json()
    assert (body["approval_status"], body["approval_requested_at"]) == ("rejected", None)
    assert (body["last_approval_decision"]["approved"], body["last_approval_decision"]["reason"]) == (
        False, "Income not shown.")
    api_client.force_authenticate(worker)
    [row] = api_client.get("/api/v1/families/", {"approval_status": "rejected"}).json()["results"]
    assert row["last_approval_decision"] == body["last_approval_decision"]


def test_the_list_shows_the_waiting_requests_and_last_decisions_in_constant_queries(api_client, worker, supervisor,
                                                                                  django_assert_max_num_queries):
    def decided(n):
        for _ in range(n):
            family = waiting_family(worker)
            decide_approval(family=family, actor=supervisor, approve=False, reason="Earlier refusal.")
            Family.objects.filter(pk=family.pk).update(approval_status="under_assessment")
            request_approval(family=family, actor=worker)
            decide_approval(family=family, actor=supervisor, approve=True)

    decided(1)
    waiting_family(worker)
    api_client.force_authenticate(supervisor)
    with django_assert_max_num_queries(6) as few:
        rows = api_client.get("/api/v1/families/").json()["results"]
    assert sorted((r["approval_requested_at"] is None, (r["last_approval_decision"] or {}).get("approved")) for r in rows) == [
        (False, None), (True, True)]
    decided(5)
    for _ in range(5):
        waiting_family(worker)
    with django_assert_max_num_queries(len(few.captured_queries)):
        rows = api_client.get("/api/v1/families/").json()["results"]
    assert len(rows) == 12
    assert all(r["last_approval_decision"]["approved"] for r in rows if r["last_approval_decision"])


@pytest.mark.parametrize("action", ["approval-request", "approve", "refuse"])
def test_each_action_costs_the_same_queries_whatever_the_familys_history(api_client, worker, supervisor, action,
                                                                         django_assert_max_num_queries):
    def ready(earlier_decisions: int) -> Family:
        family = assessed_family(worker.unit)
        for _ in range(earlier_decisions):
            request_approval(family=family, actor=worker)
            decide_approval(family=family, actor=supervisor, approve=False, reason="Not yet.")
            Family.objects.filter(pk=family.pk).update(approval_status="under_assessment")
        if action != "approval-request":
            request_approval(family=family, actor=worker)
        return family

    user = worker if action == "approval-request" else supervisor
    body = {"reason": "Checked."}
    first = ready(0)
    # A few (tests/test_family_approval_queries.py says which), none growing with the family's earlier decisions.
    with django_assert_max_num_queries(BOUNDS["api", "request" if action == "approval-request" else action]) as few:
        assert post(api_client, user, url(first, action), body).status_code == 200
    later = ready(6)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert post(api_client, user, url(later, action), body).status_code == 200


# ---- the page and the API: the same input, the same result --------------------------------------------

DECISIONS = {
    "approve": ({"approve": "1"}, "approve", {}),
    "approve until a date": ({"approve": "1", "expires_on": "{later}"}, "approve", {"expires_on": "{later}"}),
    "approve with a note": ({"approve": "1", "reason": "All in order."}, "approve", {"reason": "All in order."}),
    "approve until today": ({"approve": "1", "expires_on": "{today}"}, "approve", {"expires_on": "{today}"}),
    "refuse": ({"approve": "0", "reason": "Income not shown."}, "refuse", {"reason": "Income not shown."}),
    "refuse without a reason": ({"approve": "0", "reason": " "}, "refuse", {"reason": " "}),
    "approve, certificate expired": ({"approve": "1"}, "approve", {}),
}


def _dates(data: dict) -> dict:
    values = {"later": (TODAY() + dt.timedelta(days=300)).isoformat(), "today": TODAY().isoformat()}
    return {k: v.format(**values) for k, v in data.items()}


def _errors(form) -> dict:
    """The page's form errors named as the API names them."""
    return {"non_field_errors" if field == "__all__" else field: [str(e) for e in errors]
            for field, errors in form.errors.items()}


@pytest.mark.parametrize("case", list(DECISIONS))
def test_the_page_and_the_api_decide_alike(api_client, client, worker, supervisor, case):
    page_data, action, api_data = DECISIONS[case]
    on_page, in_api = waiting_family(worker), waiting_family(worker)
    if "expired" in case:
        Family.objects.filter(pk__in=[on_page.pk, in_api.pk]).update(home_study_expires_on=TODAY() - dt.timedelta(days=1))
    client.force_login(supervisor)
    page = client.post(reverse("web:family-approval-decide", args=[on_page.pk]), _dates(page_data))
    response = post(api_client, supervisor, url(in_api, action), _dates(api_data))
    page_errors = _errors(next(item["form"] for item in page.context["waiting"] if item["family"].pk == on_page.pk)) \
        if page.status_code == 400 else {}
    assert (page.status_code == 302, page_errors) == (response.status_code == 200,
                                                      response.json() if response.status_code == 400 else {})
    assert state(on_page) == state(in_api)


def test_the_page_and_the_api_ask_alike(api_client, client, worker):
    on_page, in_api = assessed_family(worker.unit), assessed_family(worker.unit)
    client.force_login(worker)
    page = client.post(reverse("web:family-approval-request", args=[on_page.pk]), follow=True)
    assert [str(m) for m in page.context["messages"]] == ["The family is sent to the supervisor for approval."]
    assert post(api_client, worker, url(in_api, "approval-request")).status_code == 200
    assert state(on_page) == state(in_api) == ("under_assessment", None, None, True, [])


# ---- the write under the family's row lock -----------------------------------------------------------


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_supervisors_deciding_at_once_write_one_decision(monkeypatch):
    """Both pass the API's first check before either writes (a barrier after it); the service's row lock
    lets one decide and shows the other the decision: 400 saying who decided, no second row."""
    from families.api import views

    district = factories.DistrictFactory(region=factories.region_by_code("almaty"))
    worker = factories.UserFactory(role="social_worker", unit=district)
    first = factories.UserFactory(role="supervisor", unit=district.parent, first_name="Aliya", last_name="Nurova")
    second = factories.UserFactory(role="supervisor", unit=district.parent, first_name="Dana", last_name="Sadykova")
    family = waiting_family(worker)
    barrier = threading.Barrier(2)
    checked = views.check_approval_decidable

    def check_then_wait(**kwargs) -> None:
        checked(**kwargs)
        barrier.wait(timeout=10)

    monkeypatch.setattr(views, "check_approval_decidable", check_then_wait)
    answers: dict[str, tuple[int, dict]] = {}

    def decide(user, action) -> None:
        try:
            response = post(APIClient(), user, url(family, action), {"reason": "Income not shown."})
            answers[action] = (response.status_code, response.json())
        finally:
            connections.close_all()

    threads = [threading.Thread(target=decide, args=args) for args in ((first, "approve"), (second, "refuse"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(code for code, _ in answers.values()) == [200, 400]
    [(won, _)] = [(a, b) for a, (code, b) in answers.items() if code == 200]
    [lost] = [body for code, body in answers.values() if code == 400]
    decision = ApprovalDecision.objects.get(family=family)
    assert decision.approved is (won == "approve")
    winner = "Aliya Nurova" if won == "approve" else "Dana Sadykova"
    assert lost["non_field_errors"][0].startswith(f"Family №\u00a0{family.pk} was already") and winner in lost["non_field_errors"][0]
    connection.close()
