"""The hand-written fast paths of issue 20 answer exactly what the slower general ones did: the cases'
JSON written without DRF's field machinery equals DRF's field-by-field representation, a list that
names no filter is the list the filter set would give, and the access log's one-statement INSERT
writes the same row as before (bench/README.md has the timings; nothing is timed here)."""

import datetime as dt

import pytest
from django.contrib.auth.models import Group, Permission
from django.utils import timezone

from access.models import CaseGroupObjectPermission
from access.selectors import case_row_visible_to, cases_visible_to, granted_case_ids
from access.services import grant_case_permissions
from audit.models import AccessLog
from audit.services import log_access
from cases.api.serializers import CaseDetailSerializer, CaseOutputSerializer
from cases.models import SiblingSeparationDecision, Stage, StageChange
from cases.selectors import case_detail_for, case_detail_queryset, case_detail_rows
from regions.models import Region
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def cases(worker, district, supervisor):
    open_case = factories.CaseFactory(assigned_worker=worker, responsible_unit=district, form_of_care="adoption")
    StageChange.objects.create(case=open_case, from_stage="", to_stage="registered", reason="", actor=None)
    StageChange.objects.create(case=open_case, from_stage="registered", to_stage="available", reason="Status «ok»",
                               actor=worker, changed_at=timezone.now() - dt.timedelta(days=3))
    SiblingSeparationDecision.objects.create(case=open_case, reason="Different needs", decided_by=supervisor)
    reviewed = factories.CaseFactory(
        assigned_worker=None, responsible_unit=district, decision_status="rejected", decision_reviewed_by=supervisor,
        decision_reviewed_at=timezone.now(), decision_review_reason="Папка неполная", decision_family=factories.FamilyFactory(),
    )
    closed = factories.CaseFactory(assigned_worker=worker, responsible_unit=district, stage=Stage.CLOSED,
                                   outcome="permanency", closed_on=timezone.localdate())
    return [open_case, reviewed, closed]


@pytest.mark.parametrize("language", ["en", "kk"])
def test_the_cases_json_written_by_hand_equals_drfs_field_by_field(supervisor, cases, settings, language):
    settings.LANGUAGE_CODE = language
    shown = {}
    for case in case_detail_queryset(user=supervisor).filter(pk__in=[c.pk for c in cases]):
        assert CaseOutputSerializer(case).data == CaseOutputSerializer().field_by_field(case)
        shown[case.pk] = CaseDetailSerializer(case).data
        assert shown[case.pk] == CaseDetailSerializer().field_by_field(case)
        # The API's detail reads the history and decisions in one query (case_detail_rows): the same JSON.
        case.detail_rows = case_detail_rows(case.pk)
        assert CaseDetailSerializer(case).data == shown[case.pk]
        # ... and the API's detail reads the case, its child and that history in one statement.
        assert CaseDetailSerializer(case_detail_for(user=supervisor, pk=case.pk)).data == shown[case.pk]
    # Oldest change first; a change without an actor shows null.
    assert [h["actor"] for h in shown[cases[0].pk]["history"]] == [cases[0].assigned_worker.username, None]


def test_a_list_naming_no_filter_equals_the_filtered_list_and_a_filter_still_applies(api_client, supervisor, cases):
    api_client.force_authenticate(supervisor)
    plain = api_client.get("/api/v1/cases/").json()
    assert plain["count"] == 3
    assert api_client.get("/api/v1/cases/?page=1&ordering=-stage_entered_at").json()["count"] == 3
    closed = api_client.get("/api/v1/cases/", {"stage": "closed"}).json()
    assert [c["id"] for c in closed["results"]] == [cases[2].pk]
    assert api_client.get("/api/v1/cases/", {"stage": "nonsense"}).status_code == 400


def test_the_grants_lookup_counts_user_and_group_grants_in_force_only(worker, district):
    shared, by_group, expired = (factories.CaseFactory(responsible_unit=district) for _ in range(3))
    grant_case_permissions(users=[worker], case_ids=[shared.pk], codenames=["view_case"])
    grant_case_permissions(users=[worker], case_ids=[expired.pk], codenames=["view_case"],
                           expires_at=timezone.now() - dt.timedelta(minutes=1))
    group = Group.objects.create(name="team")
    worker.groups.add(group)
    CaseGroupObjectPermission.objects.create(group=group, content_object=by_group,
                                             permission=Permission.objects.get(codename="view_case"))

    assert granted_case_ids(worker) == sorted([shared.pk, by_group.pk])
    assert granted_case_ids(worker, "change_case") == []


def test_the_access_log_row_is_written_in_one_statement(worker, case_for_log, django_assert_num_queries):
    with django_assert_num_queries(1):
        entry = log_access(user=worker, case_id=case_for_log.pk, child_id=case_for_log.child_id)
    row = AccessLog.objects.get(pk=entry.pk)
    assert (row.user_id, row.kind, row.case_id, row.child_id, row.emergency, row.saw_sensitive) == \
        (worker.pk, "case", case_for_log.pk, case_for_log.child_id, False, False)
    assert row.viewed_at == entry.viewed_at
    with pytest.raises(ValueError):
        log_access(user=worker)


@pytest.fixture
def case_for_log(worker, district):
    return factories.CaseFactory(assigned_worker=worker, responsible_unit=district)


def test_the_detail_decides_visibility_on_the_row_as_the_querysets_do(worker, supervisor, analyst, district, region):
    """case_row_visible_to (the API's detail) against cases_visible_to for every role and kind of access."""
    colleague = factories.UserFactory(role="social_worker", unit=district)
    elsewhere = factories.DistrictFactory(region=Region.objects.exclude(pk=region.pk).order_by("code").first())
    stranger = factories.UserFactory(role="supervisor", unit=elsewhere)
    administrator = factories.UserFactory(role="administrator", unit=district)
    own = factories.CaseFactory(assigned_worker=worker, responsible_unit=district)
    colleagues = factories.CaseFactory(assigned_worker=colleague, responsible_unit=district)
    shared, expired, by_group = (factories.CaseFactory(assigned_worker=colleague, responsible_unit=district) for _ in range(3))
    unassigned = factories.CaseFactory(assigned_worker=None, responsible_unit=district)
    far = factories.CaseFactory(assigned_worker=None, responsible_unit=elsewhere)
    grant_case_permissions(users=[worker], case_ids=[shared.pk, far.pk], codenames=["view_case"])
    grant_case_permissions(users=[worker], case_ids=[expired.pk], codenames=["view_case"],
                           expires_at=timezone.now() - dt.timedelta(minutes=1))
    group = Group.objects.create(name="team")
    worker.groups.add(group)
    CaseGroupObjectPermission.objects.create(group=group, content_object=by_group,
                                             permission=Permission.objects.get(codename="view_case"))
    every_case = [own, colleagues, shared, expired, by_group, unassigned, far]
    for user in (worker, colleague, supervisor, stranger, administrator, analyst):
        visible = set(cases_visible_to(user).values_list("pk", flat=True))
        for case in every_case:
            row = {"case_id": case.pk, "assigned_worker_id": case.assigned_worker_id,
                   "responsible_unit_id": case.responsible_unit_id}
            assert case_row_visible_to(user, **row) == (case.pk in visible), (user.role, case.pk)
            detail = case_detail_for(user=user, pk=case.pk)
            assert (detail is not None) == (case.pk in visible)
    assert {c.pk for c in every_case if case_detail_for(user=worker, pk=c.pk)} == {own.pk, shared.pk, far.pk, by_group.pk}


def test_the_detail_of_ones_own_case_is_one_statement_and_any_id_not_a_case_is_404(
        api_client, worker, case_for_log, django_assert_num_queries):
    with django_assert_num_queries(1):
        case = case_detail_for(user=worker, pk=str(case_for_log.pk))
    assert case.pk == case_for_log.pk
    api_client.force_authenticate(worker)
    for pk in ("abc", "1e3", str(2**63), str(-(2**63) - 1), "0", "-1", str(case_for_log.pk + 1000)):
        assert api_client.get(f"/api/v1/cases/{pk}/").status_code == 404, pk
    # The case, its history and the access-log row: two statements (a share's grants: one more).
    with django_assert_num_queries(2):
        assert api_client.get(f"/api/v1/cases/{case_for_log.pk}/").status_code == 200


@pytest.mark.parametrize("zone", ["UTC", "Asia/Almaty", "America/St_Johns"])
def test_the_hand_written_date_times_are_drfs(zone):
    from rest_framework import serializers

    from cases.api.serializers import _datetime

    values = [dt.datetime(2026, 1, 15, 9, 30, 5, 120, tzinfo=dt.UTC), dt.datetime(1999, 12, 31, 23, 59, tzinfo=dt.UTC),
              dt.datetime(2026, 7, 1, 0, 0)]
    with timezone.override(zone):
        for value in values:
            assert _datetime(value) == serializers.DateTimeField().to_representation(value)
    assert _datetime(None) is None
