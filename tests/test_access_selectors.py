"""Who sees which record: the querysets every person endpoint starts from (access.selectors)."""

import datetime as dt

import pytest
from django.utils import timezone

from access import services
from access.selectors import (
    cases_editable_by,
    cases_visible_to,
    children_visible_to,
    families_visible_to,
    placements_visible_to,
    visits_visible_to,
)
from accounts.models import OrganisationalUnit
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def own_case(worker):
    return factories.CaseFactory(assigned_worker=worker, responsible_unit=worker.unit)


@pytest.fixture
def foreign_case(db):
    """A case in another region, with its own district and worker."""
    return factories.CaseFactory(child__region=factories.region_by_code("astana"))


@pytest.fixture
def colleague_case(worker):
    """A case of the same district, assigned to another worker."""
    colleague = factories.UserFactory(unit=worker.unit)
    return factories.CaseFactory(assigned_worker=colleague, responsible_unit=worker.unit)


def test_a_social_worker_sees_only_the_cases_assigned_to_them(worker, own_case, colleague_case, foreign_case):
    assert list(cases_visible_to(worker)) == [own_case]


def test_a_supervisor_sees_every_case_of_their_region_and_none_elsewhere(supervisor, own_case, colleague_case, foreign_case):
    other_district = factories.DistrictFactory(region=own_case.responsible_unit.region)
    in_other_district = factories.CaseFactory(responsible_unit=other_district, assigned_worker=None)
    assert set(cases_visible_to(supervisor)) == {own_case, colleague_case, in_other_district}


def test_a_district_supervisor_sees_only_their_district(worker, own_case, colleague_case):
    district_supervisor = factories.UserFactory(role="supervisor", unit=worker.unit)
    elsewhere = factories.CaseFactory(child__region=worker.unit.region)
    assert set(cases_visible_to(district_supervisor)) == {own_case, colleague_case}
    assert elsewhere not in cases_visible_to(district_supervisor)


def test_a_ministry_supervisor_sees_every_region(own_case, foreign_case):
    ministry = OrganisationalUnit.objects.get(code="ministry")
    chief = factories.UserFactory(role="supervisor", unit=ministry)
    assert set(cases_visible_to(chief)) == {own_case, foreign_case}


def test_an_analyst_sees_no_person_at_all(analyst, own_case):
    factories.PlacementFactory(case__assigned_worker=own_case.assigned_worker)
    assert not cases_visible_to(analyst).exists()
    assert not children_visible_to(analyst).exists()
    assert not families_visible_to(analyst).exists()
    assert not placements_visible_to(analyst).exists()
    assert not visits_visible_to(analyst).exists()


def test_an_administrator_sees_every_case_but_changes_none(own_case, foreign_case):
    admin = factories.UserFactory(role="administrator", unit=OrganisationalUnit.objects.get(code="ministry"))
    assert set(cases_visible_to(admin)) == {own_case, foreign_case}
    assert not cases_editable_by(admin).exists()


def test_children_placements_and_visits_follow_the_cases(worker):
    visit = factories.VisitFactory(placement__case__assigned_worker=worker, placement__case__responsible_unit=worker.unit)
    foreign_visit = factories.VisitFactory()
    placement = visit.placement
    assert list(children_visible_to(worker)) == [placement.child]
    assert list(placements_visible_to(worker)) == [placement]
    assert list(visits_visible_to(worker)) == [visit]
    assert foreign_visit.placement.child not in children_visible_to(worker)


def test_a_worker_sees_the_families_of_their_unit_and_those_on_their_cases(worker):
    unit_family = factories.FamilyFactory(responsible_unit=worker.unit)
    placement = factories.PlacementFactory(case__assigned_worker=worker, case__responsible_unit=worker.unit)
    stranger = factories.FamilyFactory(region=factories.region_by_code("astana"))
    visible = set(families_visible_to(worker))
    assert unit_family in visible
    assert placement.family in visible  # placed by their case although registered in another district
    assert stranger not in visible


def test_a_shared_case_is_visible_until_its_expiry(worker, supervisor, colleague_case):
    services.share_case(case=colleague_case, user=worker, actor=supervisor, expires_at=timezone.now() + dt.timedelta(days=3))
    assert colleague_case in cases_visible_to(worker)
    assert colleague_case.child in children_visible_to(worker)


def test_an_expired_grant_gives_no_access_even_before_the_sweep(worker, supervisor, colleague_case):
    services.share_case(case=colleague_case, user=worker, actor=supervisor, expires_at=timezone.now() + dt.timedelta(days=3))
    # The clock moves on: the grant's expiry is now in the past, and no sweep has run.
    from access.models import CaseShare, CaseUserObjectPermission

    past = timezone.now() - dt.timedelta(minutes=1)
    CaseUserObjectPermission.objects.filter(user=worker).update(expires_at=past, granted_at=past - dt.timedelta(days=1))
    CaseShare.objects.filter(user=worker).update(expires_at=past, granted_at=past - dt.timedelta(days=1))
    assert colleague_case not in cases_visible_to(worker)
    assert colleague_case.child not in children_visible_to(worker)


def test_a_group_grant_lets_the_group_members_see_the_case(worker, colleague_case):
    from django.contrib.auth.models import Group, Permission

    from access.models import CaseGroupObjectPermission

    commission = Group.objects.create(name="regional adoption commission")
    worker.groups.add(commission)
    CaseGroupObjectPermission.objects.create(
        group=commission, content_object=colleague_case, permission=Permission.objects.get(codename="view_case")
    )
    assert colleague_case in cases_visible_to(worker)


def test_the_visibility_queries_do_not_grow_with_the_number_of_cases(worker, supervisor, django_assert_max_num_queries):
    for _ in range(5):
        factories.CaseFactory(assigned_worker=worker, responsible_unit=worker.unit)
    with django_assert_max_num_queries(3):
        assert len(list(cases_visible_to(worker))) == 5
    with django_assert_max_num_queries(4):
        assert len(list(cases_visible_to(supervisor))) == 5


@pytest.fixture
def grants_world(worker, supervisor, analyst, district, region):
    """Users of every role and cases under every kind of grant: the worker's own case, a colleague's,
    an unassigned one of the district, and far cases (another region) each granted by a user's or a
    group's grant of some codenames, in force or expired. Returns (users, cases)."""
    from django.contrib.auth.models import Group, Permission

    from access.models import VIEW_SENSITIVE, CaseGroupObjectPermission
    from regions.models import Region

    colleague = factories.UserFactory(role="social_worker", unit=district)
    district_supervisor = factories.UserFactory(role="supervisor", unit=district)
    elsewhere = factories.DistrictFactory(region=Region.objects.exclude(pk=region.pk).order_by("code").first())
    stranger = factories.UserFactory(role="supervisor", unit=elsewhere)
    administrator = factories.UserFactory(role="administrator", unit=district)
    own = factories.CaseFactory(assigned_worker=worker, responsible_unit=district)
    colleagues = factories.CaseFactory(assigned_worker=colleague, responsible_unit=district)
    unassigned = factories.CaseFactory(assigned_worker=None, responsible_unit=district)
    far = [factories.CaseFactory(assigned_worker=None, responsible_unit=elsewhere) for _ in range(9)]
    past = timezone.now() - dt.timedelta(minutes=1)
    # One far case per kind of grant, to the worker, the colleague and the stranger alike.
    grants = [(["view_case"], None), (["view_case", VIEW_SENSITIVE], None), (["view_case", "change_case"], None),
              (["view_case", "change_case", VIEW_SENSITIVE], past), (["change_case"], None), ([VIEW_SENSITIVE], None)]
    for case, (codenames, expires_at) in zip(far, grants, strict=False):
        services.grant_case_permissions(users=[worker, colleague, stranger], case_ids=[case.pk], codenames=codenames,
                                        expires_at=expires_at)
    group = Group.objects.create(name="team")
    for user in (worker, stranger):
        user.groups.add(group)
    for case, codenames, expires_at in [(far[6], ["view_case", VIEW_SENSITIVE], None), (far[7], ["view_case", "change_case"], None),
                                        (far[8], ["view_case", VIEW_SENSITIVE], past), (colleagues, [VIEW_SENSITIVE], None)]:
        for codename in codenames:
            CaseGroupObjectPermission.objects.create(group=group, content_object=case, expires_at=expires_at,
                                                     permission=Permission.objects.get(codename=codename))
    users = [worker, colleague, supervisor, district_supervisor, stranger, administrator, analyst]
    return users, [own, colleagues, unassigned, *far]


def test_the_rights_decided_on_one_case_row_are_the_querysets_answers(grants_world):
    """access.selectors.case_row_rights (the record pages) against cases_visible_to, cases_editable_by
    and sensitive_case_rows, for every role and every kind of grant: the user's own, a user's or a
    group's grant of each codename, expired grants, none."""
    from access.selectors import case_row_rights, sensitive_case_rows

    users, every_case = grants_world
    checked = set()
    for user in users:
        visible = set(cases_visible_to(user).values_list("pk", flat=True))
        editable = set(cases_editable_by(user).values_list("pk", flat=True))
        sensitive = set(sensitive_case_rows(user).values_list("pk", flat=True))
        for case in every_case:
            rights = case_row_rights(user, case_id=case.pk, assigned_worker_id=case.assigned_worker_id,
                                     responsible_unit_id=case.responsible_unit_id)
            expected = (case.pk in visible, case.pk in editable, case.pk in sensitive)
            assert (rights.visible, rights.change, rights.sensitive) == expected, (user.role, user.pk, every_case.index(case))
            checked.add(expected)
    assert len(checked) >= 5  # every combination the roles and grants give was met


def test_the_rights_on_a_child_are_the_querysets_answers(grants_world, worker):
    """access.selectors.child_rights (the child's pages) against children_visible_to,
    children_editable_by and sensitive_child_ids: the children of every case of grants_world, a child
    granted by itself (view_child), a child of two cases (one of them the worker's), one of none."""
    from access.selectors import child_rights, children_editable_by, sensitive_child_ids

    users, every_case = grants_world
    children = [case.child for case in every_case]
    second = factories.CaseFactory(child=every_case[1].child, assigned_worker=worker, responsible_unit=worker.unit,
                                   stage="closed", outcome="permanency", closed_on=timezone.localdate())
    assert second.child == children[1]
    granted = factories.ChildFactory()
    _grant_view_child([users[1], users[4]], granted)  # the colleague and the stranger
    children += [granted, factories.ChildFactory()]
    checked = set()
    for user in users:
        visible = set(children_visible_to(user).values_list("pk", flat=True))
        editable = set(children_editable_by(user).values_list("pk", flat=True))
        sensitive = sensitive_child_ids(user, [c.pk for c in children])
        for child in children:
            rights = child_rights(user, child.pk)
            expected = (child.pk in visible, child.pk in editable, child.pk in sensitive)
            assert (rights.visible, rights.change, rights.sensitive) == expected, (user.role, user.pk, children.index(child))
            checked.add(expected)
    assert len(checked) >= 5


def _grant_view_child(users, child) -> None:
    from django.contrib.auth.models import Permission

    from access.models import ChildUserObjectPermission

    for user in users:
        ChildUserObjectPermission.objects.create(user=user, content_object=child, permission=Permission.objects.get(
            codename="view_child", content_type__app_label="children"))


def test_the_rights_on_ones_own_case_cost_no_query(worker, supervisor, own_case, django_assert_num_queries):
    from access.selectors import case_row_rights

    row = {"case_id": own_case.pk, "assigned_worker_id": own_case.assigned_worker_id,
           "responsible_unit_id": own_case.responsible_unit_id}
    with django_assert_num_queries(0):
        rights = case_row_rights(worker, **row)
    assert (rights.visible, rights.change, rights.sensitive) == (True, True, True)
    unit_ids = supervisor.unit.descendant_ids()  # a supervisor's units: once per request
    supervisor._visible_unit_ids = (supervisor.unit_id, unit_ids)
    with django_assert_num_queries(0):
        assert case_row_rights(supervisor, **row).sensitive


def test_the_rights_on_a_family_are_the_querysets_answers(grants_world, worker, district):
    """access.selectors.family_rights (the family pages) against families_visible_to and
    families_editable_by: a family of the worker's district, of its region, of another region,
    the family of a placement, of a decision and of an acquaintance on the worker's cases, a family
    granted to the worker by itself, and one nobody works with."""
    from django.contrib.auth.models import Permission

    from access.models import FamilyUserObjectPermission
    from access.selectors import families_editable_by, family_rights
    from matching.models import Acquaintance

    users, every_case = grants_world
    own_case, far_case = every_case[0], every_case[3]
    astana = factories.DistrictFactory(region=factories.region_by_code("astana"))
    elsewhere = [factories.FamilyFactory(responsible_unit=astana, region=astana.region) for _ in range(5)]
    own = factories.FamilyFactory(responsible_unit=district, region=district.region)
    regional = factories.FamilyFactory(responsible_unit=district.parent, region=district.region)
    factories.PlacementFactory(case=own_case, family=elsewhere[0])
    type(own_case).objects.filter(pk=far_case.pk).update(decision_family=elsewhere[1])  # a case the worker sees by a grant
    Acquaintance.objects.create(case=own_case, family=elsewhere[2], chosen_by=worker)
    FamilyUserObjectPermission.objects.create(user=worker, content_object=elsewhere[3],
                                              permission=Permission.objects.get(codename="view_family"))
    families = [own, regional, *elsewhere]
    checked = set()
    for user in users:
        visible = set(families_visible_to(user).values_list("pk", flat=True))
        editable = set(families_editable_by(user).values_list("pk", flat=True))
        for family in families:
            rights = family_rights(user, family_id=family.pk, responsible_unit_id=family.responsible_unit_id)
            expected = (family.pk in visible, family.pk in editable)
            assert (rights.visible, rights.change) == expected, (user.role, user.pk, families.index(family))
            checked.add(expected)
    assert checked == {(True, True), (True, False), (False, False)}
