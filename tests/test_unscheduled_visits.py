"""Unscheduled (urgent or extra) visits: recorded on their own, the next planned visit stays to do,
the risk of return is recomputed."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.models import Stage
from risk.models import PlacementRisk
from risk.services import recompute_risk
from tests import factories
from visits.models import Visit

pytestmark = pytest.mark.django_db


@pytest.fixture
def placement(worker):
    case = factories.CaseFactory(stage=Stage.PLACED, assigned_worker=worker, responsible_unit=worker.unit, form_of_care="adoption")
    placement = factories.PlacementFactory(case=case)
    factories.VisitFactory(placement=placement, planned_on=timezone.localdate() + dt.timedelta(days=10))
    recompute_risk(placement=placement, reason="placement_start")
    return placement


def data(**overrides):
    values = {"kind": "urgent", "done_on": timezone.localdate().isoformat(), "child_seen": "true", "seen_by": "Worker",
              "child_condition": "serious_concerns", "family_condition": "serious_concerns", "concerns": "Bruises on the arm."}
    values.update(overrides)
    return values


def test_an_urgent_visit_is_recorded_without_using_up_the_planned_one_and_raises_the_risk(client, worker, placement):
    before = PlacementRisk.objects.get(placement=placement).score
    client.force_login(worker)
    response = client.post(reverse("web:visit-unscheduled", args=[placement.case_id, placement.pk]), data())
    assert response.status_code == 302 and response["Location"].endswith("#risk")
    urgent = Visit.objects.get(placement=placement, kind="urgent")
    assert urgent.done_on == timezone.localdate() and urgent.worker == worker
    assert Visit.objects.filter(placement=placement, kind="scheduled", done_on__isnull=True).count() == 1
    assert PlacementRisk.objects.get(placement=placement).score > before
    page = client.get(reverse("web:case", args=[placement.case_id])).content.decode()
    assert "urgent visit (unscheduled)" in page


def test_a_future_unscheduled_visit_is_refused_beside_the_date_and_nothing_is_saved(client, worker, placement):
    client.force_login(worker)
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    response = client.post(reverse("web:visit-unscheduled", args=[placement.case_id, placement.pk]), data(done_on=tomorrow))
    assert response.status_code == 400
    shown = (timezone.localdate() + dt.timedelta(days=1)).strftime("%d.%m.%Y")  # as the pages write dates
    assert response.context["form"].errors["done_on"] == [f"{shown} is in the future: give a date that has already passed."]
    assert "Bruises on the arm." in response.content.decode()
    assert not Visit.objects.filter(placement=placement, kind="urgent").exists()


def test_a_view_only_share_may_not_record_an_unscheduled_visit(client, worker, supervisor, placement):
    from access.services import share_case

    colleague = factories.UserFactory(role="social_worker", unit=worker.unit)
    share_case(case=placement.case, user=colleague, actor=supervisor, reason="cover")
    client.force_login(colleague)
    response = client.post(reverse("web:visit-unscheduled", args=[placement.case_id, placement.pk]), data())
    assert response.status_code == 403
    assert not Visit.objects.filter(placement=placement, kind="urgent").exists()


def test_the_service_refuses_a_planned_kind_and_an_ended_placement(worker, placement):
    from core.exceptions import DomainError
    from visits.services import record_unscheduled_visit

    fields = {"done_on": timezone.localdate(), "child_seen": True, "seen_by": "W", "child_condition": "good",
              "family_condition": "good", "checklist": {}}
    with pytest.raises(DomainError) as error:
        record_unscheduled_visit(placement=placement, actor=worker, kind="scheduled", **fields)
    assert error.value.field == "kind"
    placement.ended_on = timezone.localdate()
    placement.end_reason = "came_of_age"
    placement.save()
    with pytest.raises(DomainError):
        record_unscheduled_visit(placement=placement, actor=worker, kind="unscheduled", **fields)
    assert not Visit.objects.filter(placement=placement, kind__in=["urgent", "unscheduled"]).exists()
