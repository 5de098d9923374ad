"""Rules the database itself enforces, whoever writes the rows (not only forms or services)."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from accounts.models import OrganisationalUnit, User
from cases.models import Case, Placement, Stage
from children.models import Child
from families.models import Applicant
from tests import factories

pytestmark = pytest.mark.django_db


def refused_by_database(write) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        write()


def test_a_child_has_at_most_one_active_placement():
    placement = factories.PlacementFactory()
    other_family = factories.FamilyFactory()
    refused_by_database(
        lambda: Placement.objects.create(
            case=placement.case, child=placement.child, family=other_family, form_of_care="adoption",
            started_on=dt.date.today(),
        )
    )


def test_a_child_may_have_a_new_placement_once_the_old_one_ended():
    placement = factories.PlacementFactory()
    Placement.objects.filter(pk=placement.pk).update(
        ended_on=dt.date.today(), end_reason="returned", return_reason="family_conflict"
    )
    new = Placement.objects.create(
        case=placement.case, child=placement.child, family=factories.FamilyFactory(), form_of_care="adoption",
        started_on=dt.date.today(),
    )
    assert new.pk


def test_a_return_needs_its_reason_and_other_ends_have_none():
    placement = factories.PlacementFactory()
    rows = Placement.objects.filter(pk=placement.pk)
    refused_by_database(lambda: rows.update(ended_on=dt.date.today(), end_reason="returned", return_reason=""))
    refused_by_database(lambda: rows.update(ended_on=dt.date.today(), end_reason="reunified", return_reason="other"))
    refused_by_database(lambda: rows.update(ended_on=None, end_reason="reunified"))
    refused_by_database(lambda: rows.update(ended_on=placement.started_on - dt.timedelta(days=1), end_reason="death"))


def test_iin_is_optional_but_unique_when_present():
    child = factories.ChildFactory()
    refused_by_database(lambda: factories.ChildFactory(iin=child.iin))
    assert factories.ChildFactory(iin=None).pk and factories.ChildFactory(iin=None).pk


def test_iin_must_be_twelve_digits_in_the_database():
    child = factories.ChildFactory()
    refused_by_database(lambda: Child.objects.filter(pk=child.pk).update(iin="12345"))


def test_model_validation_rejects_an_iin_that_disagrees_with_birth_date_and_sex():
    child = factories.ChildFactory.build(birth_date=dt.date(2016, 5, 17), sex="M")
    child.birth_date = dt.date(2016, 5, 18)
    child.sex = "F"
    with pytest.raises(ValidationError) as info:
        child.full_clean(exclude=["region", "current_home"])
    assert {"birth_date", "sex"} <= set(info.value.message_dict)


def test_one_open_case_per_child():
    case = factories.CaseFactory()
    refused_by_database(lambda: Case.objects.create(child=case.child, responsible_unit=case.responsible_unit))


def test_a_closed_case_has_an_outcome_and_an_open_one_none():
    case = factories.CaseFactory()
    rows = Case.objects.filter(pk=case.pk)
    refused_by_database(lambda: rows.update(stage=Stage.CLOSED))
    refused_by_database(lambda: rows.update(outcome="permanency"))
    rows.update(stage=Stage.CLOSED, outcome="permanency", closed_on=dt.date.today())
    # Once closed, a new case for the same child may open.
    assert Case.objects.create(child=case.child, responsible_unit=case.responsible_unit).pk


def test_unknown_stage_is_refused():
    case = factories.CaseFactory()
    refused_by_database(lambda: Case.objects.filter(pk=case.pk).update(stage="limbo"))


def test_a_family_has_at_most_two_applicants():
    family = factories.FamilyFactory()
    factories.ApplicantFactory(family=family, position=1)
    factories.ApplicantFactory(family=family, position=2, sex="M", first_name="Yerlan")
    refused_by_database(lambda: factories.ApplicantFactory(family=family, position=3))
    refused_by_database(lambda: factories.ApplicantFactory(family=family, position=2))


def test_family_preferences_and_certificates_are_consistent():
    family = factories.FamilyFactory()
    rows = type(family).objects.filter(pk=family.pk)
    refused_by_database(lambda: rows.update(preferred_age_min=10, preferred_age_max=5))
    refused_by_database(lambda: rows.update(max_siblings=0))
    refused_by_database(lambda: rows.update(home_study_expires_on=family.home_study_issued_on))
    refused_by_database(lambda: rows.update(approval_expires_on=None))


def test_same_applicant_iin_twice_in_one_family_is_refused():
    applicant = factories.ApplicantFactory()
    refused_by_database(
        lambda: Applicant.objects.create(
            family=applicant.family, position=2, last_name="X", first_name="Y", birth_date=applicant.birth_date,
            sex=applicant.sex, iin=applicant.iin,
        )
    )


def test_home_capacity_must_be_positive():
    home = factories.ChildrensHomeFactory()
    refused_by_database(lambda: type(home).objects.filter(pk=home.pk).update(capacity=0))


def test_a_done_visit_names_its_worker():
    visit = factories.VisitFactory()
    refused_by_database(lambda: type(visit).objects.filter(pk=visit.pk).update(done_on=dt.date.today()))


def test_units_other_than_the_ministry_belong_to_a_region():
    ministry = OrganisationalUnit.objects.get(kind="ministry")
    refused_by_database(lambda: OrganisationalUnit.objects.create(code="orphan-unit", kind="district", parent=ministry))
    refused_by_database(lambda: OrganisationalUnit.objects.create(code="second-ministry", kind="ministry", parent=ministry))


def test_users_other_than_a_bootstrap_superuser_belong_to_a_unit():
    refused_by_database(lambda: User.objects.create(username="nobody", role="social_worker"))
    assert User.objects.create_superuser("root-admin", "root@example.kz", "pw-12345-long").pk


def test_a_units_parent_is_exactly_one_level_up():
    """A district under a district, a district under the ministry or another region's department,
    a department under a department: the database refuses each (trigger of accounts/0003)."""
    almaty = factories.region_by_code("almaty")
    astana = factories.region_by_code("astana")
    ministry = OrganisationalUnit.objects.get(kind="ministry")
    department = OrganisationalUnit.objects.get(kind="region", region=almaty)
    district = factories.DistrictFactory(region=almaty)

    def unit(code, **fields):
        return lambda: OrganisationalUnit.objects.create(code=code, name_en=code, name_ru=code, name_kk=code, **fields)

    refused_by_database(unit("district-under-district", kind="district", region=almaty, parent=district))
    refused_by_database(unit("district-under-ministry", kind="district", region=almaty, parent=ministry))
    refused_by_database(unit("district-of-another-region", kind="district", region=astana, parent=department))
    refused_by_database(lambda: OrganisationalUnit.objects.filter(kind="region", region=astana).update(parent=department))
    # A unit with districts under it cannot change level under them.
    refused_by_database(lambda: OrganisationalUnit.objects.filter(pk=department.pk).update(kind="district"))
    assert unit("district-ok", kind="district", region=almaty, parent=department)().parent == department


def test_a_unit_reads_as_its_full_path_and_the_form_explains_a_wrong_parent():
    almaty = factories.region_by_code("almaty")
    department = OrganisationalUnit.objects.get(kind="region", region=almaty)
    district = factories.DistrictFactory(region=almaty, name_en="Medeu district guardianship authority")
    assert str(district) == f"{department.name_en} → Medeu district guardianship authority"
    wrong = OrganisationalUnit(code="x", kind="district", region=almaty, parent=district, name_en="x", name_ru="x", name_kk="x")
    with pytest.raises(ValidationError) as error:
        wrong.full_clean()
    assert "parent" in error.value.message_dict
