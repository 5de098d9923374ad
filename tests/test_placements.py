"""Placing a child and ending the placement: the return path (secondary orphanhood) and the others."""

import datetime as dt

import pytest
from django.utils import timezone

from cases.models import Case, DecisionStatus, Placement, Stage, StageChange
from cases.services import end_placement, place_child, transition_case
from core.exceptions import DomainError
from tests import factories
from tests.factories import placement_decision as decided
from visits.models import Visit

TODAY = timezone.localdate


@pytest.fixture
def approved_case(db, worker, supervisor):
    family = factories.FamilyFactory(region=worker.unit.region, responsible_unit=worker.unit)
    return factories.CaseFactory(
        assigned_worker=worker, responsible_unit=worker.unit, stage=Stage.DECISION, form_of_care="adoption",
        decision_family=family, decision_status=DecisionStatus.APPROVED,
    )


@pytest.fixture
def placement(approved_case, worker):
    started_on = TODAY() - dt.timedelta(days=90)
    return place_child(**decided(decision_document_number="2-145/2026", starts_on=started_on), case=approved_case, actor=worker,
                       started_on=started_on)


def test_placing_opens_the_placement_and_empties_the_home(approved_case, worker):
    home = approved_case.child.current_home
    placement = place_child(**decided(decision_document_number="2-1/26"), case=approved_case, actor=worker, started_on=TODAY())
    approved_case.refresh_from_db()
    approved_case.child.refresh_from_db()
    assert (placement.family, placement.form_of_care, placement.ended_on) == (approved_case.decision_family, "adoption", None)
    assert placement.home_before == home
    assert approved_case.child.current_home is None
    assert approved_case.stage == "placed"


def test_placing_schedules_follow_up_visits(approved_case, worker):
    placement = place_child(**decided(), case=approved_case, actor=worker, started_on=TODAY())
    assert Visit.objects.filter(placement=placement, done_on__isnull=True).exists()


def test_placement_cannot_start_in_the_future(approved_case, worker):
    with pytest.raises(DomainError) as err:
        place_child(**decided(), case=approved_case, actor=worker, started_on=TODAY() + dt.timedelta(days=3))
    assert err.value.field == "started_on"
    assert not Placement.objects.exists()


def test_placement_only_with_the_approved_family(approved_case, worker):
    with pytest.raises(DomainError) as err:
        place_child(**decided(), case=approved_case, family=factories.FamilyFactory(), actor=worker)
    assert err.value.field == "family"


def test_a_case_cannot_be_placed_twice(placement, worker):
    with pytest.raises(DomainError) as err:
        place_child(**decided(), case=placement.case, actor=worker)
    assert "decision stage" in err.value.message
    assert Placement.objects.count() == 1


def test_return_gives_the_child_back_their_home_and_reopens_the_case(placement, worker):
    home = placement.home_before
    end_placement(placement=placement, ended_on=TODAY(), end_reason="returned", return_reason="child_behaviour",
                  notes="school refusal, aggression", actor=worker)
    placement.refresh_from_db()
    case = Case.objects.get(pk=placement.case_id)
    assert (placement.end_reason, placement.return_reason, placement.ended_on) == ("returned", "child_behaviour", TODAY())
    assert case.child.current_home == home
    assert (case.stage, case.outcome, case.closed_on, case.decision_family) == ("available", "", None, None)
    last = StageChange.objects.filter(case=case).last()
    assert (last.from_stage, last.to_stage) == ("placed", "available")
    assert "Returned to institution" in last.reason


def test_return_keeps_the_whole_history(placement, worker):
    end_placement(placement=placement, ended_on=TODAY(), end_reason="returned", return_reason="family_conflict", actor=worker)
    stages = list(StageChange.objects.filter(case=placement.case).values_list("to_stage", flat=True))
    assert stages == ["placed", "available"]
    assert Placement.objects.filter(case=placement.case, end_reason="returned").count() == 1  # what statistics count


def test_return_to_a_home_named_in_the_request(placement, worker):
    other = factories.ChildrensHomeFactory()
    end_placement(placement=placement, ended_on=TODAY(), end_reason="returned", return_reason="carer_health",
                  home=other, actor=worker)
    assert Case.objects.get(pk=placement.case_id).child.current_home == other


def test_return_without_a_known_home_is_refused_and_changes_nothing(db, worker, supervisor):
    case = factories.CaseFactory(assigned_worker=worker, stage=Stage.DECISION, form_of_care="adoption",
                                 decision_family=factories.FamilyFactory(), decision_status=DecisionStatus.APPROVED,
                                 child__current_home=None)
    placement = place_child(**decided(), case=case, actor=worker)
    with pytest.raises(DomainError) as err:
        end_placement(placement=placement, ended_on=TODAY(), end_reason="returned", return_reason="other", actor=worker)
    assert err.value.field == "home"
    placement.refresh_from_db()
    assert placement.ended_on is None
    assert Case.objects.get(pk=case.pk).stage == "placed"


def test_return_needs_a_reason(placement, worker):
    with pytest.raises(DomainError) as err:
        end_placement(placement=placement, ended_on=TODAY(), end_reason="returned", actor=worker)
    assert err.value.field == "return_reason"


def test_return_reason_only_for_a_return(placement, worker):
    with pytest.raises(DomainError) as err:
        end_placement(placement=placement, ended_on=TODAY(), end_reason="permanency", return_reason="other", actor=worker)
    assert err.value.field == "return_reason"


# ("came of age" has its age rule: tests/test_forms_of_care.py)
@pytest.mark.parametrize(("end_reason", "outcome"), [("permanency", "permanency"), ("reunified", "reunified"),
                                                     ("death", "death")])
def test_other_ends_close_the_case_with_the_matching_outcome(placement, worker, end_reason, outcome):
    end_placement(placement=placement, ended_on=TODAY(), end_reason=end_reason, actor=worker)
    case = Case.objects.get(pk=placement.case_id)
    assert (case.stage, case.outcome, case.closed_on) == ("closed", outcome, TODAY())


def test_ending_cancels_visits_still_to_come(placement, worker):
    assert Visit.objects.filter(placement=placement, planned_on__gte=TODAY(), done_on__isnull=True).exists()
    end_placement(placement=placement, ended_on=TODAY(), end_reason="permanency", actor=worker)
    assert not Visit.objects.filter(placement=placement, planned_on__gte=TODAY(), done_on__isnull=True).exists()


def test_end_before_start_is_refused(placement, worker):
    with pytest.raises(DomainError) as err:
        end_placement(placement=placement, ended_on=placement.started_on - dt.timedelta(days=1), end_reason="death",
                      actor=worker)
    assert err.value.field == "ended_on"


def test_an_ended_placement_cannot_end_again(placement, worker):
    end_placement(placement=placement, ended_on=TODAY(), end_reason="permanency", actor=worker)
    with pytest.raises(DomainError) as err:
        end_placement(placement=placement, ended_on=TODAY(), end_reason="death", actor=worker)
    assert "already ended" in err.value.message


def test_returned_child_can_be_placed_again(placement, worker, supervisor):
    end_placement(placement=placement, ended_on=TODAY(), end_reason="returned", return_reason="other", actor=worker)
    case = Case.objects.get(pk=placement.case_id)
    new_family = factories.FamilyFactory()
    for stage in ("matching", "acquaintance"):
        transition_case(case=case, to_stage=stage, actor=worker)
    transition_case(case=case, to_stage="decision", actor=worker, family=new_family)
    from cases.services import approve_decision

    approve_decision(case=case, actor=supervisor, approve=True)
    second = place_child(**decided(), case=case, actor=worker)
    assert Placement.objects.filter(child=case.child).count() == 2
    assert second.family == new_family


def test_placement_cannot_start_before_the_child_entered_care(approved_case, worker):
    with pytest.raises(DomainError) as err:
        place_child(**decided(), case=approved_case, actor=worker, started_on=approved_case.child.entered_care_on - dt.timedelta(days=1))
    assert err.value.field == "started_on"
