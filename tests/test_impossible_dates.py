"""Impossible dates are refused everywhere: API, pages, import, admin and the database (issue 16,
item 3)."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction
from django.utils import timezone

from cases.models import DecisionStatus, Placement, Stage
from cases.services import place_child
from children.models import Child
from core.exceptions import DomainError
from families.models import Applicant, Family
from tests import factories
from tests.factories import placement_decision as decided
from tests.factories import valid_iin

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate


def child_payload(birth: dt.date, entered: dt.date, **kwargs) -> dict:
    return {"last_name": "Nurlanov", "first_name": "Arman", "birth_date": birth.isoformat(), "sex": "M",
            "iin": "", "legal_status": "orphan", "region": "almaty", "entered_care_on": entered.isoformat(), **kwargs}


@pytest.fixture
def client(api_client, worker):
    api_client.force_authenticate(worker)
    return api_client


def test_the_api_refuses_a_child_born_in_the_future(client):
    response = client.post("/api/v1/children/", child_payload(dt.date(2031, 5, 1), dt.date(2031, 6, 1)), format="json")
    assert response.status_code == 400
    body = response.json()
    assert "in the future" in body["birth_date"][0] and "in the future" in body["entered_care_on"][0]
    assert not Child.objects.exists()


@pytest.mark.parametrize("born", [dt.date(1, 1, 1), dt.date(9999, 12, 31)])
def test_the_api_refuses_a_birth_date_out_of_any_plausible_range(client, born):
    response = client.post("/api/v1/children/", child_payload(born, dt.date(2023, 1, 10)), format="json")
    assert response.status_code == 400
    assert "is not a plausible date" in response.json()["birth_date"][0]


def test_the_api_refuses_a_birth_after_the_entry_into_care(client):
    response = client.post("/api/v1/children/", child_payload(dt.date(2020, 5, 1), dt.date(2019, 1, 1)), format="json")
    assert response.status_code == 400
    assert response.json()["entered_care_on"] == ["A child cannot enter care before their birth date."]


def test_the_api_accepts_a_plausible_child(client):
    response = client.post("/api/v1/children/", child_payload(dt.date(2016, 5, 17), dt.date(2023, 1, 10),
                                                              iin=valid_iin(dt.date(2016, 5, 17), "M", 900)), format="json")
    assert response.status_code == 201


def test_the_import_refuses_future_and_impossible_dates_line_by_line(tmp_path, capsys):
    header = "last_name,first_name,patronymic,birth_date,sex,iin,legal_status,region,entered_care_on,health_needs,responsible_unit"
    lines = [
        "Future,Arman,,2031-05-01,M,,orphan,almaty,2031-06-01,0,dept-almaty",
        "Ancient,Arman,,0001-01-01,M,,orphan,almaty,2023-01-10,0,dept-almaty",
        "Good,Arman,,2016-05-17,M,,orphan,almaty,2023-01-10,0,dept-almaty",
    ]
    path = tmp_path / "children.csv"
    path.write_text("\n".join([header, *lines]) + "\n", encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("import_registry", str(path), kind="children")
    err = capsys.readouterr().err
    assert "line 2: birth_date:" in err and "in the future" in err
    assert "line 3: birth_date:" in err and "not a plausible date" in err
    assert not Child.objects.exists()


def test_the_admin_refuses_a_child_born_in_the_future(admin_client, region):
    child = factories.ChildFactory()
    response = admin_client.post(f"/admin/children/child/{child.pk}/change/", {
        "last_name": child.last_name, "first_name": child.first_name, "patronymic": "", "birth_date": "2031-05-01",
        "sex": "M", "iin": "", "legal_status": "orphan", "region": child.region_id, "entered_care_on": "2031-06-01",
        "health_needs": 0,
    })
    assert response.status_code == 200
    assert "in the future" in response.content.decode()
    child.refresh_from_db()
    assert child.birth_date == dt.date(2016, 5, 17)


def test_the_family_and_applicant_dates_are_checked_by_the_model():
    family = factories.FamilyFactory.build(applied_on=dt.date(9999, 12, 31), home_study_issued_on=dt.date(1, 1, 1),
                                           responsible_unit=factories.DistrictFactory())
    with pytest.raises(ValidationError) as err:
        family.full_clean(exclude=["region"])
    assert {"applied_on", "home_study_issued_on"} <= set(err.value.message_dict)
    applicant = factories.ApplicantFactory.build(birth_date=TODAY() + dt.timedelta(days=1), family=factories.FamilyFactory())
    with pytest.raises(ValidationError) as err:
        applicant.full_clean()
    assert "birth_date" in err.value.message_dict


@pytest.mark.parametrize(("model", "field", "factory"), [
    (Child, "birth_date", factories.ChildFactory),
    (Family, "approval_expires_on", factories.FamilyFactory),
    (Applicant, "birth_date", factories.ApplicantFactory),
    (Placement, "started_on", factories.PlacementFactory),
])
def test_the_database_refuses_dates_out_of_range_whoever_writes(model, field, factory):
    row = factory()
    for value in (dt.date(1, 1, 1), dt.date(9999, 12, 31)):
        with pytest.raises(IntegrityError), transaction.atomic():
            model.objects.filter(pk=row.pk).update(**{field: value})


def test_a_placement_cannot_start_before_the_childs_birth(worker):
    family = factories.FamilyFactory(region=worker.unit.region, responsible_unit=worker.unit)
    child = factories.ChildFactory(birth_date=dt.date(2016, 5, 17), entered_care_on=dt.date(2016, 5, 17))
    case = factories.CaseFactory(child=child, assigned_worker=worker, responsible_unit=worker.unit, stage=Stage.DECISION,
                                 form_of_care="adoption", decision_family=family, decision_status=DecisionStatus.APPROVED)
    Child.objects.filter(pk=child.pk).update(entered_care_on=dt.date(2016, 5, 17))
    with pytest.raises(DomainError) as err:
        place_child(**decided(), case=case, actor=worker, started_on=dt.date(2016, 5, 1))
    assert err.value.field == "started_on"
