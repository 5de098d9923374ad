"""The visit kit (issue 22, docs/visit-kit.md): the prepared package holds only the worker's own
visits and no sensitive field; a record made offline is recorded once by its device id; a record
that is no longer the worker's to make is kept as a conflict with both versions; tampered or invalid
records are refused with their reason and nothing is stored."""

import datetime as dt
import uuid

import pytest
from django.utils import timezone

from access.services import reassign_case
from cases.services import end_placement
from notifications.models import Notification
from risk.models import RiskAssessment
from tests.factories import ApplicantFactory, CaseFactory, DistrictFactory, PlacementFactory, UserFactory, VisitFactory
from visitkit.models import DeviceRecord, PreparedVisit
from visits.models import Visit
from visits.services import record_visit

pytestmark = pytest.mark.django_db

PACKAGE = "/api/v1/visit-kit/package/"
RECORDS = "/api/v1/visit-kit/records/"
CONFLICTS = "/api/v1/visit-kit/conflicts/"


@pytest.fixture
def placement(worker):
    case = CaseFactory(assigned_worker=worker, responsible_unit=worker.unit, stage="placed",
                       child__health_notes="Asthma", child__abuse_history_notes="Neglect at birth home")
    placement = PlacementFactory(case=case, child=case.child)
    ApplicantFactory(family=placement.family, last_name="Ospanova", first_name="Dana")
    return placement


@pytest.fixture
def visit(placement):
    return VisitFactory(placement=placement, planned_on=timezone.localdate() + dt.timedelta(days=3))


def record(visit_id: int, **overrides: object) -> dict:
    return {"device_id": str(uuid.uuid4()), "visit": visit_id, "done_on": timezone.localdate().isoformat(),
            "child_seen": True, "seen_by": "A. Worker", "child_condition": "good", "family_condition": "good",
            "checklist": {"child_healthy": True}, "concerns": "", **overrides}


def prepare(api_client, user) -> dict:
    api_client.force_authenticate(user)
    response = api_client.post(PACKAGE, {}, format="json")
    assert response.status_code == 200, response.data
    return response.data


def test_the_package_holds_the_workers_own_visits_of_the_window_without_sensitive_fields(api_client, worker, placement, visit):
    today = timezone.localdate()
    VisitFactory(placement=placement, planned_on=today - dt.timedelta(days=2))  # overdue: still to do
    VisitFactory(placement=placement, planned_on=today + dt.timedelta(days=30))  # beyond the 14 days
    VisitFactory(placement=placement, kind=Visit.Kind.ANNUAL_REPORT, planned_on=today + dt.timedelta(days=5))
    VisitFactory(planned_on=today + dt.timedelta(days=2))  # another worker's case
    record_visit(visit=VisitFactory(placement=placement, planned_on=today - dt.timedelta(days=20)), actor=worker,
                 done_on=today - dt.timedelta(days=20), child_seen=True, seen_by="A. Worker", child_condition="some_concerns",
                 family_condition="good", checklist={"child_healthy": False}, concerns="Coughing at night")

    package = prepare(api_client, worker)

    assert [v["id"] for v in package["visits"]][1] == visit.pk and len(package["visits"]) == 2
    entry = package["visits"][1]
    assert entry["child"]["name"] == str(placement.child) and entry["family"]["carers"] == ["Ospanova Dana"]
    assert entry["last_visit"]["child_condition"] == "some concerns"
    assert entry["last_visit"]["checklist"] == {"child_healthy": False}
    text = str(package)
    for secret in ("Coughing at night", "Asthma", "Neglect at birth home", "'concerns'", "'iin'", "'birth_date'"):
        assert secret not in text
    assert package["days"] == 14 and package["user"] == worker.pk
    assert set(PreparedVisit.objects.filter(worker=worker).values_list("visit_id", flat=True)) == {
        v["id"] for v in package["visits"]}


def test_the_package_runs_a_constant_number_of_queries(api_client, worker, django_assert_max_num_queries):
    for _ in range(12):
        case = CaseFactory(assigned_worker=worker, responsible_unit=worker.unit, stage="placed")
        placement = PlacementFactory(case=case, child=case.child)
        ApplicantFactory(family=placement.family)
        VisitFactory(placement=placement, planned_on=timezone.localdate() + dt.timedelta(days=1))
        VisitFactory(placement=placement, planned_on=timezone.localdate() - dt.timedelta(days=9), done_on=timezone.localdate()
                     - dt.timedelta(days=9), worker=worker, child_condition="good", family_condition="good")
    api_client.force_authenticate(worker)
    # The visits, their carers, the last visits done, and one insert noting what was prepared (plus
    # the savepoint pair of the test's transaction).
    with django_assert_max_num_queries(6):
        response = api_client.post(PACKAGE, {}, format="json")
    assert len(response.data["visits"]) == 12


def test_analysts_get_403_and_a_request_without_a_session_401(api_client, analyst):
    assert api_client.post(PACKAGE, {}, format="json").status_code == 401
    assert api_client.post(RECORDS, {}, format="json").status_code == 401
    api_client.force_authenticate(analyst)
    assert api_client.post(PACKAGE, {}, format="json").status_code == 403
    assert api_client.post(RECORDS, {}, format="json").status_code == 403
    assert api_client.get(CONFLICTS).status_code == 403


def test_a_record_is_recorded_once_whatever_the_number_of_sends(api_client, worker, visit):
    prepare(api_client, worker)
    body = record(visit.pk, child_condition="serious_concerns", family_condition="serious_concerns", concerns="Bruises")
    first = api_client.post(RECORDS, body, format="json")
    assert first.status_code == 201, first.data
    assert first.data["outcome"] == "recorded" and first.data["visit"] == visit.pk
    again = api_client.post(RECORDS, body, format="json")
    assert (again.status_code, again.data) == (200, first.data)
    visit.refresh_from_db()
    assert (visit.done_on, visit.worker, visit.concerns) == (timezone.localdate(), worker, "Bruises")
    assert DeviceRecord.objects.count() == 1
    # Recorded through the visits service: the risk follows (serious concerns about both: high).
    assert RiskAssessment.objects.filter(visit_id=visit.pk, band="high").exists()


def test_a_case_reassigned_meanwhile_keeps_the_record_as_a_conflict_for_worker_and_supervisor(
        api_client, worker, supervisor, visit):
    prepare(api_client, worker)
    successor = UserFactory(role="social_worker", unit=worker.unit)
    reassign_case(case=visit.placement.case, worker=successor, actor=supervisor)
    response = api_client.post(RECORDS, record(visit.pk, concerns="Tired"), format="json")
    assert response.status_code == 201
    assert (response.data["outcome"], response.data["conflict_reason"]) == ("conflict", "reassigned")
    visit.refresh_from_db()
    assert visit.done_on is None  # nothing recorded over anything

    mine = api_client.get(CONFLICTS).data["results"]
    assert [c["theirs"]["concerns"] for c in mine] == ["Tired"]
    assert mine[0]["server"]["done_on"] is None
    api_client.force_authenticate(supervisor)
    assert [c["device_id"] for c in api_client.get(CONFLICTS).data["results"]] == [response.data["device_id"]]
    alert = Notification.objects.get(kind="visit_conflict")  # to the team's supervisor only, once
    assert (alert.recipient, alert.case_id) == (supervisor, visit.placement.case_id)
    for outsider in (successor, UserFactory(role="supervisor", unit=DistrictFactory())):
        api_client.force_authenticate(outsider)
        assert api_client.get(CONFLICTS).data["results"] == []


def test_a_visit_recorded_by_someone_else_or_an_ended_placement_is_a_conflict(api_client, worker, supervisor, placement, visit):
    other = VisitFactory(placement=placement, planned_on=timezone.localdate() + dt.timedelta(days=4))
    prepare(api_client, worker)
    record_visit(visit=visit, actor=supervisor, done_on=timezone.localdate(), child_seen=True, seen_by="Supervisor",
                 child_condition="good", family_condition="some_concerns", checklist={}, concerns="")
    response = api_client.post(RECORDS, record(visit.pk), format="json")
    assert response.data["conflict_reason"] == "already_recorded"
    end_placement(placement=placement, ended_on=timezone.localdate(), end_reason="permanency", actor=supervisor)
    ended = api_client.post(RECORDS, record(other.pk), format="json")
    assert ended.status_code == 201 and ended.data["conflict_reason"] in {"placement_ended", "visit_cancelled"}
    conflicts = {c["conflict_reason"]: c for c in api_client.get(CONFLICTS).data["results"]}
    assert conflicts["already_recorded"]["server"]["family_condition"] == "some_concerns"
    assert conflicts["already_recorded"]["theirs"]["family_condition"] == "good"
    assert Visit.objects.filter(placement=placement, done_on__isnull=False).count() == 1


def test_tampered_records_are_refused_with_their_reason_and_nothing_is_stored(api_client, worker, visit):
    prepare(api_client, worker)
    foreign = VisitFactory(planned_on=timezone.localdate())
    response = api_client.post(RECORDS, record(foreign.pk), format="json")
    assert response.status_code == 400 and "not in a package prepared for you" in response.data["visit"][0]
    future = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    response = api_client.post(RECORDS, record(visit.pk, done_on=future), format="json")
    assert response.status_code == 400 and "is in the future" in response.data["done_on"][0]
    assert not DeviceRecord.objects.exists()
    assert not Visit.objects.filter(done_on__isnull=False).exists()


def test_an_invalid_record_comes_back_with_field_errors_and_can_be_sent_again_corrected(api_client, worker, visit):
    prepare(api_client, worker)
    body = record(visit.pk, child_seen=False, seen_by="", concerns="")
    response = api_client.post(RECORDS, body, format="json")
    assert response.status_code == 400 and "concerns" in response.data
    assert api_client.post(RECORDS, {**body, "child_condition": "fine"}, format="json").data.keys() == {"child_condition"}
    corrected = api_client.post(RECORDS, {**body, "concerns": "The child was at school camp."}, format="json")
    assert corrected.status_code == 201 and corrected.data["outcome"] == "recorded"


def test_a_device_id_of_another_workers_record_is_refused(api_client, worker, visit):
    prepare(api_client, worker)
    body = record(visit.pk)
    assert api_client.post(RECORDS, body, format="json").status_code == 201
    api_client.force_authenticate(UserFactory(role="social_worker", unit=worker.unit))
    response = api_client.post(RECORDS, body, format="json")
    assert response.status_code == 400 and "device_id" in response.data


def test_the_kit_pages_the_service_worker_the_manifest_and_sign_out(client, worker, supervisor, analyst, visit):
    client.force_login(worker)
    page = client.get("/visits/kit/")
    assert page.status_code == 200 and b'rel="manifest"' in page.content
    assert str(visit.placement.child).encode() not in page.content  # a shell: the visits come from IndexedDB
    sw = client.get("/visits/kit/sw.js")
    assert sw["Content-Type"].startswith("application/javascript") and b"workbox-7.4.1/workbox-sw.js" in sw.content
    assert client.get("/visits/kit/manifest.webmanifest").json()["scope"] == "/visits/kit/"
    # Until visits are prepared, the list under "My visits" says how to fill it rather than nothing.
    assert '<ul id="kit-visits" class="kit-visits"><li class="muted">Press “Prepare my visits”' in page.content.decode()
    for language, title, hint in (("kk", "Бару жинағы", "Баруларыңызды осы құрылғыға алу үшін «Баруларымды дайындау»"),
                                  ("ru", "Набор для визитов", "Нажмите «Подготовить мои визиты»")):
        client.cookies["django_language"] = language
        html = client.get("/visits/kit/").content.decode()
        assert title in html and f'<ul id="kit-visits" class="kit-visits"><li class="muted">{hint}' in html
    assert client.post("/accounts/logout/")["Clear-Site-Data"] == '"cache", "storage"'
    client.force_login(analyst)
    assert client.get("/visits/kit/").status_code == 403
    assert client.get("/visits/conflicts/").status_code == 403


def test_the_conflicts_page_shows_both_versions_to_the_teams_supervisor(client, api_client, worker, supervisor, visit):
    prepare(api_client, worker)
    record_visit(visit=visit, actor=supervisor, done_on=timezone.localdate(), child_seen=True, seen_by="Supervisor Bekova",
                 child_condition="good", family_condition="good", checklist={}, concerns="")
    api_client.post(RECORDS, record(visit.pk, seen_by="Worker Nurpeisova"), format="json")
    client.force_login(supervisor)
    html = client.get("/visits/conflicts/").content.decode()
    assert "Worker Nurpeisova" in html and "Supervisor Bekova" in html and "already recorded" in html
    client.force_login(UserFactory(role="supervisor", unit=DistrictFactory()))
    assert "Worker Nurpeisova" not in client.get("/visits/conflicts/").content.decode()


def test_the_conflict_lists_run_a_constant_number_of_queries(client, api_client, worker, supervisor,
                                                             django_assert_max_num_queries):
    for n in range(8):
        visit = VisitFactory(placement=PlacementFactory(case__assigned_worker=worker, case__responsible_unit=worker.unit))
        record_visit(visit=visit, actor=supervisor, done_on=timezone.localdate(), child_seen=True, seen_by="Supervisor",
                     child_condition="good", family_condition="good", checklist={}, concerns="")
        DeviceRecord.objects.create(
            device_id=uuid.uuid4(), worker=worker, unit=worker.unit, case=visit.placement.case, visit_id_sent=visit.pk,
            visit=visit, outcome="conflict", conflict_reason="already_recorded",
            payload={**record(visit.pk), "concerns": f"Note {n}"})
    api_client.force_authenticate(supervisor)
    # The count, the page (worker, case, child, visit, its worker and placement joined), view_sensitive.
    with django_assert_max_num_queries(4):
        response = api_client.get(CONFLICTS)
    assert response.data["count"] == 8 and {c["theirs"]["concerns"] for c in response.data["results"]} == {
        f"Note {n}" for n in range(8)}
    client.force_login(worker)
    # The same three, plus the session, the user and the header's unread count.
    with django_assert_max_num_queries(6):
        assert client.get("/visits/conflicts/").content.decode().count('class="card conflict"') == 8
