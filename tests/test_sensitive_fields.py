"""Sensitive fields (health, birth family, abuse history, visit concerns) are shown only with
view_sensitive on the case: its worker, its supervisors, or a share that includes them."""

import pytest
from rest_framework import serializers
from rest_framework.test import APIRequestFactory

from access.serializers import SensitiveFieldsMixin
from access.services import share_case
from cases.models import Case
from children.models import Child
from tests import factories
from visits.models import Visit

pytestmark = pytest.mark.django_db


class ChildSerializer(SensitiveFieldsMixin, serializers.ModelSerializer):
    class Meta:
        model = Child
        fields = ["id", "last_name", *Child.SENSITIVE_FIELDS]
        sensitive_via = "child"


class CaseSerializer(SensitiveFieldsMixin, serializers.ModelSerializer):
    child = ChildSerializer(read_only=True)

    class Meta:
        model = Case
        fields = ["id", "stage", "child"]
        sensitive_fields = ()


class VisitSerializer(SensitiveFieldsMixin, serializers.ModelSerializer):
    class Meta:
        model = Visit
        fields = ["id", "planned_on", "concerns"]
        sensitive_via = "placement"


def context_for(user) -> dict:
    request = APIRequestFactory().get("/")
    request.user = user
    return {"request": request}


@pytest.fixture
def case(worker):
    return factories.CaseFactory(
        assigned_worker=worker, responsible_unit=worker.unit,
        child__health_notes="epilepsy, on medication", child__abuse_or_neglect_history=True,
        child__abuse_history_notes="neglect at home until 2022", child__birth_family_notes="mother in Taraz",
    )


def test_the_assigned_worker_sees_the_sensitive_fields(worker, case):
    data = ChildSerializer(case.child, context=context_for(worker)).data
    assert data["health_notes"] == "epilepsy, on medication"
    assert data["abuse_history_notes"] == "neglect at home until 2022"


def test_the_supervisor_sees_the_sensitive_fields(supervisor, case):
    data = ChildSerializer(case.child, context=context_for(supervisor)).data
    assert data["birth_family_notes"] == "mother in Taraz"


def test_a_colleague_with_a_plain_share_gets_the_record_without_them(supervisor, case):
    colleague = factories.UserFactory(unit=case.responsible_unit)
    share_case(case=case, user=colleague, actor=supervisor)
    data = ChildSerializer(case.child, context=context_for(colleague)).data
    assert data["last_name"] == case.child.last_name
    for name in Child.SENSITIVE_FIELDS:
        assert name not in data


def test_a_share_that_includes_them_shows_them(supervisor, case):
    colleague = factories.UserFactory(unit=case.responsible_unit)
    share_case(case=case, user=colleague, actor=supervisor, include_sensitive=True)
    data = ChildSerializer(case.child, context=context_for(colleague)).data
    assert data["health_notes"] == "epilepsy, on medication"


def test_an_administrator_sees_the_record_without_them(case):
    from accounts.models import OrganisationalUnit

    admin = factories.UserFactory(role="administrator", unit=OrganisationalUnit.objects.get(code="ministry"))
    data = ChildSerializer(case.child, context=context_for(admin)).data
    assert "abuse_or_neglect_history" not in data


def test_without_a_request_the_fields_are_hidden(case):
    assert "health_notes" not in ChildSerializer(case.child).data


def test_visit_concerns_are_shown_to_the_worker_only(worker, supervisor):
    visit = factories.VisitFactory(
        placement__case__assigned_worker=worker, placement__case__responsible_unit=worker.unit, concerns="bruises seen"
    )
    colleague = factories.UserFactory(unit=worker.unit)
    share_case(case=visit.placement.case, user=colleague, actor=supervisor)
    assert VisitSerializer(visit, context=context_for(worker)).data["concerns"] == "bruises seen"
    assert "concerns" not in VisitSerializer(visit, context=context_for(colleague)).data


def test_a_page_of_mixed_rows_costs_one_query_and_hides_per_row(worker, supervisor, django_assert_num_queries):
    own = [factories.CaseFactory(assigned_worker=worker, responsible_unit=worker.unit, child__health_notes="asthma") for _ in range(3)]
    others = [factories.CaseFactory(responsible_unit=worker.unit, child__health_notes="asthma") for _ in range(3)]
    for case in others:
        share_case(case=case, user=worker, actor=supervisor)
    page = list(Case.objects.filter(pk__in=[c.pk for c in own + others]).select_related("child").order_by("pk"))
    with django_assert_num_queries(1):
        rows = CaseSerializer(page, many=True, context=context_for(worker)).data
    shown = {row["id"]: "health_notes" in row["child"] for row in rows}
    assert shown == {**{c.pk: True for c in own}, **{c.pk: False for c in others}}
