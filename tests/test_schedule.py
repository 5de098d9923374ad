"""Visit schedules are data: each form of care's policy plans the visits of a new placement, and a
changed policy re-plans the open placements' visits not done yet."""

import datetime as dt

import pytest
from django.utils import timezone

from tests.factories import FamilyFactory, PlacementFactory
from visits.models import Visit, VisitPolicy
from visits.services import (
    cancel_pending_visits,
    extend_visit_horizons,
    regenerate_planned_visits,
    schedule_visits_for_placement,
)

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 1, 15)


def planned(placement, kind=Visit.Kind.SCHEDULED) -> list[dt.date]:
    return list(placement.visits.filter(kind=kind).order_by("planned_on").values_list("planned_on", flat=True))


def place(form_of_care: str, started_on: dt.date = TODAY):
    return PlacementFactory(family=FamilyFactory(form_of_care=form_of_care), started_on=started_on)


def test_adoption_is_visited_at_1_3_6_12_months_then_every_6_until_36():
    placement = place("adoption")
    schedule_visits_for_placement(placement=placement, today=TODAY)
    months = [1, 3, 6, 12, 18, 24, 30, 36]
    assert planned(placement) == [dt.date(2026 + (m // 12), 1 + m % 12, 15) if m % 12 else dt.date(2026 + m // 12, 1, 15)
                                  for m in months]
    assert planned(placement, Visit.Kind.ANNUAL_REPORT) == []


@pytest.mark.parametrize("form_of_care", ["guardianship", "trusteeship", "foster_family", "professional_foster", "patronage"])
def test_guardianship_like_forms_are_visited_at_1_month_then_every_3_months_with_annual_report(form_of_care):
    placement = place(form_of_care)
    schedule_visits_for_placement(placement=placement, today=TODAY)
    visits = planned(placement)
    assert visits[:4] == [dt.date(2026, 2, 15), dt.date(2026, 5, 15), dt.date(2026, 8, 15), dt.date(2026, 11, 15)]
    # Open-ended: planned up to the 36-month horizon, every 3 months.
    assert visits[-1] == dt.date(2028, 11, 15)
    assert len(visits) == 12
    assert planned(placement, Visit.Kind.ANNUAL_REPORT) == [dt.date(2027, 1, 15), dt.date(2028, 1, 15), dt.date(2029, 1, 15)]


def test_month_ends_are_clamped_to_the_last_day_of_a_shorter_month():
    placement = place("adoption", started_on=dt.date(2026, 1, 31))
    schedule_visits_for_placement(placement=placement, today=dt.date(2026, 1, 31))
    assert planned(placement)[0] == dt.date(2026, 2, 28)


def test_a_guest_family_has_no_schedule():
    placement = place("guest_family")
    assert schedule_visits_for_placement(placement=placement, today=TODAY) == []
    assert placement.visits.count() == 0


def test_scheduling_twice_does_not_double_visits():
    placement = place("adoption")
    schedule_visits_for_placement(placement=placement, today=TODAY)
    schedule_visits_for_placement(placement=placement, today=TODAY)
    assert placement.visits.count() == 8


def test_the_sql_rule_plans_the_same_dates_as_the_python_rule():
    """Both implementations of the policy (one placement / all open placements) agree."""
    for form, started in [("adoption", dt.date(2025, 3, 31)), ("foster_family", dt.date(2024, 8, 30)), ("professional_foster", TODAY)]:
        placement = place(form, started_on=started)
        schedule_visits_for_placement(placement=placement, today=TODAY)
        future = placement.visits.filter(planned_on__gte=TODAY).exclude(kind="extra")
        expected = list(future.order_by("kind", "planned_on").values_list("kind", "planned_on"))
        placement.visits.all().delete()
        regenerate_planned_visits(policy=VisitPolicy.objects.get(form_of_care=form), today=TODAY)
        got = list(placement.visits.exclude(kind="extra").order_by("kind", "planned_on").values_list("kind", "planned_on"))
        assert got == expected, form


def test_a_policy_change_replans_open_placements_but_keeps_done_and_past_visits(worker):
    placement = place("foster_family", started_on=dt.date(2025, 1, 15))
    schedule_visits_for_placement(placement=placement, today=dt.date(2025, 1, 15))
    done = placement.visits.get(planned_on=dt.date(2025, 2, 15))
    done.done_on, done.worker = dt.date(2025, 2, 16), worker
    done.save()
    ended = place("foster_family", started_on=dt.date(2025, 1, 15))
    ended.ended_on, ended.end_reason = dt.date(2025, 6, 1), "permanency"
    ended.save()
    policy = VisitPolicy.objects.get(form_of_care="foster_family")
    policy.repeat_every_months = 6
    policy.save()

    regenerate_planned_visits(policy=policy, today=TODAY)

    future = [d for d in planned(placement) if d >= TODAY]
    # 1 month, then every 6: months 7, 13, 19, ... from 2025-01-15.
    assert future[:3] == [dt.date(2026, 2, 15), dt.date(2026, 8, 15), dt.date(2027, 2, 15)]
    assert placement.visits.filter(pk=done.pk, done_on=dt.date(2025, 2, 16)).exists()
    assert placement.visits.filter(planned_on=dt.date(2025, 5, 15)).exists()  # past, kept as missed
    assert ended.visits.count() == 0


def test_the_nightly_extension_plans_visits_entering_the_horizon_once():
    placement = place("foster_family", started_on=TODAY)
    schedule_visits_for_placement(placement=placement, today=TODAY)
    assert planned(placement)[-1] == dt.date(2028, 11, 15)
    later = dt.date(2026, 2, 20)  # horizon now 2029-02-20: the visit of 2029-02-15 comes within it
    assert extend_visit_horizons(today=later) == 1
    assert extend_visit_horizons(today=later) == 0
    assert planned(placement)[-1] == dt.date(2029, 2, 15)


def test_ending_a_placement_cancels_visits_not_done_after_the_end():
    placement = place("foster_family", started_on=dt.date(2025, 1, 15))
    schedule_visits_for_placement(placement=placement, today=dt.date(2025, 1, 15))
    placement.ended_on, placement.end_reason = dt.date(2025, 6, 1), "permanency"
    placement.save()
    removed = cancel_pending_visits(placement=placement)
    assert removed > 0
    assert planned(placement) == [dt.date(2025, 2, 15), dt.date(2025, 5, 15)]


def test_saving_a_policy_in_the_admin_replans_open_placements(admin_client):
    placement = place("patronage", started_on=TODAY)
    schedule_visits_for_placement(placement=placement, today=TODAY)
    policy = VisitPolicy.objects.get(form_of_care="patronage")
    response = admin_client.post(f"/admin/visits/visitpolicy/{policy.pk}/change/", {
        "form_of_care": "patronage", "first_visits_months": "[1, 2]", "repeat_every_months": "2",
        "repeat_until_months": "", "horizon_months": "36", "annual_report_every_months": "12", "source": "local default",
    })
    assert response.status_code == 302
    assert VisitPolicy.objects.get(pk=policy.pk).repeat_every_months == 2
    future = [d for d in planned(placement) if d >= timezone.localdate()]
    months_after_start = {(d.year - TODAY.year) * 12 + d.month - TODAY.month for d in future}
    assert future and all(m % 2 == 0 for m in months_after_start)  # now every 2 months
    assert dt.date(2026, 8, 15) in planned(placement)  # month 7 of the old policy, past: kept


def test_a_policy_with_an_end_month_but_no_repeat_is_refused():
    policy = VisitPolicy(form_of_care="guest_family", first_visits_months=[1], repeat_until_months=12)
    with pytest.raises(Exception, match="repeat"):
        policy.full_clean()


def test_the_extension_is_its_own_nightly_task_before_the_reminder_sweep(settings):
    from celery.schedules import crontab

    from visits.tasks import extend_horizons

    beat = settings.CELERY_BEAT_SCHEDULE
    assert beat["extend-visit-horizons"]["task"] == "visits.extend_horizons"
    extension, sweep = beat["extend-visit-horizons"]["schedule"], beat["daily-sweep"]["schedule"]
    assert isinstance(extension, crontab) and isinstance(sweep, crontab)
    assert (min(extension.hour), min(extension.minute)) < (min(sweep.hour), min(sweep.minute))
    today = timezone.localdate()  # the task plans for the real today
    placement = place("foster_family", started_on=today)
    schedule_visits_for_placement(placement=placement, today=today)
    assert extend_horizons() == 0  # planned up to today's horizon at the start: nothing to add
