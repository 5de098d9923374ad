"""The forms of care as Kazakhstan's law has them since 2025: capacities, ages, the carer's
relationship on the placement, the 14th and 18th birthdays (issue 16, items 1 and 2)."""

import datetime as dt

import pytest
from dateutil.relativedelta import relativedelta
from django.urls import reverse
from django.utils import timezone

from cases.models import DecisionStatus, FormOfCareRule, Placement, Stage
from cases.services import convert_to_trusteeship, end_placement, place_child, transition_case
from core.exceptions import DomainError
from notifications.models import Notification
from notifications.services import run_reminder_sweep
from tests import factories
from tests.factories import placement_decision as decided
from visits.models import Visit, VisitPolicy
from visits.services import schedule_visits_for_placement

TODAY = timezone.localdate
# The decision a placement rests on (needed).
DECISION = {"decision_document_number": "П-2026-0000042", "decision_date": (dt.date.today() - dt.timedelta(days=1)).isoformat()}


def born_years_ago(years: int, days: int = 0) -> dt.date:
    return TODAY() - relativedelta(years=years) - dt.timedelta(days=days)


def decision(worker, family, *, birth_date=dt.date(2016, 5, 17), sibling_group=None, form=None):
    """A case at the decision stage, approved by the supervisor, for this family."""
    child = factories.ChildFactory(birth_date=birth_date, entered_care_on=max(birth_date, dt.date(2023, 1, 10)),
                                   sibling_group=sibling_group)
    return factories.CaseFactory(
        child=child, assigned_worker=worker, responsible_unit=worker.unit, stage=Stage.DECISION,
        form_of_care=form or family.form_of_care, decision_family=family, decision_status=DecisionStatus.APPROVED,
    )


def professional_family(worker, **kwargs):
    return factories.FamilyFactory(form_of_care="professional_foster", region=worker.unit.region,
                                   responsible_unit=worker.unit, psychological_training_certificate_number="ПП-1",
                                   psychological_training_issued_on=TODAY() - dt.timedelta(days=30), **kwargs)


def already_placed(family, n, *, sibling_group=None):
    for i in range(n):
        child = factories.ChildFactory(birth_date=dt.date(2012, 1, 1) + dt.timedelta(days=40 * i), sibling_group=sibling_group)
        factories.PlacementFactory(case__child=child, child=child, family=family)


# --- Item 1: forms of care and their capacities -----------------------------------------------------


def test_the_rules_of_each_form_of_care_are_data_with_their_source(db):
    rules = {r.form_of_care: r for r in FormOfCareRule.objects.all()}
    assert (rules["professional_foster"].max_children, rules["professional_foster"].siblings_count_as_one,
            rules["professional_foster"].requires_psychological_training) == (4, True, True)
    assert rules["foster_family"].max_children == 10
    assert (rules["guardianship"].max_age, rules["trusteeship"].min_age, rules["trusteeship"].max_age) == (14, 14, 18)
    assert all(rule.source for rule in rules.values())
    assert "kinship" not in rules


def test_a_professional_foster_family_with_four_children_refuses_a_fifth(worker):
    family = professional_family(worker)
    already_placed(family, 4)
    case = decision(worker, family)
    with pytest.raises(DomainError) as err:
        place_child(**decided(), case=case, actor=worker, started_on=TODAY())
    assert err.value.field == "family"
    assert "at most 4 children" in err.value.message and "already has 4" in err.value.message
    assert not Placement.objects.filter(case=case).exists()


def test_a_professional_foster_family_with_four_children_takes_a_sibling_of_one_of_them(worker):
    family = professional_family(worker)
    group = factories.SiblingGroupFactory()
    already_placed(family, 3)
    already_placed(family, 1, sibling_group=group)
    case = decision(worker, family, sibling_group=group)
    placement = place_child(**decided(), case=case, actor=worker, started_on=TODAY())
    assert placement.family == family
    assert Placement.objects.filter(family=family, ended_on__isnull=True).count() == 5


def test_a_professional_foster_family_with_three_children_takes_a_fourth(worker):
    family = professional_family(worker)
    already_placed(family, 3)
    assert place_child(**decided(), case=decision(worker, family), actor=worker, started_on=TODAY()).family == family


def test_a_professional_foster_family_needs_the_psychological_training_certificate(worker):
    family = professional_family(worker)
    family.psychological_training_certificate_number, family.psychological_training_issued_on = "", None
    family.save()
    with pytest.raises(DomainError) as err:
        place_child(**decided(), case=decision(worker, family), actor=worker, started_on=TODAY())
    assert "psychological training" in err.value.message


def test_a_foster_family_takes_ten_children_and_refuses_an_eleventh(worker):
    family = factories.FamilyFactory(form_of_care="foster_family", region=worker.unit.region, responsible_unit=worker.unit)
    already_placed(family, 9)
    place_child(**decided(), case=decision(worker, family), actor=worker, started_on=TODAY())
    with pytest.raises(DomainError) as err:
        place_child(**decided(), case=decision(worker, family, birth_date=dt.date(2017, 2, 2)), actor=worker, started_on=TODAY())
    assert "at most 10 children; this family already has 10" in err.value.message


def test_the_capacity_follows_the_policy_row(worker):
    FormOfCareRule.objects.filter(form_of_care="foster_family").update(max_children=2)
    family = factories.FamilyFactory(form_of_care="foster_family", region=worker.unit.region, responsible_unit=worker.unit)
    already_placed(family, 2)
    with pytest.raises(DomainError, match="at most 2 children"):
        place_child(**decided(), case=decision(worker, family), actor=worker, started_on=TODAY())


def test_the_placement_records_the_carers_relationship(worker):
    family = factories.FamilyFactory(form_of_care="guardianship", region=worker.unit.region, responsible_unit=worker.unit)
    placement = place_child(**decided(), case=decision(worker, family), actor=worker, started_on=TODAY(), carer_relationship="grandparent")
    assert placement.carer_relationship == "grandparent"
    with pytest.raises(DomainError) as err:
        place_child(**decided(), case=decision(worker, family, birth_date=dt.date(2015, 3, 3)), actor=worker, carer_relationship="cousin")
    assert err.value.field == "carer_relationship"


def test_the_professional_foster_family_has_a_visit_policy_with_its_source(db):
    policy = VisitPolicy.objects.get(form_of_care="professional_foster")
    assert (policy.first_visits_months, policy.repeat_every_months) == ([1], 3)
    assert not VisitPolicy.objects.filter(form_of_care="kinship").exists()
    assert all(p.source.startswith("local default") for p in VisitPolicy.objects.all())


def test_the_api_places_with_the_relationship_and_shows_it(api_client, worker):
    family = factories.FamilyFactory(form_of_care="trusteeship", region=worker.unit.region, responsible_unit=worker.unit)
    case = decision(worker, family, birth_date=born_years_ago(15))
    api_client.force_authenticate(worker)
    response = api_client.post("/api/v1/placements/", {"case": case.pk, "carer_relationship": "aunt_uncle", **DECISION}, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["carer_relationship"] == "aunt_uncle"
    bad = api_client.post("/api/v1/placements/", {"case": case.pk, "carer_relationship": "neighbour", **DECISION}, format="json")
    assert bad.status_code == 400 and "carer_relationship" in bad.json()


def test_the_api_transition_to_placed_takes_the_relationship(api_client, worker):
    family = factories.FamilyFactory(form_of_care="guardianship", region=worker.unit.region, responsible_unit=worker.unit)
    case = decision(worker, family)
    api_client.force_authenticate(worker)
    response = api_client.post(f"/api/v1/cases/{case.pk}/transition/", {"to_stage": "placed", "carer_relationship": "sibling", **DECISION},
                               format="json")
    assert response.status_code == 200, response.json()
    assert Placement.objects.get(case=case).carer_relationship == "sibling"


def test_the_case_page_asks_for_the_carers_relationship_when_placing(client, worker):
    family = factories.FamilyFactory(form_of_care="guardianship", region=worker.unit.region, responsible_unit=worker.unit)
    case = decision(worker, family)
    client.force_login(worker)
    page = client.get(reverse("web:case", args=[case.pk])).content.decode()
    assert 'name="carer_relationship"' in page
    url = reverse("web:case-move", args=[case.pk])
    missing = client.post(url, {"to_stage": "placed", "expected_version": case.version, "started_on": TODAY().isoformat(),
                                **DECISION})
    assert missing.status_code == 400
    assert "Say whether the carer is a relative" in missing.content.decode()
    done = client.post(url, {"to_stage": "placed", "expected_version": case.version, "started_on": TODAY().isoformat(),
                             "carer_relationship": "grandparent", **DECISION})
    assert done.status_code == 302
    assert Placement.objects.get(case=case).carer_relationship == "grandparent"
    assert "grandparent" in client.get(reverse("web:case", args=[case.pk])).content.decode()


# --- Item 2: ages as rules --------------------------------------------------------------------------


def test_a_child_of_16_cannot_be_placed_under_guardianship(worker):
    family = factories.FamilyFactory(form_of_care="guardianship", region=worker.unit.region, responsible_unit=worker.unit)
    case = decision(worker, family, birth_date=born_years_ago(16))
    with pytest.raises(DomainError) as err:
        place_child(**decided(), case=case, actor=worker, started_on=TODAY())
    assert err.value.field == "form_of_care"
    assert "only for children under 14; the child is 16" in err.value.message


def test_a_child_of_16_can_be_placed_under_trusteeship(worker):
    family = factories.FamilyFactory(form_of_care="trusteeship", region=worker.unit.region, responsible_unit=worker.unit)
    placement = place_child(**decided(), case=decision(worker, family, birth_date=born_years_ago(16)), actor=worker, started_on=TODAY())
    assert placement.form_of_care == "trusteeship"


def test_a_child_of_10_cannot_be_placed_under_trusteeship(worker):
    family = factories.FamilyFactory(form_of_care="trusteeship", region=worker.unit.region, responsible_unit=worker.unit)
    with pytest.raises(DomainError, match="for children from 14; the child is 10"):
        place_child(**decided(), case=decision(worker, family, birth_date=born_years_ago(10)), actor=worker, started_on=TODAY())


def test_choosing_guardianship_for_a_child_of_16_is_refused_at_once(worker):
    case = factories.CaseFactory(child__birth_date=born_years_ago(16), assigned_worker=worker, responsible_unit=worker.unit)
    with pytest.raises(DomainError) as err:
        transition_case(case=case, to_stage=Stage.AVAILABLE, actor=worker, form_of_care="guardianship")
    assert err.value.field == "form_of_care"
    transition_case(case=case, to_stage=Stage.AVAILABLE, actor=worker, form_of_care="trusteeship")


def guardianship_placement(worker, *, birth_date, started_on):
    family = factories.FamilyFactory(form_of_care="guardianship", region=worker.unit.region, responsible_unit=worker.unit)
    case = factories.CaseFactory(child__birth_date=birth_date, child__entered_care_on=started_on, assigned_worker=worker,
                                 responsible_unit=worker.unit, stage=Stage.PLACED, form_of_care="guardianship")
    return factories.PlacementFactory(case=case, child=case.child, family=family, started_on=started_on)


def test_on_the_14th_birthday_the_worker_is_reminded_to_convert_the_guardianship(worker):
    due = guardianship_placement(worker, birth_date=born_years_ago(14, days=3), started_on=TODAY() - dt.timedelta(days=400))
    guardianship_placement(worker, birth_date=born_years_ago(13), started_on=TODAY() - dt.timedelta(days=400))
    run_reminder_sweep(today=TODAY())
    reminders = Notification.objects.filter(kind="guardianship_conversion")
    assert [(n.recipient, n.placement_id, n.due_on) for n in reminders] == [
        (worker, due.pk, born_years_ago(14, days=3) + relativedelta(years=14))]


def test_the_conversion_keeps_the_placement_and_makes_it_a_trusteeship(worker):
    placement = guardianship_placement(worker, birth_date=born_years_ago(14, days=3), started_on=TODAY() - dt.timedelta(days=400))
    converted = convert_to_trusteeship(placement=placement, actor=worker)
    placement.refresh_from_db()
    assert (converted.form_of_care, converted.converted_to_trusteeship_on, converted.ended_on) == ("trusteeship", TODAY(), None)
    assert placement.case.form_of_care == "trusteeship" and placement.case.stage == "placed"
    run_reminder_sweep(today=TODAY())
    assert not Notification.objects.filter(kind="guardianship_conversion").exists()


def test_the_conversion_is_refused_before_the_14th_birthday(worker):
    placement = guardianship_placement(worker, birth_date=born_years_ago(13), started_on=TODAY() - dt.timedelta(days=400))
    with pytest.raises(DomainError, match="turns 14 on"):
        convert_to_trusteeship(placement=placement, actor=worker)
    placement.refresh_from_db()
    assert placement.form_of_care == "guardianship"


def test_the_conversion_through_the_api_and_the_case_page(api_client, client, worker):
    placement = guardianship_placement(worker, birth_date=born_years_ago(14, days=3), started_on=TODAY() - dt.timedelta(days=400))
    client.force_login(worker)
    page = client.get(reverse("web:case", args=[placement.case_id])).content.decode()
    assert reverse("web:placement-convert", args=[placement.case_id, placement.pk]) in page
    api_client.force_authenticate(worker)
    response = api_client.post(f"/api/v1/placements/{placement.pk}/convert-to-trusteeship/", {}, format="json")
    assert response.status_code == 200
    assert (response.json()["form_of_care"], response.json()["converted_to_trusteeship_on"]) == ("trusteeship", TODAY().isoformat())
    again = api_client.post(f"/api/v1/placements/{placement.pk}/convert-to-trusteeship/", {}, format="json")
    assert again.status_code == 400


def test_the_case_page_records_the_conversion(client, worker):
    placement = guardianship_placement(worker, birth_date=born_years_ago(14, days=3), started_on=TODAY() - dt.timedelta(days=400))
    client.force_login(worker)
    response = client.post(reverse("web:placement-convert", args=[placement.case_id, placement.pk]),
                           {"on": TODAY().isoformat()})
    assert response.status_code == 302
    placement.refresh_from_db()
    assert placement.form_of_care == "trusteeship"


def trusteeship_placement(worker, *, birth_date, started_on):
    family = factories.FamilyFactory(form_of_care="trusteeship", region=worker.unit.region, responsible_unit=worker.unit)
    case = factories.CaseFactory(child__birth_date=birth_date, child__entered_care_on=started_on, assigned_worker=worker,
                                 responsible_unit=worker.unit, stage=Stage.PLACED, form_of_care="trusteeship")
    return factories.PlacementFactory(case=case, child=case.child, family=family, started_on=started_on)


def test_a_trusteeship_of_a_child_who_turns_18_plans_no_visit_after_the_birthday_and_reminds_the_worker(worker):
    birth = born_years_ago(17) - relativedelta(months=11)  # 18 in about a month
    placement = trusteeship_placement(worker, birth_date=birth, started_on=TODAY() - relativedelta(months=2))
    schedule_visits_for_placement(placement=placement, today=TODAY())
    eighteen = birth + relativedelta(years=18)
    planned = list(placement.visits.values_list("planned_on", flat=True))
    assert planned and max(planned) < eighteen
    # A visit planned before the rule (or by hand) on or after the birthday is cancelled by the sweep.
    Visit.objects.create(placement=placement, planned_on=eighteen + dt.timedelta(days=20))
    run_reminder_sweep(today=TODAY())
    assert not placement.visits.filter(planned_on__gte=eighteen).exists()
    reminder = Notification.objects.get(kind="coming_of_age")
    assert (reminder.recipient, reminder.placement_id, reminder.due_on) == (worker, placement.pk, eighteen)


def test_came_of_age_is_refused_for_a_child_under_18_outside_the_last_month(worker):
    placement = trusteeship_placement(worker, birth_date=born_years_ago(16), started_on=TODAY() - dt.timedelta(days=300))
    with pytest.raises(DomainError) as err:
        end_placement(placement=placement, ended_on=TODAY(), end_reason="came_of_age", actor=worker)
    assert err.value.field == "end_reason" and "comes of age on" in err.value.message
    placement.refresh_from_db()
    assert placement.ended_on is None


def test_came_of_age_is_allowed_in_the_last_month_before_18(worker, settings):
    settings.COMING_OF_AGE_EARLY_CLOSE_DAYS = 31
    birth = born_years_ago(18) + dt.timedelta(days=20)  # 18 in 20 days
    placement = trusteeship_placement(worker, birth_date=birth, started_on=TODAY() - dt.timedelta(days=300))
    end_placement(placement=placement, ended_on=TODAY(), end_reason="came_of_age", actor=worker)
    placement.refresh_from_db()
    assert (placement.end_reason, placement.case.outcome) == ("came_of_age", "came_of_age")


def test_came_of_age_from_the_18th_birthday(worker, settings):
    settings.COMING_OF_AGE_EARLY_CLOSE_DAYS = 0
    placement = trusteeship_placement(worker, birth_date=born_years_ago(18), started_on=TODAY() - dt.timedelta(days=300))
    end_placement(placement=placement, ended_on=TODAY(), end_reason="came_of_age", actor=worker)
    assert Placement.objects.get(pk=placement.pk).end_reason == "came_of_age"
