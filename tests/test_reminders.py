"""The daily reminder sweep: each kind of reminder fires once, on its day, to the right person, and
never again when the sweep runs again; overdue items escalate to the supervisor; e-mails go out once."""

import datetime as dt
from datetime import datetime, time

import pytest
from django.core import mail
from django.utils import timezone

from accounts.models import OrganisationalUnit
from notifications.models import Notification
from notifications.services import SWEEP_STEPS, run_reminder_sweep, send_pending_emails
from risk.models import PlacementRisk
from tests.factories import CaseFactory, FamilyFactory, PlacementFactory, UserFactory, VisitFactory

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 3, 2)


def day(offset: int) -> dt.date:
    return TODAY + dt.timedelta(days=offset)


def visit_key(visit) -> str:
    """A visit's reminders are about the placement's visit of that kind on that date, not the row."""
    return f"visit:{visit.placement_id}:{visit.kind}"


def kinds_for(user) -> list[tuple[str, str, dt.date]]:
    return sorted(Notification.objects.filter(recipient=user).values_list("kind", "subject_key", "due_on"))


@pytest.fixture
def placement(district):
    case = CaseFactory(responsible_unit=district, stage="placed")
    return PlacementFactory(case=case, child=case.child, started_on=day(-100))


def test_visit_due_fires_seven_days_ahead_once(placement):
    visit = VisitFactory(placement=placement, planned_on=day(7))
    worker = placement.case.assigned_worker
    assert run_reminder_sweep(today=day(-1)).total == 0  # eight days ahead: not yet
    assert run_reminder_sweep(today=TODAY).created["visit_due"] == 1
    assert run_reminder_sweep(today=TODAY).total == 0
    assert run_reminder_sweep(today=day(1)).total == 0  # the next day: still the same reminder
    assert kinds_for(worker) == [("visit_due", visit_key(visit), day(7))]


def test_a_visit_done_is_not_reminded(placement, worker):
    VisitFactory(placement=placement, planned_on=day(5), done_on=day(-1), worker=worker)
    assert run_reminder_sweep(today=TODAY).total == 0


def test_visit_overdue_fires_the_day_after_once(placement):
    visit = VisitFactory(placement=placement, planned_on=day(-1))
    worker = placement.case.assigned_worker
    assert run_reminder_sweep(today=day(-1)).created["visit_overdue"] == 0
    assert run_reminder_sweep(today=TODAY).created["visit_overdue"] == 1
    run_reminder_sweep(today=TODAY)
    run_reminder_sweep(today=day(2))
    overdue = Notification.objects.filter(recipient=worker, kind="visit_overdue")
    assert list(overdue.values_list("subject_key", "due_on")) == [(visit_key(visit), day(-1))]


def test_an_overdue_visit_escalates_to_the_supervisor_after_the_set_days(placement, supervisor, settings):
    settings.NOTIFICATION_ESCALATE_AFTER_DAYS = 5
    visit = VisitFactory(placement=placement, planned_on=day(-5))
    run_reminder_sweep(today=day(-1))  # four days overdue: the worker only
    assert kinds_for(supervisor) == []
    run_reminder_sweep(today=TODAY)
    run_reminder_sweep(today=TODAY)
    assert kinds_for(supervisor) == [("escalation", visit_key(visit), day(-5))]
    assert Notification.objects.filter(kind="escalation").count() == 1


def test_supervisors_of_other_regions_get_no_escalation(placement, settings):
    settings.NOTIFICATION_ESCALATE_AFTER_DAYS = 1
    outsider = UserFactory(role="supervisor", unit=OrganisationalUnit.objects.get(kind="region", region__code="astana"))
    VisitFactory(placement=placement, planned_on=day(-2))
    run_reminder_sweep(today=TODAY)
    assert kinds_for(outsider) == []


def test_home_study_expiring_within_30_days_fires_once_to_the_familys_supervisor(district, supervisor):
    family = FamilyFactory(responsible_unit=district, home_study_issued_on=day(-300), home_study_expires_on=day(30))
    run_reminder_sweep(today=day(-1))
    assert kinds_for(supervisor) == []
    run_reminder_sweep(today=TODAY)
    run_reminder_sweep(today=day(3))
    assert kinds_for(supervisor) == [("certificate_expiring", f"family:{family.pk}:home_study", day(30))]


def test_training_certificate_and_approval_are_reminded_separately(district, supervisor):
    family = FamilyFactory(responsible_unit=district, training_issued_on=day(-300), training_expires_on=day(10),
                           approved_on=day(-300), approval_expires_on=day(20))
    run_reminder_sweep(today=TODAY)
    assert [k[1] for k in kinds_for(supervisor)] == [f"family:{family.pk}:approval", f"family:{family.pk}:training"]


def at(date: dt.date) -> datetime:
    return timezone.make_aware(datetime.combine(date, time(10, 0)))


def test_a_case_stuck_past_its_stage_limit_fires_once_and_escalates_later(district, supervisor, settings):
    settings.NOTIFICATION_ESCALATE_AFTER_DAYS = 7
    case = CaseFactory(responsible_unit=district, stage="matching", stage_entered_at=at(day(-90)))  # limit 90 days
    run_reminder_sweep(today=day(-1))
    assert kinds_for(case.assigned_worker) == []
    run_reminder_sweep(today=TODAY)
    run_reminder_sweep(today=day(1))
    assert kinds_for(case.assigned_worker) == [("case_stuck", f"case:{case.pk}:matching", TODAY)]
    run_reminder_sweep(today=day(6))
    assert kinds_for(supervisor) == []
    run_reminder_sweep(today=day(7))
    run_reminder_sweep(today=day(8))
    assert kinds_for(supervisor) == [("escalation", f"case:{case.pk}:matching", TODAY)]


def test_a_high_risk_placement_without_a_visit_for_30_days_fires_once(placement, worker):
    VisitFactory(placement=placement, planned_on=day(-31), done_on=day(-31), worker=worker)
    PlacementRisk.objects.create(placement=placement, score=70, band="high", factors=[], computed_on=TODAY,
                                 last_visit_on=day(-31))
    run_reminder_sweep(today=day(-2))
    assert Notification.objects.filter(kind="high_risk_no_visit").count() == 0
    run_reminder_sweep(today=day(-1))
    run_reminder_sweep(today=TODAY)
    assert kinds_for(placement.case.assigned_worker) == [("high_risk_no_visit", f"placement:{placement.pk}", day(-1))]


def test_a_low_risk_placement_without_visits_is_not_a_high_risk_reminder(placement):
    PlacementRisk.objects.create(placement=placement, score=5, band="low", factors=[], computed_on=TODAY)
    run_reminder_sweep(today=TODAY)
    assert not Notification.objects.filter(kind="high_risk_no_visit").exists()


def test_ended_placements_get_no_visit_reminders(placement):
    VisitFactory(placement=placement, planned_on=day(3))
    placement.ended_on, placement.end_reason = day(-1), "permanency"
    placement.save()
    assert run_reminder_sweep(today=TODAY).total == 0


@pytest.mark.parametrize("placements", [1, 6])
def test_the_sweep_runs_a_constant_number_of_queries(district, django_assert_max_num_queries, placements):
    for _ in range(placements):
        case = CaseFactory(responsible_unit=district, stage="placed")
        placement = PlacementFactory(case=case, child=case.child, started_on=day(-100))
        VisitFactory(placement=placement, planned_on=day(2))
        VisitFactory(placement=placement, planned_on=day(-2))
    # Per kind: its savepoint, the day's claim (with the previous run), the planner settings, the
    # insert, the tally and the release; and one read of the stage limits.
    with django_assert_max_num_queries(6 * len(SWEEP_STEPS) + 2):
        result = run_reminder_sweep(today=TODAY)
    assert result.created["visit_due"] == placements and result.created["visit_overdue"] == placements


def test_each_reminder_is_emailed_once(placement):
    VisitFactory(placement=placement, planned_on=day(7))
    run_reminder_sweep(today=TODAY)
    mail.outbox.clear()
    assert send_pending_emails() == 1
    assert send_pending_emails() == 0
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [placement.case.assigned_worker.email]
    assert Notification.objects.get().emailed_at is not None


def test_a_rerun_the_same_day_skips_the_kinds_done_and_a_forced_one_adds_nothing(placement):
    VisitFactory(placement=placement, planned_on=day(3))
    assert run_reminder_sweep(today=TODAY).created["visit_due"] == 1
    with_new = VisitFactory(placement=placement, planned_on=day(4))  # planned after today's sweep
    assert run_reminder_sweep(today=TODAY).total == 0
    assert run_reminder_sweep(today=TODAY, force=True).created["visit_due"] == 1  # only the new one
    assert run_reminder_sweep(today=TODAY, force=True).total == 0
    assert Notification.objects.filter(kind="visit_due", subject_key=visit_key(with_new), due_on=day(4)).count() == 1


def test_something_due_after_the_days_sweep_is_reminded_the_next_day(placement):
    run_reminder_sweep(today=TODAY)
    late = VisitFactory(placement=placement, planned_on=day(5))
    run_reminder_sweep(today=TODAY)
    assert not Notification.objects.filter(subject_key=visit_key(late), due_on=day(5)).exists()
    run_reminder_sweep(today=day(1))
    assert Notification.objects.filter(kind="visit_due", subject_key=visit_key(late), due_on=day(5)).count() == 1


# --- The visits step after a previous run looks only at what can be new ---------------------------


def written_days_ago(days: int) -> None:
    """As if every case, placement and visit had last been written ``days`` ago."""
    from cases.models import Case, Placement
    from visits.models import Visit

    then = timezone.now() - dt.timedelta(days=days)
    for model in (Case, Placement, Visit):
        model.objects.update(updated_at=then)


def test_after_a_sweep_the_next_day_looks_at_new_days_only_and_a_forced_one_at_the_whole_window(placement):
    visit = VisitFactory(placement=placement, planned_on=day(-3))
    assert run_reminder_sweep(today=day(-1)).created["visit_overdue"] == 1
    written_days_ago(3)
    # Lost (say, deleted by hand): nothing about the visit changed and its day is not new, so the
    # daily sweep does not look at it again; a forced one does.
    Notification.objects.filter(subject_key=visit_key(visit)).delete()
    assert run_reminder_sweep(today=TODAY).created["visit_overdue"] == 0
    assert run_reminder_sweep(today=TODAY, force=True).created["visit_overdue"] == 1


def test_a_visit_planned_after_the_sweep_for_a_day_already_swept_is_reminded_the_next_day(placement):
    run_reminder_sweep(today=day(-1))
    written_days_ago(3)
    # Recorded late: planned three days ago, so overdue since a day the previous sweep covered.
    late = VisitFactory(placement=placement, planned_on=day(-3))
    assert run_reminder_sweep(today=TODAY).created["visit_overdue"] == 1
    assert Notification.objects.filter(kind="visit_overdue", subject_key=visit_key(late)).count() == 1


def test_a_case_handed_to_another_worker_reminds_the_new_worker_the_next_day(placement, district):
    visit = VisitFactory(placement=placement, planned_on=day(-3))
    first_worker = placement.case.assigned_worker
    run_reminder_sweep(today=day(-1))
    written_days_ago(3)
    case = placement.case
    case.assigned_worker = UserFactory(unit=district)
    case.save()
    assert run_reminder_sweep(today=TODAY).created["visit_overdue"] == 1
    key = visit_key(visit)
    assert kinds_for(case.assigned_worker) == [("visit_overdue", key, day(-3))]
    assert kinds_for(first_worker) == [("visit_overdue", key, day(-3))]


def test_the_day_after_a_sweep_its_new_days_are_reminded_though_nothing_was_written(placement, supervisor, settings):
    settings.NOTIFICATION_ESCALATE_AFTER_DAYS = 7
    due = VisitFactory(placement=placement, planned_on=day(7))
    overdue = VisitFactory(placement=placement, planned_on=day(-1))
    escalated = VisitFactory(placement=placement, planned_on=day(-7))
    run_reminder_sweep(today=day(-1))
    written_days_ago(3)
    result = run_reminder_sweep(today=TODAY)
    assert (result.created["visit_due"], result.created["visit_overdue"], result.created["visit_escalation"]) == (1, 1, 1)
    assert {key for _kind, key, _due in kinds_for(supervisor)} == {visit_key(escalated)}
    assert Notification.objects.filter(kind="visit_due", subject_key=visit_key(due)).exists()
    assert Notification.objects.filter(kind="visit_overdue", subject_key=visit_key(overdue)).exists()


def test_after_a_gap_longer_than_the_catch_up_window_the_whole_window_is_swept(placement, settings):
    settings.NOTIFICATION_CATCH_UP_DAYS = 14
    run_reminder_sweep(today=day(-20))
    visit = VisitFactory(placement=placement, planned_on=day(-5))
    written_days_ago(30)
    assert run_reminder_sweep(today=TODAY).created["visit_overdue"] == 1
    assert Notification.objects.filter(subject_key=visit_key(visit)).exists()


def high_risk(placement, *, last_visit_on: dt.date | None, computed_on: dt.date) -> PlacementRisk:
    return PlacementRisk.objects.create(placement=placement, score=70, band="high", factors=[], computed_on=computed_on,
                                        high_since=computed_on, last_visit_on=last_visit_on)


def test_high_risk_after_a_sweep_the_next_day_looks_at_new_due_days_only(placement):
    high_risk(placement, last_visit_on=day(-40), computed_on=day(-30))
    assert run_reminder_sweep(today=day(-1)).created["high_risk_no_visit"] == 1  # due since day(-10)
    written_days_ago(3)
    Notification.objects.filter(kind="high_risk_no_visit").delete()
    assert run_reminder_sweep(today=TODAY).created["high_risk_no_visit"] == 0
    assert run_reminder_sweep(today=TODAY, force=True).created["high_risk_no_visit"] == 1


def test_high_risk_whose_gap_ends_today_is_reminded_though_nothing_was_written(placement):
    high_risk(placement, last_visit_on=day(-30), computed_on=day(-20))
    run_reminder_sweep(today=day(-1))
    written_days_ago(3)
    assert run_reminder_sweep(today=TODAY).created["high_risk_no_visit"] == 1
    assert kinds_for(placement.case.assigned_worker) == [("high_risk_no_visit", f"placement:{placement.pk}", TODAY)]


def test_a_placement_that_became_high_risk_today_is_reminded_though_its_gap_ended_long_ago(placement):
    risk = high_risk(placement, last_visit_on=day(-60), computed_on=day(-20))
    risk.band, risk.high_since = "medium", None
    risk.save()
    run_reminder_sweep(today=day(-1))
    written_days_ago(3)
    risk.band, risk.computed_on, risk.high_since = "high", TODAY, TODAY  # the nightly recomputation moved it
    risk.save()
    assert run_reminder_sweep(today=TODAY).created["high_risk_no_visit"] == 1
    assert kinds_for(placement.case.assigned_worker) == [("high_risk_no_visit", f"placement:{placement.pk}", day(-30))]


def test_a_visit_recorded_long_after_it_was_done_gives_the_new_gap_its_reminder(placement, worker):
    high_risk(placement, last_visit_on=day(-70), computed_on=day(-60))
    run_reminder_sweep(today=day(-1))  # due since day(-40)
    written_days_ago(3)
    # Done 45 days ago, recorded today: the gap since it ended 15 days ago, before the last sweep.
    VisitFactory(placement=placement, planned_on=day(-45), done_on=day(-45), worker=worker)
    PlacementRisk.objects.filter(placement=placement).update(last_visit_on=day(-45), computed_on=TODAY)
    assert run_reminder_sweep(today=TODAY).created["high_risk_no_visit"] == 1
    assert ("high_risk_no_visit", f"placement:{placement.pk}", day(-15)) in kinds_for(placement.case.assigned_worker)


@pytest.mark.parametrize(("language", "due", "paper"), [
    ("en", "09.03.2026", "the home study"),
    ("ru", "09.03.2026", "обследование условий жизни"),
    ("kk", "09.03.2026", "тұрмыс жағдайын зерттеп-қарау актісі"),
])
def test_each_reader_sees_a_reminders_title_in_their_language_with_dates_as_the_pages_write_them(
    api_client, placement, district, supervisor, settings, language, due, paper,
):
    """The sweep runs in the site's language (Russian); a title used to reach every reader in it,
    with dates as 2026-03-09 and a stage by its code ("matching")."""
    from django.utils import translation

    VisitFactory(placement=placement, planned_on=day(7))
    FamilyFactory(responsible_unit=district, home_study_issued_on=day(-300), home_study_expires_on=day(30))
    stuck = CaseFactory(responsible_unit=district, stage="matching", stage_entered_at=at(day(-90)),
                        assigned_worker=placement.case.assigned_worker)
    with translation.override("ru"):
        run_reminder_sweep(today=TODAY)
    api_client.force_authenticate(placement.case.assigned_worker)
    titles = {row["kind"]: row["title"] for row in
              api_client.get("/api/v1/notifications/", HTTP_ACCEPT_LANGUAGE=language).json()["results"]}
    assert due in titles["visit_due"] and "2026-03-09" not in titles["visit_due"]
    assert f"№\u00a0{placement.case_id}" in titles["visit_due"]
    assert f"№\u00a0{stuck.pk}" in titles["case_stuck"]
    if language != "en":  # the stage by its name, not its code (in English both read "matching")
        assert "matching" not in titles["case_stuck"]
    api_client.force_authenticate(supervisor)
    (family_title,) = [row["title"] for row in
                       api_client.get("/api/v1/notifications/", HTTP_ACCEPT_LANGUAGE=language).json()["results"]
                       if row["kind"] == "certificate_expiring"]
    assert paper in family_title and "home_study" not in family_title
