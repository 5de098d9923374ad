"""Issue 14, items 1 and 6: no choice list, filter or error tells a user about a record outside
their visibility. The API answers JSON only (no browsable forms listing every child and user); a
filter naming another unit's record answers exactly as one naming a record that does not exist;
a write naming a foreign record answers as one naming nothing."""

import datetime as dt

import pytest

from tests import factories

pytestmark = pytest.mark.django_db

UNKNOWN = 999_999_999


@pytest.fixture
def foreign(worker):
    """A placed child of another region with a family, a visit, a document, a consent and a family
    event: all outside the worker's visibility."""
    from documents.models import Document
    from risk.models import FamilyEvent

    astana = factories.DistrictFactory(region=factories.region_by_code("astana"))
    stranger = factories.UserFactory(unit=astana)
    group = factories.SiblingGroupFactory()
    family = factories.FamilyFactory(region=astana.region, responsible_unit=astana)
    placement = factories.PlacementFactory(
        case__assigned_worker=stranger, case__responsible_unit=astana, case__child__region=astana.region,
        case__child__sibling_group=group, case__child__last_name="Foreignchild", family=family,
        case__child__birth_date=dt.date(2017, 1, 9),
    )
    visit = factories.VisitFactory(placement=placement)
    document = Document.objects.create(
        case=placement.case, doc_type="other", document_date=dt.date(2025, 1, 1), original_name="x.pdf",
        content_type="application/pdf", size=1, sha256="0" * 64, uploaded_by=stranger, file="x.pdf",
    )
    FamilyEvent.objects.create(family=family, kind=FamilyEvent.Kind.choices[0][0], occurred_on=dt.date(2025, 1, 1),
                               recorded_by=stranger)
    return {"case": placement.case, "child": placement.child, "family": family, "placement": placement, "visit": visit,
            "user": stranger, "sibling_group": group, "document": document}


# (list URL, query parameter, which foreign record it names)
FILTERS = [
    ("/api/v1/cases/", "child", "child"),
    ("/api/v1/cases/", "assigned_worker", "user"),
    ("/api/v1/placements/", "case", "case"),
    ("/api/v1/placements/", "child", "child"),
    ("/api/v1/placements/", "family", "family"),
    ("/api/v1/children/", "sibling_group", "sibling_group"),
    ("/api/v1/visits/", "placement", "placement"),
    ("/api/v1/documents/", "case", "case"),
    ("/api/v1/documents/", "child", "child"),
    ("/api/v1/documents/", "family", "family"),
    ("/api/v1/consents/", "case", "case"),
    ("/api/v1/emergency-access/", "case", "case"),
    ("/api/v1/emergency-access/", "user", "user"),
    ("/api/v1/risk/family-events/", "family", "family"),
]


@pytest.mark.parametrize(("url", "param", "kind"), FILTERS)
def test_a_foreign_id_in_a_filter_answers_as_an_unknown_id(api_client, worker, foreign, url, param, kind):
    api_client.force_authenticate(worker)
    named = api_client.get(f"{url}?{param}={foreign[kind].pk}")
    unknown = api_client.get(f"{url}?{param}={UNKNOWN}")
    assert named.status_code == unknown.status_code == 400
    assert named.json() == unknown.json()


def test_a_foreign_case_in_the_matches_filter_answers_as_an_unknown_one(api_client, worker, foreign):
    own = factories.CaseFactory(assigned_worker=worker, responsible_unit=worker.unit)
    api_client.force_authenticate(worker)
    named = api_client.get(f"/api/v1/cases/{own.pk}/matches/?child={foreign['child'].pk}")
    unknown = api_client.get(f"/api/v1/cases/{own.pk}/matches/?child={UNKNOWN}")
    assert (named.status_code, named.json()) == (unknown.status_code, unknown.json())


@pytest.mark.parametrize("url", ["/api/v1/cases/", "/api/v1/placements/", "/api/v1/documents/", "/api/v1/risk/family-events/",
                                 "/api/v1/children/", "/api/v1/families/"])
def test_the_api_never_renders_html_forms(api_client, worker, foreign, url):
    """The browsable API (a <select> of every child, family and user) is off outside DEBUG."""
    api_client.force_authenticate(worker)
    as_html = api_client.get(url, HTTP_ACCEPT="text/html")
    assert as_html.status_code == 406
    body = as_html.content.decode()
    assert "<select" not in body and "Foreignchild" not in body
    assert api_client.get(url + "?format=api").status_code == 404


def test_the_quick_start_keeps_the_browsable_api_and_production_does_not(monkeypatch):
    import importlib

    from django.conf import settings

    assert settings.REST_FRAMEWORK["DEFAULT_RENDERER_CLASSES"] == ["rest_framework.renderers.JSONRenderer"]
    monkeypatch.setenv("DEBUG", "1")
    local = importlib.import_module("config.settings.local")
    assert "rest_framework.renderers.BrowsableAPIRenderer" in local.REST_FRAMEWORK["DEFAULT_RENDERER_CLASSES"]


def test_an_own_id_in_a_filter_still_filters(api_client, worker):
    mine = factories.CaseFactory(assigned_worker=worker, responsible_unit=worker.unit)
    factories.CaseFactory(assigned_worker=worker, responsible_unit=worker.unit)
    api_client.force_authenticate(worker)
    response = api_client.get(f"/api/v1/cases/?child={mine.child_id}")
    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [mine.pk]


def test_the_filter_form_draws_no_choice_list():
    """Even where a form is drawn (the quick start's browsable API), a foreign-key filter is a number
    box, never a <select> of the table."""
    from cases.api.filters import CaseFilter, PlacementFilter

    for filterset in (CaseFilter, PlacementFilter):
        html = str(filterset(data={}, queryset=filterset._meta.model.objects.none(), request=None).form)
        assert '<select name="child"' not in html and '<select name="family"' not in html
        assert 'type="number" name="child"' in html


def test_registering_a_child_into_a_foreign_sibling_group_answers_as_an_unknown_group(api_client, worker, foreign):
    from tests.factories import valid_iin

    api_client.force_authenticate(worker)
    body = {"last_name": "Serikbayev", "first_name": "Dias", "birth_date": "2019-04-02", "sex": "M",
            "legal_status": "orphan", "region": "almaty", "entered_care_on": "2024-02-01",
            "iin": valid_iin(dt.date(2019, 4, 2), "M", 91)}
    named = api_client.post("/api/v1/children/", {**body, "sibling_group": foreign["sibling_group"].pk}, format="json")
    unknown = api_client.post("/api/v1/children/", {**body, "sibling_group": UNKNOWN}, format="json")
    assert named.status_code == unknown.status_code == 400
    assert named.json()["sibling_group"] == [m.replace(str(UNKNOWN), str(foreign["sibling_group"].pk))
                                             for m in unknown.json()["sibling_group"]]
    worker_named = api_client.post("/api/v1/children/", {**body, "assigned_worker": foreign["user"].pk}, format="json")
    assert worker_named.status_code == 400 and "does not exist" in worker_named.json()["assigned_worker"][0]
