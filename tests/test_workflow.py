"""The case workflow service: every move, its history, and every guard."""

import datetime as dt

import pytest
from django.utils import timezone

from cases.models import Case, DecisionStatus, Stage, StageChange
from cases.services import approve_decision, place_child, record_sibling_separation, transition_case
from children.models import LegalStatus
from core.exceptions import DomainError
from tests import factories
from tests.factories import placement_decision as decided

TODAY = timezone.localdate


@pytest.fixture
def case(db, worker):
    return factories.CaseFactory(assigned_worker=worker, responsible_unit=worker.unit, child__region=worker.unit.region)


@pytest.fixture
def family(db, worker):
    return factories.FamilyFactory(region=worker.unit.region, responsible_unit=worker.unit)


def at_decision(case, family, supervisor=None):
    case.stage = Stage.DECISION
    case.form_of_care = family.form_of_care
    case.decision_family = family
    case.decision_status = DecisionStatus.APPROVED if supervisor else DecisionStatus.PENDING
    case.save()
    return case


def test_each_forward_move_writes_history_and_bumps_version(case, family, worker, supervisor):
    transition_case(case=case, to_stage="available", actor=worker, reason="documents complete", form_of_care="adoption")
    transition_case(case=case, to_stage="matching", actor=worker, reason="looking")
    transition_case(case=case, to_stage="acquaintance", actor=worker, reason="two families chosen")
    transition_case(case=case, to_stage="decision", actor=worker, reason="family agrees", family=family)
    approve_decision(case=case, actor=supervisor, approve=True, reason="ok")
    place_child(**decided(), case=case, actor=worker, started_on=TODAY())

    case.refresh_from_db()
    assert case.stage == "placed"
    assert case.version == 7  # five moves and one approval
    history = list(StageChange.objects.filter(case=case).values_list("from_stage", "to_stage", "reason", "actor"))
    assert history == [
        ("registered", "available", "documents complete", worker.pk),
        ("available", "matching", "looking", worker.pk),
        ("matching", "acquaintance", "two families chosen", worker.pk),
        ("acquaintance", "decision", "family agrees", worker.pk),
        ("decision", "placed", "Placed with the family.", worker.pk),
    ]


def test_stage_entered_at_follows_the_move(case, worker):
    before = timezone.now()
    transition_case(case=case, to_stage="available", actor=worker, reason="", form_of_care="guardianship")
    case.refresh_from_db()
    assert case.stage_entered_at >= before
    assert StageChange.objects.get(case=case).changed_at == case.stage_entered_at


def test_backward_move_from_acquaintance_to_matching(case, worker):
    case.stage, case.form_of_care = Stage.ACQUAINTANCE, "adoption"
    case.save()
    transition_case(case=case, to_stage="matching", actor=worker, reason="the family withdrew")
    case.refresh_from_db()
    assert case.stage == "matching"
    assert StageChange.objects.get(case=case).from_stage == "acquaintance"


def test_back_from_decision_needs_a_reason_and_clears_the_decision(case, family, worker):
    at_decision(case, family)
    with pytest.raises(DomainError) as err:
        transition_case(case=case, to_stage="acquaintance", actor=worker, reason="")
    assert err.value.field == "reason"
    transition_case(case=case, to_stage="acquaintance", actor=worker, reason="family asked for more meetings")
    case.refresh_from_db()
    assert (case.stage, case.decision_status, case.decision_family) == ("acquaintance", "", None)


def test_skipping_stages_is_refused(case, worker):
    with pytest.raises(DomainError) as err:
        transition_case(case=case, to_stage="matching", actor=worker, reason="")
    assert err.value.field == "to_stage"
    assert "cannot move from" in err.value.message
    assert Case.objects.get(pk=case.pk).stage == "registered"
    assert not StageChange.objects.filter(case=case).exists()


def test_unknown_stage_is_refused(case, worker):
    with pytest.raises(DomainError) as err:
        transition_case(case=case, to_stage="heaven", actor=worker)
    assert err.value.field == "to_stage"


def test_available_needs_a_form_of_care(case, worker):
    with pytest.raises(DomainError) as err:
        transition_case(case=case, to_stage="available", actor=worker)
    assert err.value.field == "form_of_care"


def test_guest_family_is_not_a_form_of_care_for_a_case(case, worker):
    with pytest.raises(DomainError) as err:
        transition_case(case=case, to_stage="available", actor=worker, form_of_care="guest_family")
    assert err.value.field == "form_of_care"


def test_adoption_refused_when_legal_status_does_not_permit_it(db, worker):
    case = factories.CaseFactory(assigned_worker=worker, child__legal_status=LegalStatus.PARENTS_IN_PRISON)
    with pytest.raises(DomainError) as err:
        transition_case(case=case, to_stage="available", actor=worker, form_of_care="adoption")
    assert err.value.field == "form_of_care"
    assert "Adoption is not open" in err.value.message


def test_guardianship_allowed_when_adoption_is_not(db, worker):
    case = factories.CaseFactory(assigned_worker=worker, child__legal_status=LegalStatus.PARENTS_IN_PRISON)
    transition_case(case=case, to_stage="available", actor=worker, form_of_care="guardianship")
    assert Case.objects.get(pk=case.pk).stage == "available"


def test_expected_version_mismatch_is_refused(case, worker):
    with pytest.raises(DomainError) as err:
        transition_case(case=case, to_stage="available", actor=worker, form_of_care="adoption", expected_version=5)
    assert err.value.field == "expected_version"


def test_close_needs_an_outcome(case, worker):
    with pytest.raises(DomainError) as err:
        transition_case(case=case, to_stage="closed", actor=worker)
    assert err.value.field == "outcome"
    transition_case(case=case, to_stage="closed", actor=worker, outcome="reunified", reason="parents restored")
    case.refresh_from_db()
    assert (case.stage, case.outcome, case.closed_on) == ("closed", "reunified", TODAY())


def test_placed_case_cannot_be_moved_by_transition(db, worker):
    case = factories.CaseFactory(assigned_worker=worker, stage=Stage.PLACED, form_of_care="adoption")
    with pytest.raises(DomainError) as err:
        transition_case(case=case, to_stage="closed", actor=worker, outcome="came_of_age")
    assert "placement ends" in err.value.message


# --- decision and its family guards -------------------------------------------------------------


def test_decision_needs_a_family(case, worker):
    case.stage, case.form_of_care = Stage.ACQUAINTANCE, "adoption"
    case.save()
    with pytest.raises(DomainError) as err:
        transition_case(case=case, to_stage="decision", actor=worker)
    assert err.value.field == "family"


@pytest.mark.parametrize("expired", ["approval_expires_on", "home_study_expires_on", "training_expires_on"])
def test_decision_refused_with_an_expired_family_document(case, worker, expired):
    case.stage, case.form_of_care = Stage.ACQUAINTANCE, "adoption"
    case.save()
    family = factories.FamilyFactory(**{expired: TODAY() - dt.timedelta(days=1)})
    with pytest.raises(DomainError) as err:
        transition_case(case=case, to_stage="decision", actor=worker, family=family)
    assert err.value.field == "family"
    assert "expired" in err.value.message
    assert Case.objects.get(pk=case.pk).stage == "acquaintance"


def test_decision_refused_for_a_family_not_approved(case, worker):
    case.stage, case.form_of_care = Stage.ACQUAINTANCE, "adoption"
    case.save()
    family = factories.FamilyFactory(approval_status="suspended")
    with pytest.raises(DomainError) as err:
        transition_case(case=case, to_stage="decision", actor=worker, family=family)
    assert "not approved" in err.value.message


def test_decision_refused_when_the_form_of_care_does_not_match(case, worker):
    case.stage, case.form_of_care = Stage.ACQUAINTANCE, "adoption"
    case.save()
    family = factories.FamilyFactory(form_of_care="foster_family")
    with pytest.raises(DomainError) as err:
        transition_case(case=case, to_stage="decision", actor=worker, family=family)
    assert err.value.field == "family"
    assert "seeks foster family" in err.value.message


def test_decision_waits_for_the_supervisor(case, family, worker):
    case.stage, case.form_of_care = Stage.ACQUAINTANCE, "adoption"
    case.save()
    transition_case(case=case, to_stage="decision", actor=worker, family=family)
    case.refresh_from_db()
    assert (case.decision_status, case.decision_family) == ("pending", family)
    with pytest.raises(DomainError) as err:
        place_child(**decided(), case=case, actor=worker)
    assert "supervisor's approval" in err.value.message


def test_only_a_supervisor_of_the_unit_approves(case, family, worker):
    at_decision(case, family)
    other_supervisor = factories.UserFactory(role="supervisor", unit=factories.DistrictFactory(region=factories.region_by_code("astana")))
    for actor in (worker, other_supervisor):
        with pytest.raises(DomainError) as err:
            approve_decision(case=case, actor=actor, approve=True)
        assert "Only a supervisor" in err.value.message
    assert Case.objects.get(pk=case.pk).decision_status == "pending"


def test_supervisor_approval_is_recorded(case, family, supervisor):
    at_decision(case, family)
    approve_decision(case=case, actor=supervisor, approve=True, reason="documents in order")
    case.refresh_from_db()
    assert (case.decision_status, case.decision_reviewed_by, case.decision_review_reason) == (
        "approved", supervisor, "documents in order")


def test_rejection_needs_a_reason_and_blocks_placement(case, family, supervisor, worker):
    at_decision(case, family)
    with pytest.raises(DomainError) as err:
        approve_decision(case=case, actor=supervisor, approve=False, reason=" ")
    assert err.value.field == "reason"
    approve_decision(case=case, actor=supervisor, approve=False, reason="home study incomplete")
    with pytest.raises(DomainError):
        place_child(**decided(), case=case, actor=worker)
    assert Case.objects.get(pk=case.pk).decision_status == "rejected"


def test_approve_without_a_pending_decision_is_refused(case, supervisor):
    with pytest.raises(DomainError) as err:
        approve_decision(case=case, actor=supervisor, approve=True)
    assert "no decision waiting" in err.value.message


def test_placement_refused_when_approval_expired_since_the_decision(case, family, supervisor, worker):
    at_decision(case, family, supervisor)
    family.approval_expires_on = TODAY() - dt.timedelta(days=1)
    family.save()
    with pytest.raises(DomainError) as err:
        place_child(**decided(), case=case, actor=worker)
    assert "approval" in err.value.message
    assert not case.placements.exists()


def test_transition_to_placed_places_the_child(case, family, supervisor, worker):
    at_decision(case, family, supervisor)
    transition_case(case=case, to_stage="placed", actor=worker, reason="court decision received",
                    **decided(decision_document_number="2-88/2026"))
    case.refresh_from_db()
    assert case.stage == "placed"
    assert case.placements.get().family == family
    assert case.placements.get().decision_document_number == "2-88/2026"


# --- siblings -----------------------------------------------------------------------------------


@pytest.fixture
def siblings(db, worker, family):
    group = factories.SiblingGroupFactory()
    first = factories.CaseFactory(assigned_worker=worker, responsible_unit=worker.unit, child__sibling_group=group)
    second = factories.CaseFactory(assigned_worker=worker, responsible_unit=worker.unit, child__sibling_group=group,
                                   stage=Stage.AVAILABLE, form_of_care="adoption")
    return first, second


def test_siblings_cannot_be_separated_without_a_decision(siblings, family, supervisor, worker):
    first, _second = siblings
    at_decision(first, family, supervisor)
    with pytest.raises(DomainError) as err:
        place_child(**decided(), case=first, actor=worker)
    assert "sibling separation decision" in err.value.message
    assert not first.placements.exists()


def test_siblings_placed_apart_with_a_recorded_decision(siblings, family, supervisor, worker):
    first, _second = siblings
    at_decision(first, family, supervisor)
    record_sibling_separation(case=first, actor=supervisor, reason="the brother needs specialist care")
    placement = place_child(**decided(), case=first, actor=worker)
    assert placement.siblings_separated is True


def test_siblings_placed_together_need_no_decision(siblings, family, supervisor, worker):
    first, second = siblings
    at_decision(first, family, supervisor)
    at_decision(second, family, supervisor)
    first_placement = place_child(**decided(), case=first, actor=worker)
    second_placement = place_child(**decided(), case=second, actor=worker)
    assert (first_placement.siblings_separated, second_placement.siblings_separated) == (False, False)


def test_separation_decision_needs_a_reason(siblings, supervisor):
    with pytest.raises(DomainError) as err:
        record_sibling_separation(case=siblings[0], actor=supervisor, reason="  ")
    assert err.value.field == "reason"


def test_closed_sibling_case_does_not_block(siblings, family, supervisor, worker):
    first, second = siblings
    second.stage, second.outcome, second.closed_on = Stage.CLOSED, "reunified", TODAY()
    second.save()
    at_decision(first, family, supervisor)
    assert place_child(**decided(), case=first, actor=worker).siblings_separated is False


def test_stage_time_limits_ship_as_editable_policy_data(db):
    from cases.models import StageTimeLimit

    limits = dict(StageTimeLimit.objects.values_list("stage", "max_days"))
    assert set(limits) == {"registered", "available", "matching", "acquaintance", "decision"}
    assert all(days > 0 for days in limits.values())


# --- every move of the table, allowed or refused --------------------------------------------------

ALLOWED = [
    ("registered", "available"), ("registered", "closed"),
    ("available", "matching"), ("available", "registered"), ("available", "closed"),
    ("matching", "acquaintance"), ("matching", "available"), ("matching", "closed"),
    ("acquaintance", "decision"), ("acquaintance", "matching"), ("acquaintance", "closed"),
    ("decision", "acquaintance"), ("decision", "matching"), ("decision", "closed"),
]


@pytest.mark.parametrize(("from_stage", "to_stage"), ALLOWED)
def test_each_allowed_move_is_recorded(db, worker, from_stage, to_stage):
    family = factories.FamilyFactory()
    case = factories.CaseFactory(assigned_worker=worker, stage=from_stage, form_of_care="adoption",
                                 decision_family=family if from_stage == "decision" else None,
                                 decision_status="pending" if from_stage == "decision" else "")
    transition_case(case=case, to_stage=to_stage, actor=worker, reason="because", family=family,
                    outcome="transferred" if to_stage == "closed" else None)
    case.refresh_from_db()
    change = StageChange.objects.get(case=case)
    assert (case.stage, change.from_stage, change.to_stage, change.reason, change.actor) == (
        to_stage, from_stage, to_stage, "because", worker)


@pytest.mark.parametrize(("from_stage", "to_stage"), [
    ("registered", "decision"), ("registered", "placed"), ("available", "acquaintance"), ("matching", "decision"),
    ("acquaintance", "placed"), ("closed", "available"), ("closed", "registered"),
])
def test_each_refused_move_changes_nothing(db, worker, from_stage, to_stage):
    closed = from_stage == "closed"
    case = factories.CaseFactory(assigned_worker=worker, stage=from_stage, form_of_care="adoption",
                                 outcome="reunified" if closed else "", closed_on=TODAY() if closed else None)
    with pytest.raises(DomainError) as err:
        transition_case(case=case, to_stage=to_stage, actor=worker, family=factories.FamilyFactory())
    assert err.value.field == "to_stage"
    assert (Case.objects.get(pk=case.pk).stage, StageChange.objects.filter(case=case).count()) == (from_stage, 0)


def test_closing_date_cannot_be_in_the_future(case, worker):
    with pytest.raises(DomainError) as err:
        transition_case(case=case, to_stage="closed", actor=worker, outcome="reunified",
                        closed_on=TODAY() + dt.timedelta(days=1))
    assert err.value.field == "closed_on"
