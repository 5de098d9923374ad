"""The permission matrix: every person endpoint, for every role, against an object of their own and
one that is not theirs, with the answer each must get.

Roles: the assigned social worker, the supervisor of the region, a colleague of the same district
holding a view-only share of the own objects, an analyst and an administrator. "own" objects belong
to the worker's case in Almaty; "foreign" ones to a case in Astana that none of them works on.
Reads answer 200 or 404 (existence is not revealed); analysts always 403; writes need the right to
change the case (a view-only share or an administrator: 403).
"""

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from django.utils import timezone

from access.services import share_case
from accounts.models import OrganisationalUnit
from audit.models import AccessLog
from cases.models import Stage
from tests import factories

pytestmark = pytest.mark.django_db

ROLES = ["worker", "supervisor", "shared", "analyst", "administrator"]


@dataclass
class World:
    users: dict[str, Any]
    own: dict[str, Any]
    foreign: dict[str, Any]


def objects_in(district, worker, year: int) -> dict[str, Any]:
    """A registered case, and a placed one with its placement, visit and family, all of one worker.
    (Each child gets its own birth date so that the factory's IINs never collide.)"""
    case = factories.CaseFactory(
        assigned_worker=worker, responsible_unit=district, child__region=district.region, child__birth_date=dt.date(year, 3, 3)
    )
    family = factories.FamilyFactory(region=district.region, responsible_unit=district)
    placement = factories.PlacementFactory(
        case__assigned_worker=worker, case__responsible_unit=district, case__child__region=district.region, family=family,
        case__child__birth_date=dt.date(year, 7, 7),
    )
    visit = factories.VisitFactory(placement=placement, concerns="the child was afraid to talk")
    return {"case": case, "child": case.child, "placement": placement, "visit": visit, "family": family}


@pytest.fixture
def world(worker, supervisor, analyst) -> World:
    ministry = OrganisationalUnit.objects.get(code="ministry")
    colleague = factories.UserFactory(unit=worker.unit)
    own = objects_in(worker.unit, worker, 2015)
    astana = factories.DistrictFactory(region=factories.region_by_code("astana"))
    foreign = objects_in(astana, factories.UserFactory(unit=astana), 2017)
    for case in (own["case"], own["placement"].case):
        share_case(case=case, user=colleague, actor=supervisor)
    users = {
        "worker": worker, "supervisor": supervisor, "shared": colleague, "analyst": analyst,
        "administrator": factories.UserFactory(role="administrator", unit=ministry),
    }
    return World(users=users, own=own, foreign=foreign)


class Answer(int):
    """A status code that shows the answer's body when an assertion on it fails."""

    body: Any

    def __repr__(self) -> str:
        return f"{int(self)} {self.body!r}"[:500]


def call(api_client, user, method: str, url: str, data: dict | None = None) -> Answer:
    api_client.force_authenticate(user)
    response = api_client.post(url, data or {}, format="json") if method == "post" else api_client.get(url)
    answer = Answer(response.status_code)
    answer.body = getattr(response, "data", None)
    return answer


# ---------------------------------------------------------------------------------------------
# Reads: detail of each kind of person record.

DETAIL = {
    "child": "/api/v1/children/{child.pk}/",
    "case": "/api/v1/cases/{case.pk}/",
    "placement": "/api/v1/placements/{placement.pk}/",
    "visit": "/api/v1/visits/{visit.pk}/",
    "family": "/api/v1/families/{family.pk}/",
}

READ_EXPECTED = {
    # role: (own, foreign)
    "worker": (200, 404),
    "supervisor": (200, 404),
    "shared": (200, 404),
    "analyst": (403, 403),
    "administrator": (200, 200),
}


@pytest.mark.parametrize("kind", list(DETAIL))
@pytest.mark.parametrize("role", ROLES)
def test_detail(api_client, world, role, kind):
    expected = READ_EXPECTED[role]  # a colleague sees the families of their own unit, too
    own = call(api_client, world.users[role], "get", DETAIL[kind].format(**world.own))
    foreign = call(api_client, world.users[role], "get", DETAIL[kind].format(**world.foreign))
    assert (own, foreign) == expected


LIST = {
    "child": "/api/v1/children/",
    "case": "/api/v1/cases/",
    "placement": "/api/v1/placements/",
    "visit": "/api/v1/visits/",
    "family": "/api/v1/families/",
}


@pytest.mark.parametrize("kind", list(LIST))
@pytest.mark.parametrize("role", ROLES)
def test_list_shows_own_rows_and_never_foreign_ones(api_client, world, role, kind):
    api_client.force_authenticate(world.users[role])
    response = api_client.get(LIST[kind])
    if role == "analyst":
        assert response.status_code == 403
        return
    assert response.status_code == 200
    ids = {row["id"] for row in response.json()["results"]}
    assert world.own[kind].pk in ids
    assert (world.foreign[kind].pk in ids) is (role == "administrator")


# ---------------------------------------------------------------------------------------------
# Writes and actions.

WRITE_EXPECTED = {
    # role: (own, foreign); own succeeds only for those who may change the case.
    "worker": ("ok", 404),
    "supervisor": ("ok", 404),
    "shared": (403, 404),
    "analyst": (403, 403),
    "administrator": (403, 403),
}


def transition(objects) -> tuple[str, dict]:
    return f"/api/v1/cases/{objects['case'].pk}/transition/", {"to_stage": Stage.AVAILABLE, "form_of_care": "guardianship"}


def end_placement(objects) -> tuple[str, dict]:
    return f"/api/v1/placements/{objects['placement'].pk}/end/", {
        "ended_on": timezone.localdate().isoformat(), "end_reason": "returned", "return_reason": "family_conflict",
        "home": objects["child"].current_home_id,
    }


def record_visit(objects) -> tuple[str, dict]:
    return f"/api/v1/visits/{objects['visit'].pk}/record/", {
        "done_on": timezone.localdate().isoformat(), "child_seen": True, "seen_by": "A. Worker", "child_condition": "good",
        "family_condition": "good",
    }


ACTIONS = {"transition": (transition, 200), "end_placement": (end_placement, 200), "record_visit": (record_visit, 200)}


@pytest.mark.parametrize("action", list(ACTIONS))
@pytest.mark.parametrize("role", ROLES)
def test_action(api_client, world, role, action):
    build, success = ACTIONS[action]
    expected_own, expected_foreign = WRITE_EXPECTED[role]
    user = world.users[role]
    url, body = build(world.foreign)
    assert call(api_client, user, "post", url, body) == expected_foreign
    url, body = build(world.own)
    assert call(api_client, user, "post", url, body) == (success if expected_own == "ok" else expected_own)


def test_a_view_only_share_cannot_place_a_child(api_client, world):
    case = world.own["case"]
    response_status = call(api_client, world.users["shared"], "post", "/api/v1/placements/",
                           {"case": case.pk, "decision_document_number": "П-2026-0000042", "decision_date": "2026-01-05"})
    assert response_status == 400  # the case is not among those the user may change


CREATE_CHILD = {
    "last_name": "Serikbayev", "first_name": "Dias", "birth_date": "2019-04-02", "sex": "M", "legal_status": "orphan",
    "region": "almaty", "entered_care_on": "2024-02-01",
}


@pytest.mark.parametrize(
    ("role", "expected"),
    [("worker", 201), ("supervisor", 201), ("shared", 201), ("analyst", 403)],
)
def test_registering_a_child_in_the_own_unit(api_client, world, role, expected):
    user = world.users[role]
    body = {**CREATE_CHILD, "responsible_unit": world.users["worker"].unit_id}
    assert call(api_client, user, "post", "/api/v1/children/", body) == expected


@pytest.mark.parametrize("role", ["worker", "supervisor"])
def test_registering_a_child_in_a_foreign_unit_is_refused(api_client, world, role):
    body = {**CREATE_CHILD, "responsible_unit": world.foreign["case"].responsible_unit_id}
    api_client.force_authenticate(world.users[role])
    response = api_client.post("/api/v1/children/", body, format="json")
    assert response.status_code == 400
    assert "responsible_unit" in response.json()


# ---------------------------------------------------------------------------------------------
# The access endpoints: only the supervisor of the case's unit.

ACCESS_ENDPOINTS = {
    "share": ("post", "share/", lambda w: {"user": w.users["worker"].pk}),
    "revoke": ("post", "revoke/", lambda w: {"user": w.users["shared"].pk}),
    "shares": ("get", "shares/", lambda w: None),
    "reassign": ("post", "reassign/", lambda w: {"worker": w.users["shared"].pk}),
    "history": ("get", "history/", lambda w: None),
    "access-log": ("get", "access-log/", lambda w: None),
}

ACCESS_EXPECTED = {
    "worker": (403, 403),
    "supervisor": ("ok", 404),
    "shared": (403, 403),
    "analyst": (403, 403),
    "administrator": (403, 403),
}


@pytest.mark.parametrize("endpoint", list(ACCESS_ENDPOINTS))
@pytest.mark.parametrize("role", ROLES)
def test_access_endpoint(api_client, world, role, endpoint):
    method, suffix, body = ACCESS_ENDPOINTS[endpoint]
    user = world.users[role]
    foreign = call(api_client, user, method, f"/api/v1/access/cases/{world.foreign['case'].pk}/{suffix}", body(world))
    own = call(api_client, user, method, f"/api/v1/access/cases/{world.own['case'].pk}/{suffix}", body(world))
    expected_own, expected_foreign = ACCESS_EXPECTED[role]
    if expected_own == "ok":
        # share of a worker who is assigned anyway is a rule break (400), the rest succeed.
        expected_own = {"share": 400, "revoke": 204, "reassign": 200}.get(endpoint, 200)
    assert (own, foreign) == (expected_own, expected_foreign)


# ---------------------------------------------------------------------------------------------
# What the answers contain.


def test_sensitive_child_fields_reach_the_worker_but_not_a_view_only_share(api_client, world):
    url = DETAIL["child"].format(**world.own)
    api_client.force_authenticate(world.users["worker"])
    assert "abuse_history_notes" in api_client.get(url).json()
    api_client.force_authenticate(world.users["shared"])
    body = api_client.get(url).json()
    assert body["last_name"] == world.own["child"].last_name
    assert "abuse_history_notes" not in body and "health_notes" not in body


def test_visit_concerns_reach_the_worker_but_not_a_view_only_share(api_client, world):
    url = DETAIL["visit"].format(**world.own)
    api_client.force_authenticate(world.users["worker"])
    assert api_client.get(url).json()["concerns"] == "the child was afraid to talk"
    api_client.force_authenticate(world.users["shared"])
    assert not api_client.get(url).json().get("concerns")


def test_the_administrator_gets_records_without_sensitive_fields(api_client, world):
    api_client.force_authenticate(world.users["administrator"])
    body = api_client.get(DETAIL["child"].format(**world.own)).json()
    assert not set(body) & {"health_notes", "birth_family_notes", "abuse_history_notes", "abuse_or_neglect_history"}


@pytest.mark.parametrize("kind", ["child", "case"])
def test_each_detail_view_of_a_child_or_case_is_in_the_access_log(api_client, world, kind):
    api_client.force_authenticate(world.users["shared"])
    assert api_client.get(DETAIL[kind].format(**world.own)).status_code == 200
    entry = AccessLog.objects.get()
    assert entry.user == world.users["shared"]
    assert entry.child_id == world.own["child"].pk
    assert entry.saw_sensitive is False


def test_an_expired_share_gives_404_again(api_client, world):
    from access.models import CaseShare, CaseUserObjectPermission

    past = timezone.now() - dt.timedelta(hours=1)
    CaseShare.objects.update(granted_at=past - dt.timedelta(days=1), expires_at=past)
    CaseUserObjectPermission.objects.update(expires_at=past)
    assert call(api_client, world.users["shared"], "get", DETAIL["case"].format(**world.own)) == 404


MORE_ACTIONS = {
    "approve": lambda o: (f"/api/v1/cases/{o['case'].pk}/approve/", {"approve": True}),
    "sibling_separation": lambda o: (f"/api/v1/cases/{o['case'].pk}/sibling-separation/", {"reason": "court decision 12/2024"}),
}


@pytest.mark.parametrize("action", list(MORE_ACTIONS))
@pytest.mark.parametrize("role", ROLES)
def test_more_case_actions(api_client, world, role, action):
    """Actions are refused before any rule is checked when the user may not change the case; for
    those who may, the answer is the workflow's own."""
    user = world.users[role]
    url, body = MORE_ACTIONS[action](world.foreign)
    foreign = call(api_client, user, "post", url, body)
    url, body = MORE_ACTIONS[action](world.own)
    own = call(api_client, user, "post", url, body)
    expected_own, expected_foreign = WRITE_EXPECTED[role]
    assert foreign == expected_foreign
    if expected_own == "ok":
        # Reached the workflow, which answers with its own rule: a worker may not approve, no
        # decision is pending, the child has no sibling group.
        assert own == 400
        assert "non_field_errors" in own.body
    else:
        assert own == expected_own


@pytest.mark.parametrize("role", ROLES)
def test_matches_of_a_case(api_client, world, role):
    user = world.users[role]
    foreign = call(api_client, user, "get", f"/api/v1/cases/{world.foreign['case'].pk}/matches/")
    own = call(api_client, user, "get", f"/api/v1/cases/{world.own['case'].pk}/matches/")
    # The case is registered, not at matching: whoever reaches it gets the workflow's 400.
    reached = {200: 400}
    assert (own, foreign) == tuple(reached.get(code, code) for code in READ_EXPECTED[role])


CREATE_FAMILY = {
    "applicants": [{"last_name": "Omarova", "first_name": "Saule", "birth_date": "1985-02-11", "sex": "F"}],
    "region": "almaty", "form_of_care": "guardianship", "applied_on": "2025-01-15",
}


@pytest.mark.parametrize(("role", "expected"), [("worker", 201), ("supervisor", 201), ("analyst", 403)])
def test_registering_a_family_in_the_own_unit(api_client, world, role, expected):
    from tests.factories import valid_iin

    applicant = {**CREATE_FAMILY["applicants"][0], "iin": valid_iin(dt.date(1985, 2, 11), "F", 77)}
    body = {**CREATE_FAMILY, "applicants": [applicant], "responsible_unit": world.users["worker"].unit_id}
    assert call(api_client, world.users[role], "post", "/api/v1/families/", body) == expected


# The family's approval (families.api.views: approval-request/, approve/, refuse/): asked for by whoever
# sees the family and works on cases, decided by a supervisor of its unit; a family not seen is 404.

FAMILY_APPROVAL_EXPECTED = {
    # role: (request own, request foreign, decide own, decide foreign)
    "worker": (200, 404, 403, 404),
    "supervisor": (200, 404, 200, 404),
    "shared": (200, 404, 403, 404),  # a colleague of the family's district sees its families
    "analyst": (403, 403, 403, 403),
    "administrator": (403, 403, 403, 403),  # sees every family, does no case work
}


@pytest.mark.parametrize("action", ["approve", "refuse"])
@pytest.mark.parametrize("role", ROLES)
def test_family_approval_actions(api_client, world, role, action):
    from families.models import Family

    for family in (world.own["family"], world.foreign["family"]):
        Family.objects.filter(pk=family.pk).update(approval_status="under_assessment", approved_on=None,
                                                   approval_expires_on=None)
    user = world.users[role]
    request_own = call(api_client, user, "post", f"/api/v1/families/{world.own['family'].pk}/approval-request/")
    request_foreign = call(api_client, user, "post", f"/api/v1/families/{world.foreign['family'].pk}/approval-request/")
    Family.objects.filter(pk__in=[world.own["family"].pk, world.foreign["family"].pk]).update(
        approval_requested_at=timezone.now())
    body = {"reason": "Income not shown."}
    decide_own = call(api_client, user, "post", f"/api/v1/families/{world.own['family'].pk}/{action}/", body)
    decide_foreign = call(api_client, user, "post", f"/api/v1/families/{world.foreign['family'].pk}/{action}/", body)
    assert (request_own, request_foreign, decide_own, decide_foreign) == FAMILY_APPROVAL_EXPECTED[role]


# ---------------------------------------------------------------------------------------------
# Issue 14: a marker planted in every sensitive field must never reach a user who may not see it,
# through any endpoint of the API (every GET path of the OpenAPI schema), any page, or the admin.

MARKER = "MARKER-7Q14"


@pytest.fixture
def marked(world):
    """The worker's own placed child and visit carry the marker in every sensitive text field, a
    medical report carries it in its title and file name; an emergency access is open on the case;
    the risk is computed (the abuse factor is on)."""
    import datetime as dt

    from documents.models import Document
    from emergency.services import open_emergency_access
    from notifications.models import Notification
    from risk.services import recompute_risk

    placement = world.own["placement"]
    child = placement.child
    child.health_notes = f"{MARKER} health"
    child.birth_family_notes = f"{MARKER} birth family"
    child.abuse_history_notes = f"{MARKER} abuse"
    child.abuse_or_neglect_history = True
    child.sdq_total_difficulties = 31
    child.save()
    visit = world.own["visit"]
    visit.concerns = f"{MARKER} concerns"
    visit.save()
    for user in world.users.values():
        Notification.objects.create(recipient=user, kind="visit_due", subject_key=f"m:{user.pk}", title="Visit due",
                                    case=placement.case)
    report = Document.objects.create(
        child=child, doc_type="medical_report", title=f"{MARKER} report", original_name=f"{MARKER}.pdf",
        document_date=dt.date(2025, 1, 1), content_type="application/pdf", size=1, sha256="2" * 64,
        uploaded_by=world.users["worker"], file="m.pdf",
    )
    recompute_risk(placement=placement, reason="assessment")
    stranger = factories.UserFactory(unit=world.foreign["case"].responsible_unit)
    access = open_emergency_access(case=placement.case, actor=stranger, reason="the child ran away tonight, police called")
    users = {**world.users, "emergency": stranger, "other_region": stranger}
    return {"users": users, "placement": placement, "child": child, "visit": visit, "report": report, "access": access}


def api_urls(marked) -> dict[str, str]:
    """Every GET path of the API schema, filled in with the marked records."""
    from drf_spectacular.generators import SchemaGenerator

    placement, child = marked["placement"], marked["child"]
    ids = {
        "/api/v1/access/cases/": placement.case_id, "/api/v1/cases/": placement.case_id, "/api/v1/children/": child.pk,
        "/api/v1/consents/": None, "/api/v1/documents/": marked["report"].pk, "/api/v1/emergency-access/": marked["access"].pk,
        "/api/v1/exports/children/": child.pk, "/api/v1/families/": placement.family_id,
        "/api/v1/homes/": child.current_home_id or placement.home_before_id, "/api/v1/notifications/": None,
        "/api/v1/placements/": placement.pk, "/api/v1/risk/placements/": placement.pk, "/api/v1/visits/": marked["visit"].pk,
    }
    schema = SchemaGenerator().get_schema(request=None, public=True)
    urls = {}
    for path, operations in schema["paths"].items():
        if "get" not in operations:
            continue
        if "{indicator}" in path:
            urls[path] = path.replace("{indicator}", "children_in_care")
            continue
        if "{id}" not in path:
            urls[path] = path
            continue
        prefix = next((p for p in ids if path.startswith(p)), None)
        assert prefix is not None, f"{path}: add its record to api_urls() so the matrix covers it"
        if ids[prefix] is not None:
            urls[path] = path.replace("{id}", str(ids[prefix]))
    return urls


def web_urls(marked) -> list[str]:
    from django.urls import reverse

    case = marked["placement"].case
    return [
        reverse("web:home"), reverse("web:my-cases"), reverse("web:case", args=[case.pk]),
        reverse("web:case-matching", args=[case.pk]), reverse("web:visit-record", args=[case.pk, marked["visit"].pk]),
        reverse("web:inbox"), reverse("web:dashboard"), reverse("web:statistics"),
    ]


def admin_urls(marked) -> list[str]:
    from django.contrib import admin
    from django.urls import reverse

    urls = []
    for model, model_admin in admin.site._registry.items():
        opts = model._meta
        urls.append(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
        for obj in model_admin.get_queryset(None).order_by("-pk")[:3] if hasattr(model_admin, "get_queryset") else []:
            urls.append(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk]))
    return urls


# Who may not see the marked child's sensitive fields: a view-only share, an emergency access, the
# administrator, an analyst, a worker of another region (the same user as the emergency one before
# it breaks the glass is covered by test_detail's 404s).
BLIND = ["shared", "emergency", "administrator", "analyst"]
# Words of values derived from the sensitive fields (item 3): the abuse and SDQ risk factors.
DERIVED = ["abuse_or_neglect", "history of abuse or neglect", "sdq_high", "sdq_raised"]


def test_the_marker_reaches_the_worker(api_client, client, marked):
    """The control: the marker is planted where the worker sees it."""
    api_client.force_authenticate(marked["users"]["worker"])
    assert MARKER in api_client.get(f"/api/v1/children/{marked['child'].pk}/").content.decode()
    client.force_login(marked["users"]["worker"])
    assert MARKER in client.get(f"/cases/{marked['placement'].case_id}/").content.decode()


@pytest.mark.parametrize("role", BLIND)
def test_no_api_answer_carries_a_sensitive_value(api_client, marked, role):
    user = marked["users"][role]
    api_client.force_authenticate(user)
    urls = api_urls(marked)
    assert len(urls) >= 25  # every GET path of the schema
    for url in urls.values():
        response = api_client.get(url)
        assert response.status_code < 500, (url, response.status_code)
        body = response.content.decode(errors="replace")
        assert MARKER not in body, (role, url)
        assert not any(word in body for word in DERIVED), (role, url)


@pytest.mark.parametrize("role", BLIND)
def test_no_page_carries_a_sensitive_value(client, marked, role):
    client.force_login(marked["users"][role])
    for url in web_urls(marked):
        response = client.get(url)
        assert response.status_code < 500, (url, response.status_code)
        body = response.content.decode()
        assert MARKER not in body, (role, url)
        assert "history of abuse or neglect" not in body.lower() and "difficulties (SDQ)" not in body, (role, url)


def test_no_admin_page_carries_a_sensitive_value(client, marked):
    administrator = marked["users"]["administrator"]
    administrator.is_staff = administrator.is_superuser = True
    administrator.save()
    client.force_login(administrator)
    urls = admin_urls(marked)
    assert len(urls) > 40
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.content.decode()
        assert MARKER not in body, url
        if "/riskfactorweight/" not in url:  # the policy table names the factor, not a child's value
            assert "history of abuse or neglect" not in body.lower(), url


# ---------------------------------------------------------------------------------------------
# The visit kit (visitkit/): the package holds the assigned worker's own visits only (a share or a
# supervisor's view does not take a case's visits offline); only a visit prepared for the sender
# can be sent (any other: 400, the same answer whether it exists or not).

KIT_EXPECTED = {
    # role: (package status, own visit in it, record status)
    "worker": (200, True, 201),
    "supervisor": (200, False, 400),
    "shared": (200, False, 400),
    "analyst": (403, False, 403),
    "administrator": (403, False, 403),
}


@pytest.mark.parametrize("role", ROLES)
def test_visit_kit(api_client, world, role):
    user = world.users[role]
    package = call(api_client, user, "post", "/api/v1/visit-kit/package/")
    ids = {v["id"] for v in package.body["visits"]} if package == 200 else set()
    assert world.foreign["visit"].pk not in ids
    body = {"device_id": "0b7f6a52-5a52-4f4e-9a43-5d0a3b1c9e11", "done_on": timezone.localdate().isoformat(),
            "child_seen": True, "seen_by": "A. Worker", "child_condition": "good", "family_condition": "good"}
    foreign = call(api_client, user, "post", "/api/v1/visit-kit/records/", {**body, "visit": world.foreign["visit"].pk})
    own = call(api_client, user, "post", "/api/v1/visit-kit/records/", {**body, "visit": world.own["visit"].pk})
    expected_package, own_in_it, expected_record = KIT_EXPECTED[role]
    assert (package, world.own["visit"].pk in ids, own) == (expected_package, own_in_it, expected_record)
    assert foreign == (403 if role in ("analyst", "administrator") else 400)
