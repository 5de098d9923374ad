"""Issue 14, item 2 (and the matching sibling of item 3): outside its unit a family is an anonymous
profile in the ranking, on the page and in the API alike, until it is chosen for acquaintance on the
worker's case; then the worker sees its name and the family's unit is told who opened it. Without
view_sensitive the health factor (from the child's health needs) is left out of the ranking."""

import pytest
from django.urls import reverse

from access.services import share_case
from cases.models import Stage
from matching.models import Acquaintance
from notifications.models import Notification
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def matching(worker, supervisor):
    astana = factories.DistrictFactory(region=factories.region_by_code("astana"))
    astana_supervisor = factories.UserFactory(role="supervisor", unit=astana.parent)
    case = factories.CaseFactory(assigned_worker=worker, responsible_unit=worker.unit, stage=Stage.MATCHING,
                                 form_of_care="adoption", child__health_needs=2)
    foreign = factories.FamilyFactory(form_of_care="adoption", responsible_unit=astana, region=astana.region)
    factories.ApplicantFactory(family=foreign, last_name="Zhanibekova")
    own = factories.FamilyFactory(form_of_care="adoption", responsible_unit=worker.unit)
    factories.ApplicantFactory(family=own, last_name="Omarova")
    return {"case": case, "foreign": foreign, "own": own, "astana_supervisor": astana_supervisor}


def test_the_matching_page_shows_a_foreign_family_as_an_anonymous_profile(client, worker, matching):
    client.force_login(worker)
    page = client.get(reverse("web:case-matching", args=[matching["case"].pk])).content.decode()
    assert "Omarova" in page  # a family of the worker's own unit is named
    assert "Zhanibekova" not in page
    assert f"Family №\u00a0{matching['foreign'].pk}" in page and "anonymous profile" in page


def test_the_api_matches_follow_the_same_policy(api_client, worker, matching):
    api_client.force_authenticate(worker)
    results = api_client.get(f"/api/v1/cases/{matching['case'].pk}/matches/").json()["results"]
    names = {row["family"]: row["name"] for row in results}
    assert names[matching["foreign"].pk] is None
    assert "Omarova" in names[matching["own"].pk]
    assert "Zhanibekova" not in str(results)


def test_choosing_a_foreign_family_names_it_and_tells_its_unit(client, worker, matching):
    client.force_login(worker)
    url = reverse("web:case-acquaintance", args=[matching["case"].pk])
    assert client.post(url, {"family": matching["foreign"].pk}).status_code == 302
    matching["case"].refresh_from_db()
    assert matching["case"].stage == Stage.ACQUAINTANCE
    assert Acquaintance.objects.filter(case=matching["case"], family=matching["foreign"], chosen_by=worker).exists()
    page = client.get(reverse("web:case-matching", args=[matching["case"].pk])).content.decode()
    assert "Zhanibekova" in page
    note = Notification.objects.get(recipient=matching["astana_supervisor"], kind="family_chosen")
    assert str(matching["foreign"].pk) in note.title and worker.get_full_name() in note.title
    assert matching["case"].child.last_name not in note.title + note.body
    # The worker now sees the family's record, too.
    from access.selectors import families_visible_to

    assert families_visible_to(worker).filter(pk=matching["foreign"].pk).exists()


def test_an_unranked_family_answers_as_an_unknown_one(api_client, worker, matching):
    not_eligible = factories.FamilyFactory(form_of_care="guardianship")
    api_client.force_authenticate(worker)
    url = f"/api/v1/cases/{matching['case'].pk}/acquaintances/"
    foreign = api_client.post(url, {"family": not_eligible.pk}, format="json")
    unknown = api_client.post(url, {"family": 999_999_999}, format="json")
    assert foreign.status_code == unknown.status_code == 400
    assert foreign.json() == unknown.json()
    assert api_client.post(url, {"family": matching["foreign"].pk}, format="json").status_code == 201


def test_a_view_only_share_may_not_choose(api_client, supervisor, matching, worker):
    colleague = factories.UserFactory(unit=worker.unit)
    share_case(case=matching["case"], user=colleague, actor=supervisor)
    api_client.force_authenticate(colleague)
    response = api_client.post(f"/api/v1/cases/{matching['case'].pk}/acquaintances/",
                               {"family": matching["foreign"].pk}, format="json")
    assert response.status_code == 403
    assert not Acquaintance.objects.exists()


def test_a_decision_names_only_a_family_the_worker_sees(api_client, worker, matching):
    case = matching["case"]
    case.stage = Stage.ACQUAINTANCE
    case.save()
    api_client.force_authenticate(worker)
    url = f"/api/v1/cases/{case.pk}/transition/"
    refused = api_client.post(url, {"to_stage": "decision", "family": matching["foreign"].pk}, format="json")
    unknown = api_client.post(url, {"to_stage": "decision", "family": 999_999_999}, format="json")
    assert refused.status_code == unknown.status_code == 400
    assert "family" in refused.json()
    Acquaintance.objects.create(case=case, family=matching["foreign"], chosen_by=worker)
    assert api_client.post(url, {"to_stage": "decision", "family": matching["foreign"].pk}, format="json").status_code == 200


def test_without_view_sensitive_the_health_factor_is_left_out(api_client, supervisor, worker, matching):
    colleague = factories.UserFactory(unit=worker.unit)
    share_case(case=matching["case"], user=colleague, actor=supervisor)
    api_client.force_authenticate(worker)
    own_view = api_client.get(f"/api/v1/cases/{matching['case'].pk}/matches/").json()["results"]
    assert all("health" in {f["factor"] for f in row["factors"]} for row in own_view)
    api_client.force_authenticate(colleague)
    shared_view = api_client.get(f"/api/v1/cases/{matching['case'].pk}/matches/").json()["results"]
    for row in shared_view:
        assert "health" not in {f["factor"] for f in row["factors"]}
        assert row["score"] == pytest.approx(sum(f["points"] for f in row["factors"]), abs=0.05)
    assert "health needs" not in str(shared_view)
