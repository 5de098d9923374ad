"""The risk of return: factors and bands on fixtures with known answers, the weights as data, the
history kept for calibration, and what a move into the high band sets off."""

import datetime as dt

import pytest
from django.utils import timezone

from notifications.models import Notification
from risk.models import PlacementRisk, RiskAssessment, RiskFactorWeight
from risk.services import recompute_all_risks, recompute_risk, record_family_event
from tests.factories import (
    CaseFactory,
    ChildFactory,
    FamilyFactory,
    PlacementFactory,
    UserFactory,
    VisitFactory,
)
from visits.services import record_visit

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 3, 1)
STARTED = dt.date(2026, 1, 15)


def placement_for(*, birth_date=dt.date(2023, 6, 1), entered_care_on=dt.date(2025, 6, 1), sdq=None, abuse=False,
                  family=None, siblings_separated=False, started_on=STARTED, case=None, relationship=None, **child):
    child = ChildFactory(birth_date=birth_date, entered_care_on=entered_care_on, sdq_total_difficulties=sdq,
                         abuse_or_neglect_history=abuse, **child)
    case = case or CaseFactory(child=child, stage="placed")
    # By default the child's grandparents are guardians (kinship is the placement's carer relationship).
    relationship = relationship or ("grandparent" if family is None else "none")
    family = family or FamilyFactory(form_of_care="guardianship")
    return PlacementFactory(case=case, child=child, family=family, form_of_care=family.form_of_care,
                            started_on=started_on, siblings_separated=siblings_separated, carer_relationship=relationship)


def contributions(result) -> dict[str, int]:
    return {f["factor"]: f["contribution"] for f in result.factors}


def test_a_young_child_placed_quickly_with_trained_relatives_scores_zero_and_low():
    result = recompute_risk(placement=placement_for(), reason="assessment", today=TODAY)
    assert (result.score, result.band, result.factors) == (0, "low", [])


def test_an_adolescent_with_high_sdq_and_abuse_history_in_non_kin_care_is_high_with_each_factor_listed():
    placement = placement_for(
        birth_date=dt.date(2010, 1, 1), entered_care_on=dt.date(2022, 1, 1), sdq=20, abuse=True,
        family=FamilyFactory(form_of_care="adoption"),
    )
    result = recompute_risk(placement=placement, reason="assessment", today=TODAY)
    assert contributions(result) == {
        "sdq_high": 25, "adolescent_at_placement": 20, "abuse_or_neglect": 10, "long_in_institution": 10, "non_kin": 5,
    }
    assert (result.score, result.band) == (70, "high")
    # Largest contribution first, with the value that triggered it.
    assert result.factors[0] == {"factor": "sdq_high", "contribution": 25, "detail": "20"}
    stored = PlacementRisk.objects.get(placement=placement)
    assert (stored.score, stored.band, stored.high_since) == (70, "high", TODAY)


def test_thirty_points_is_the_medium_band():
    placement = placement_for(birth_date=dt.date(2017, 1, 1), sdq=15, siblings_separated=True,
                              family=FamilyFactory(form_of_care="foster_family"))
    result = recompute_risk(placement=placement, reason="assessment", today=TODAY)
    assert contributions(result) == {"older_at_placement": 10, "sdq_raised": 10, "siblings_separated": 5, "non_kin": 5}
    assert (result.score, result.band) == (30, "medium")


def test_carers_without_training_certificate_add_their_weight():
    family = FamilyFactory(form_of_care="guardianship", training_certificate_number="",
                           training_issued_on=None, training_expires_on=None)
    result = recompute_risk(placement=placement_for(family=family, relationship="aunt_uncle"), reason="assessment", today=TODAY)
    assert contributions(result) == {"carer_not_trained": 10}


def test_earlier_breakdowns_count_each_return_up_to_the_cap():
    child = ChildFactory(birth_date=dt.date(2023, 6, 1), entered_care_on=dt.date(2024, 2, 1))
    for start, end in [(dt.date(2024, 3, 1), dt.date(2024, 6, 1)), (dt.date(2024, 7, 1), dt.date(2024, 9, 1)),
                       (dt.date(2024, 10, 1), dt.date(2024, 12, 1))]:
        PlacementFactory(case=CaseFactory(child=child, stage="closed", outcome="transferred", closed_on=end),
                         child=child, started_on=start, ended_on=end, end_reason="returned", return_reason="other")
    placement = PlacementFactory(case=CaseFactory(child=child, stage="placed"), child=child, started_on=STARTED,
                                 family=FamilyFactory(form_of_care="guardianship"), form_of_care="guardianship",
                                 carer_relationship="grandparent")
    result = recompute_risk(placement=placement, reason="assessment", today=TODAY)
    assert contributions(result) == {"earlier_breakdowns": 30}  # 3 returns, 15 each, counted twice at most
    assert result.factors[0]["detail"] == "3"


def test_missed_visits_count_visits_overdue_by_a_week():
    placement = placement_for()
    VisitFactory(placement=placement, planned_on=TODAY - dt.timedelta(days=20))
    VisitFactory(placement=placement, planned_on=TODAY - dt.timedelta(days=3))  # overdue, not a week yet
    result = recompute_risk(placement=placement, reason="assessment", today=TODAY)
    assert contributions(result) == {"missed_visits": 10}


def test_weights_are_data_a_disabled_factor_no_longer_counts():
    placement = placement_for(sdq=25)
    assert contributions(recompute_risk(placement=placement, reason="assessment", today=TODAY)) == {"sdq_high": 25}
    RiskFactorWeight.objects.filter(factor="sdq_high").update(weight=40)
    assert recompute_risk(placement=placement, reason="assessment", today=TODAY).score == 40
    RiskFactorWeight.objects.filter(factor="sdq_high").update(enabled=False)
    # With "high" off the raised band (from 14) still counts.
    assert contributions(recompute_risk(placement=placement, reason="assessment", today=TODAY)) == {"sdq_raised": 10}


def test_an_ended_placement_is_not_scored():
    placement = placement_for()
    placement.ended_on, placement.end_reason = TODAY, "permanency"
    placement.save()
    assert recompute_risk(placement=placement, reason="assessment", today=TODAY) is None


def test_a_family_event_raises_the_score_of_the_familys_placements(worker):
    placement = placement_for()
    colleague = UserFactory(unit=placement.family.responsible_unit)  # the family's own unit sees it
    event = record_family_event(family=placement.family, kind="divorce", occurred_on=timezone.localdate(), notes="",
                                actor=colleague)
    assert event.pk
    risk = PlacementRisk.objects.get(placement=placement)
    assert [f["factor"] for f in risk.factors] == ["family_events"]
    assert RiskAssessment.objects.filter(placement=placement, reason="family_event").count() == 1


def test_a_visit_with_serious_concerns_moves_into_high_schedules_an_extra_visit_and_alerts_the_supervisor(district):
    supervisor = UserFactory(role="supervisor", unit=district.parent)
    other_region_supervisor = UserFactory(role="supervisor")
    today = timezone.localdate()
    case = CaseFactory(responsible_unit=district, stage="placed")
    placement = placement_for(birth_date=today - dt.timedelta(days=365 * 13), entered_care_on=today - dt.timedelta(days=400),
                              sdq=14, case=case, started_on=today - dt.timedelta(days=40),
                              family=FamilyFactory(form_of_care="foster_family"))
    before = recompute_risk(placement=placement, reason="assessment")
    assert (before.score, before.band) == (35, "medium")  # adolescent 20 + SDQ raised 10 + non-kin 5
    visit = VisitFactory(placement=placement, planned_on=today - dt.timedelta(days=1))

    record_visit(visit=visit, actor=case.assigned_worker, done_on=today, child_seen=True, seen_by="A. Worker",
                 child_condition="serious_concerns", family_condition="some_concerns",
                 checklist={"child_wishes_heard": False}, concerns="Child asks to leave.")

    risk = PlacementRisk.objects.get(placement=placement)
    assert (risk.score, risk.band) == (60, "high")  # the same + serious concerns at the visit 25
    assert risk.last_visit_on == today
    extra = placement.visits.get(kind="extra", done_on__isnull=True)
    assert today < extra.planned_on <= today + dt.timedelta(days=14)
    alert = Notification.objects.get(kind="high_risk", placement=placement)
    assert alert.recipient == supervisor
    assert not Notification.objects.filter(recipient=other_region_supervisor).exists()
    assert RiskAssessment.objects.filter(placement=placement, reason="visit", visit=visit, band="high").exists()


def test_staying_high_does_not_schedule_another_extra_visit(supervisor):
    placement = placement_for(birth_date=dt.date(2010, 1, 1), sdq=30, abuse=True, family=FamilyFactory(form_of_care="foster_family"))
    recompute_risk(placement=placement, reason="assessment", today=TODAY)
    recompute_risk(placement=placement, reason="assessment", today=TODAY)
    assert placement.visits.filter(kind="extra").count() == 1


def test_the_nightly_recomputation_finds_moves_into_high_and_a_rerun_changes_nothing():
    placement = placement_for(family=FamilyFactory(form_of_care="foster_family"))
    assert recompute_risk(placement=placement, reason="assessment", today=TODAY).band == "low"
    # Three visits missed: the score moves without any event, and only the sweep sees it.
    for days in (60, 40, 20):
        VisitFactory(placement=placement, planned_on=TODAY - dt.timedelta(days=days))
    placement.child.sdq_total_difficulties = 18
    placement.child.save()
    assert recompute_all_risks(today=TODAY) == 1
    assert PlacementRisk.objects.get(placement=placement).band == "high"  # 30 + 25 + 5
    assert recompute_all_risks(today=TODAY) == 0
    assert RiskAssessment.objects.filter(placement=placement, reason="sweep").count() == 1


def _medium_placement(today: dt.date):
    """Older child (10) + raised SDQ (10) + placed apart from siblings (5) + non-kin (5) = 30, medium."""
    placement = placement_for(birth_date=today - dt.timedelta(days=365 * 9), entered_care_on=today - dt.timedelta(days=200),
                              sdq=15, siblings_separated=True, started_on=today - dt.timedelta(days=40),
                              family=FamilyFactory(form_of_care="foster_family"))
    before = recompute_risk(placement=placement, reason="assessment")
    assert (before.score, before.band) == (30, "medium")
    return placement


def _record(placement, **answers):
    today = timezone.localdate()
    visit = VisitFactory(placement=placement, planned_on=today - dt.timedelta(days=1))
    defaults = {"child_seen": True, "seen_by": "A. Worker", "child_condition": "good", "family_condition": "good",
                "checklist": {}, "concerns": ""}
    record_visit(visit=visit, actor=placement.case.assigned_worker, done_on=today, **{**defaults, **answers})
    return PlacementRisk.objects.get(placement=placement)


def test_a_visit_with_serious_concerns_for_child_and_family_moves_a_medium_placement_to_high():
    placement = _medium_placement(timezone.localdate())
    risk = _record(placement, child_condition="serious_concerns", family_condition="serious_concerns",
                   concerns="The carers no longer want the child.")
    assert risk.band == "high"
    assert {f["factor"] for f in risk.factors} >= {"last_visit_serious_concerns_both"}
    assert "last_visit_serious_concerns" not in {f["factor"] for f in risk.factors}  # counted once, as "both"
    assert placement.visits.filter(kind="extra", done_on__isnull=True).exists()


@pytest.mark.parametrize("answers, factor", [
    ({"child_seen": False, "seen_by": "", "concerns": "Nobody opened the door."}, "last_visit_child_not_seen"),
    ({"checklist": {"signs_of_harm": True}, "concerns": "Bruises on the arms."}, "last_visit_signs_of_harm"),
])
def test_a_child_not_seen_or_signs_of_harm_set_the_band_to_high_whatever_the_score(answers, factor):
    placement = placement_for(relationship="grandparent",
                              started_on=timezone.localdate() - dt.timedelta(days=40))
    risk = _record(placement, **answers)
    assert [f["factor"] for f in risk.factors] == [factor]
    assert risk.score < 55 and risk.band == "high"


def test_one_serious_concern_alone_adds_its_weight_without_forcing_high():
    placement = _medium_placement(timezone.localdate())
    risk = _record(placement, child_condition="serious_concerns", family_condition="good", concerns="Withdrawn.")
    assert (risk.score, risk.band) == (55, "high")  # 30 + 25: reaches high by points, not by a finding
    placement2 = placement_for(relationship="grandparent",
                               started_on=timezone.localdate() - dt.timedelta(days=40))
    risk2 = _record(placement2, child_condition="serious_concerns", family_condition="good", concerns="Withdrawn.")
    assert (risk2.score, risk2.band) == (25, "low")


def test_the_history_assesses_every_placement_at_its_start_and_at_each_visit_with_the_facts_of_that_day():
    from risk.services import record_risk_history

    today = timezone.localdate()
    placement = placement_for(relationship="grandparent",
                              started_on=today - dt.timedelta(days=300))
    worker = placement.case.assigned_worker
    good = VisitFactory(placement=placement, planned_on=today - dt.timedelta(days=270),
                        done_on=today - dt.timedelta(days=270), worker=worker, child_seen=True, seen_by="W",
                        child_condition="good", family_condition="good")
    bad = VisitFactory(placement=placement, planned_on=today - dt.timedelta(days=100),
                       done_on=today - dt.timedelta(days=100), worker=worker, child_seen=True, seen_by="W",
                       child_condition="serious_concerns", family_condition="serious_concerns")
    placement.ended_on, placement.end_reason, placement.return_reason = today - dt.timedelta(days=20), "returned", "family_conflict"
    placement.save()

    assert record_risk_history() == 3
    rows = {(r.reason, r.visit_id): (r.assessed_on, r.band) for r in RiskAssessment.objects.filter(placement=placement)}
    assert rows == {
        ("placement_start", None): (placement.started_on, "low"),
        ("visit", good.pk): (good.done_on, "low"),
        ("visit", bad.pk): (bad.done_on, "high"),
    }
    assert record_risk_history() == 0  # each point once
