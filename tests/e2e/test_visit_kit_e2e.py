"""The visit kit in a browser with the connection cut (issue 22): prepare, go offline, record visits
(one with serious concerns, one on a case reassigned meanwhile), come online with the session ended,
sign in and the queue is sent; each visit is on the server once, the risk follows, sending again
creates nothing, the reassigned one is a conflict the worker and the supervisor see with both
versions, and signing out leaves no cache or IndexedDB."""

import datetime as dt

import pytest
from django.contrib.sessions.models import Session
from django.utils import timezone

from access.services import reassign_case
from cases.models import Stage
from risk.models import PlacementRisk
from tests import factories
from tests.e2e.browsing import PASSWORD, sign_in
from visitkit.models import DeviceRecord
from visits.models import Visit

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def kit(db):
    today = timezone.localdate()
    district = factories.DistrictFactory()
    worker = factories.UserFactory(username="aigerim", first_name="Aigerim", last_name="Nurpeisova", unit=district)
    colleague = factories.UserFactory(username="daniyar", unit=district)
    supervisor = factories.UserFactory(username="gulnara", role="supervisor", unit=district.parent)
    visits = []
    for n, name in enumerate(("Abenova", "Baimukhanov", "Dauletova", "Ermekov")):
        case = factories.CaseFactory(assigned_worker=worker, responsible_unit=district, stage=Stage.PLACED,
                                     child__last_name=name, child__first_name="Test")
        placement = factories.PlacementFactory(case=case, started_on=today - dt.timedelta(days=100))
        factories.ApplicantFactory(family=placement.family, last_name="Carer", first_name=name)
        visits.append(factories.VisitFactory(placement=placement, planned_on=today + dt.timedelta(days=n)))
    return {"worker": worker, "colleague": colleague, "supervisor": supervisor, "visits": visits}


def record_offline(page, visit: Visit, *, concerns: str = "") -> None:
    page.click(f"li[data-visit='{visit.pk}'] button[data-record]")
    page.wait_for_selector("#kit-form:not([hidden])")
    page.check("#id_child_seen_0")  # "Yes": the question has no default answer
    page.fill("#id_seen_by", "Aigerim Nurpeisova")
    condition = "serious_concerns" if concerns else "good"
    page.select_option("#id_child_condition", condition)
    page.select_option("#id_family_condition", condition)
    page.check("#id_check_child_healthy")
    page.fill("#id_concerns", concerns)
    page.click("#kit-form button[type=submit]")
    page.wait_for_selector(f"li[data-visit='{visit.pk}'] .kit-queued")


def test_visits_recorded_offline_are_sent_once_conflicts_are_kept_and_sign_out_erases_the_kit(page, shoot, kit):
    visits = kit["visits"]
    sign_in(page, "aigerim")
    page.wait_for_url("**/cases/")
    page.goto("/visits/kit/")
    page.click("#kit-prepare")
    page.wait_for_selector(f"li[data-visit='{visits[3].pk}']")
    assert "Carer Ermekov" in page.inner_text("#kit-visits")
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")

    # Offline: the page itself comes from the service worker, the visits from IndexedDB.
    page.context.set_offline(True)
    page.reload()
    page.wait_for_selector(f"li[data-visit='{visits[0].pk}'] button[data-record]")
    assert "No connection" in page.inner_text("#kit-connection")
    # Meanwhile the supervisor gives the fourth case to a colleague.
    reassign_case(case=visits[3].placement.case, worker=kit["colleague"], actor=kit["supervisor"])
    record_offline(page, visits[0])
    record_offline(page, visits[1], concerns="Bruises on the arms; the carer was evasive.")
    record_offline(page, visits[2])
    record_offline(page, visits[3])
    assert page.inner_text("#kit-waiting") == "4"
    shoot("kit-offline-queue")
    queued = page.evaluate("""() => new Promise((resolve) => {
        const open = indexedDB.open("otbasy-visit-kit");
        open.onsuccess = () => { const r = open.result.transaction("queue").objectStore("queue").getAll();
                                 r.onsuccess = () => resolve(r.result); };
    })""")
    assert len({r["device_id"] for r in queued}) == 4

    # Back online with the session ended meanwhile: the page asks to sign in, then sends the queue.
    Session.objects.all().delete()
    page.context.set_offline(False)
    page.wait_for_selector("#kit-sync >> text=Your session has ended")
    assert page.inner_text("#kit-waiting") == "4"
    page.click("#kit-sync a")
    page.fill("#id_username", "aigerim")
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url("**/visits/kit/")
    page.wait_for_function("() => document.getElementById('kit-waiting').textContent === '0'")
    page.wait_for_selector("#kit-sync >> text=Sent. Recorded: 3; kept as conflicts: 1.")
    done = Visit.objects.filter(pk__in=[v.pk for v in visits], done_on__isnull=False)
    assert sorted(done.values_list("pk", flat=True)) == sorted(v.pk for v in visits[:3])
    assert PlacementRisk.objects.get(placement_id=visits[1].placement_id).band == "high"
    # A second send of the same records (a lost answer, a retry) creates nothing.
    statuses = page.evaluate("""(records) => Promise.all(records.map((r) => fetch("/api/v1/visit-kit/records/", {
        method: "POST", credentials: "same-origin", body: JSON.stringify(r),
        headers: {"Content-Type": "application/json",
                  "X-CSRFToken": document.cookie.match(/csrftoken=([^;]+)/)[1]}}).then((x) => x.status)))""", queued)
    assert statuses == [200, 200, 200, 200]
    assert Visit.objects.filter(done_on__isnull=False).count() == 3
    assert list(DeviceRecord.objects.values_list("outcome", flat=True).order_by("outcome")) == ["conflict"] + ["recorded"] * 3

    page.goto("/visits/conflicts/")
    assert "the case was given to another worker" in page.inner_text("main")

    # Sign-out erases the caches, the service worker and the IndexedDB store.
    page.click("header button:has-text('Sign out')")
    page.wait_for_url("**/accounts/login/**")
    left = page.evaluate("""async () => ({caches: await caches.keys(), dbs: (await indexedDB.databases()).map((d) => d.name),
                                          workers: (await navigator.serviceWorker.getRegistrations()).length})""")
    assert left == {"caches": [], "dbs": [], "workers": 0}

    sign_in(page, "gulnara")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    page.goto("/visits/conflicts/")
    conflict = page.inner_text("main")
    assert "Ermekov" in conflict and "Aigerim Nurpeisova" in conflict
    shoot("kit-conflict-supervisor")
