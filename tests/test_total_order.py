"""Every list, API and pages, pages in a total order: whatever ordering the user picks, paging
through shows every row exactly once (issue 15, item 4: ``/api/v1/cases/?ordering=stage`` showed 9 of
158 cases twice and lost 9 others, because nothing broke the ties between cases of one stage)."""

import datetime as dt
import re
import uuid

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from rest_framework.mixins import ListModelMixin
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from core.ordering import TotalOrderingFilter, with_total_order
from tests import factories

ROWS = 5  # per list, all tied on every ordering field
PAGE = 2


def list_endpoints() -> list[tuple[str, type]]:
    """(route, view class) of every list the API serves, found from the URL configuration, so a new
    list is covered without touching this test."""

    def walk(patterns: list, prefix: str = ""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern):
                yield prefix + str(pattern.pattern), pattern.callback

    found = []
    for route, callback in walk(get_resolver().url_patterns):
        cls = getattr(callback, "cls", None)
        actions = getattr(callback, "actions", None)
        if cls and issubclass(cls, ListModelMixin) and (actions is None or actions.get("get") == "list"):
            found.append((route, cls))
    return found


def _url(route: str, case_id: int) -> str:
    return "/" + re.sub(r"<int:pk>", str(case_id), route.replace("^", "").replace("$", ""))


@pytest.fixture
def world(supervisor, worker, district):
    """ROWS rows of everything a supervisor lists, tied on every date, stage and name."""
    from access.models import CaseShare
    from audit.models import AccessLog
    from documents.models import Document
    from emergency.models import EmergencyAccess
    from notifications.models import Notification
    from risk.models import FamilyEvent
    from visitkit.models import DeviceRecord

    now = timezone.now()
    today = timezone.localdate()
    family = factories.FamilyFactory(responsible_unit=district)
    cases = []
    for _ in range(ROWS):
        home = factories.ChildrensHomeFactory(name="Same home")
        placement = factories.PlacementFactory(
            case__assigned_worker=worker, case__responsible_unit=district, case__child__last_name="Same",
            case__child__current_home=home, family=factories.FamilyFactory(responsible_unit=district),
            started_on=today - dt.timedelta(days=60),
        )
        placement.case.__class__.objects.filter(pk=placement.case_id).update(stage_entered_at=now)
        factories.VisitFactory(placement=placement, planned_on=today + dt.timedelta(days=3))
        factories.ConsentFactory(case=placement.case)
        cases.append(placement.case)
    case = cases[0]
    for other in cases:
        Document.objects.create(
            case=other, doc_type="other", document_date=dt.date(2025, 1, 1), file="documents/x.pdf", original_name="x.pdf",
            content_type="application/pdf", size=10, sha256="0" * 64, uploaded_by=worker, uploaded_at=now,
        )
        EmergencyAccess.objects.create(case=other, user=worker, reason="night", opened_at=now,
                                       expires_at=now + dt.timedelta(hours=24))
        CaseShare.objects.create(case=case, user=factories.UserFactory(unit=district), granted_by=supervisor, granted_at=now)
        AccessLog.objects.create(user=supervisor, kind="case", case=case, child=case.child)
        FamilyEvent.objects.create(family=family, kind=FamilyEvent.Kind.values[0], occurred_on=today, recorded_by=worker)
        Notification.objects.create(recipient=supervisor, kind="high_risk", subject_key=f"case:{other.pk}", due_on=today,
                                    title="t", case=other)
        DeviceRecord.objects.create(
            device_id=uuid.uuid4(), worker=worker, unit=district, case=other, visit_id_sent=0, outcome="conflict",
            conflict_reason="reassigned", payload={}, made_at=now,
        )
        case.save()  # one more history row of the case
    DeviceRecord.objects.update(received_at=now)
    return case


def _orderings(cls: type, user, case_id: int) -> list[str]:
    """Every value of ?ordering= the view accepts, ascending and descending ("" for its default)."""
    view = cls()
    view.request = Request(APIRequestFactory().get("/"))
    view.request.user = user
    view.format_kwarg = None
    view.kwargs = {"pk": case_id}
    view.action = "list"
    fields = TotalOrderingFilter().get_valid_fields(view.get_queryset(), view, {"request": view.request})
    names = [name for name, _label in fields]
    return ["", *names, *(f"-{name}" for name in names)]


def test_every_list_endpoint_is_covered_and_orders_by_the_primary_key_last(supervisor):
    from rest_framework.settings import api_settings

    assert TotalOrderingFilter in api_settings.DEFAULT_FILTER_BACKENDS
    routes = {route for route, _cls in list_endpoints()}
    # The lists of this test: a list added later is found by list_endpoints() and paged below.
    assert {"api/v1/^cases/$", "api/v1/^visits/$", "api/v1/access/cases/<int:pk>/history/"} <= routes


@pytest.mark.parametrize("route,cls", list_endpoints(), ids=lambda v: v if isinstance(v, str) else v.__name__)
def test_paging_through_each_ordering_shows_every_row_once(route, cls, api_client, supervisor, world, monkeypatch):
    monkeypatch.setattr(PageNumberPagination, "page_size", PAGE)
    api_client.force_authenticate(supervisor)
    url = _url(route, world.pk)
    orderings = _orderings(cls, supervisor, world.pk) if cls.filter_backends else [""]
    assert orderings
    for ordering in orderings:
        params = {"ordering": ordering} if ordering else {}
        seen: list = []
        page, count = 1, None
        while True:
            response = api_client.get(url, {**params, "page": page})
            assert response.status_code == 200, (url, ordering, response.content[:300])
            body = response.json()
            count = body.get("count")  # None for a list paged without a total (core.pagination)
            seen += [row.get("id", row.get("history_id")) for row in body["results"]]
            if not body["next"]:
                break
            page += 1
        count = len(seen) if count is None else count
        assert count >= ROWS, (url, "the fixture should give each list more than two pages")
        assert len(seen) == count, (url, ordering)
        assert len(set(seen)) == count, (url, ordering, "a row shown twice")


def test_the_cases_list_ordered_by_stage_pages_every_case_once(api_client, supervisor, worker, district, monkeypatch):
    """The reported input: many cases of one stage, ?ordering=stage, a supervisor paging through."""
    monkeypatch.setattr(PageNumberPagination, "page_size", 7)
    for stage in ("registered", "available", "matching"):
        for _ in range(12):
            factories.CaseFactory(assigned_worker=worker, responsible_unit=district, stage=stage)
    api_client.force_authenticate(supervisor)
    for ordering in ("stage", "-stage"):
        seen = []
        page = 1
        while True:
            body = api_client.get("/api/v1/cases/", {"ordering": ordering, "page": page}).json()
            seen += [row["id"] for row in body["results"]]
            if not body["next"]:
                break
            page += 1
        assert len(seen) == len(set(seen)) == 36
    # The query itself ends with the primary key, whatever the planner would do with the ties.
    from cases.selectors import case_list

    assert with_total_order(case_list(user=supervisor).order_by("stage")).query.order_by[-1] == "pk"
    assert with_total_order(case_list(user=supervisor).order_by("-stage")).query.order_by[-1] == "-pk"


def test_with_total_order_keeps_an_order_that_already_names_the_primary_key(supervisor):
    from cases.models import Case

    assert with_total_order(Case.objects.order_by("-stage_entered_at", "id")).query.order_by == ("-stage_entered_at", "id")
    # An unordered queryset takes its model's default ordering, then the key.
    from access.models import CaseShare

    assert with_total_order(CaseShare.objects.all()).query.order_by[-1] in ("pk", "-pk", "id", "-id")


def test_the_pages_lists_page_every_row_once(client, worker, district, monkeypatch):
    """My cases (each order it offers) and the inbox page, 36 cases tied on the stage date."""
    from web.views import common

    now = timezone.now()
    for _ in range(36):
        factories.CaseFactory(assigned_worker=worker, responsible_unit=district)
    from cases.models import Case

    Case.objects.update(stage_entered_at=now)
    client.force_login(worker)
    monkeypatch.setattr(common, "PAGE_SIZE", 7)
    for order in ("recent", "visit"):
        seen = []
        for page in range(1, 7):
            response = client.get("/cases/", {"order": order, "page": page})
            assert response.status_code == 200
            seen += [int(pk) for pk in re.findall(r"№&nbsp;(\d+)</a>", response.content.decode())]
        assert len(seen) == len(set(seen)) == 36, order
