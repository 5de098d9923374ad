"""Nothing overdue is too old to be reminded (issue: the demo's worker had four visits overdue and
one reminder, the supervisor seven overdue visits and no escalation). A visit overdue for months, a
case stuck past its limit for months, papers expired or a carers' check missed long ago each have
their reminder and escalation once, on a first sweep of a new database, after a gap, and day after
day, never one per day since. The dates of the titles name their own events."""

import datetime as dt
from datetime import datetime, time

import pytest
import time_machine
from django.db import connection
from django.utils import timezone, translation

from notifications.models import Notification
from notifications.services import run_reminder_sweep
from tests.factories import CaseFactory, FamilyFactory, PlacementFactory, VisitFactory

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 30)
# The demo worker's overdue visits (the report), none of them superseded: nothing done since.
PLANNED = [dt.date(2026, 7, 4), dt.date(2026, 8, 2), dt.date(2026, 10, 24), dt.date(2026, 11, 25)]


def at(date: dt.date) -> datetime:
    return timezone.make_aware(datetime.combine(date, time(10, 0)))


def rows(**filters) -> list[tuple[str, dt.date]]:
    return sorted(Notification.objects.filter(**filters).values_list("kind", "due_on"))


def titles(user, language: str) -> dict[dt.date, str]:
    with translation.override(language):
        return {n.due_on: n.display_title for n in Notification.objects.filter(recipient=user)}


@pytest.fixture
def placement(district):
    case = CaseFactory(responsible_unit=district, stage="placed")
    placement = PlacementFactory(case=case, child=case.child, started_on=dt.date(2026, 4, 1))
    for planned_on in PLANNED:
        VisitFactory(placement=placement, kind="scheduled", planned_on=planned_on)
    return placement


def test_a_first_sweep_reminds_every_overdue_visit_and_escalates_those_overdue_long_enough(placement, supervisor, settings):
    settings.NOTIFICATION_ESCALATE_AFTER_DAYS = 7
    worker = placement.case.assigned_worker
    result = run_reminder_sweep(today=TODAY)
    assert result.created["visit_overdue"] == 4 and result.created["visit_escalation"] == 3
    assert rows(recipient=worker) == [("visit_overdue", d) for d in PLANNED]
    # 25.11 is five days overdue: escalated from 02.12 on.
    assert rows(recipient=supervisor) == [("escalation", d) for d in PLANNED[:3]]


def test_the_reminders_of_old_overdue_visits_come_once_day_after_day_and_forced(placement, supervisor, settings):
    settings.NOTIFICATION_ESCALATE_AFTER_DAYS = 7
    run_reminder_sweep(today=TODAY)
    for offset in range(1, 12):  # daily runs, each building on the day before
        run_reminder_sweep(today=TODAY + dt.timedelta(days=offset))
    run_reminder_sweep(today=TODAY + dt.timedelta(days=11), force=True)
    assert rows(recipient=placement.case.assigned_worker) == [("visit_overdue", d) for d in PLANNED]
    # The fourth escalated on its day (25.11 + 7), once.
    assert rows(recipient=supervisor) == [("escalation", d) for d in PLANNED]


def test_a_daily_sweep_reminds_old_overdue_visits_written_since_as_an_import_would(district, supervisor, settings):
    """The sweep ran yesterday with nothing to remind; today's incremental run finds visits planned
    months ago that were written since (a registry import, a schedule loaded late)."""
    settings.NOTIFICATION_ESCALATE_AFTER_DAYS = 7
    run_reminder_sweep(today=TODAY - dt.timedelta(days=1))
    case = CaseFactory(responsible_unit=district, stage="placed")
    placement = PlacementFactory(case=case, child=case.child, started_on=dt.date(2026, 4, 1))
    VisitFactory(placement=placement, planned_on=dt.date(2026, 5, 1))
    result = run_reminder_sweep(today=TODAY)
    assert (result.created["visit_overdue"], result.created["visit_escalation"]) == (1, 1)


def test_a_visit_superseded_by_a_later_one_done_is_still_not_reminded_however_old(placement, worker):
    VisitFactory(placement=placement, kind="unscheduled", planned_on=dt.date(2026, 9, 1), done_on=dt.date(2026, 9, 1),
                 worker=worker)
    run_reminder_sweep(today=TODAY)
    # 04.07 and 02.08 are missed (a visit was done on 01.09), 24.10 and 25.11 are overdue.
    assert rows(recipient=placement.case.assigned_worker) == [("visit_overdue", d) for d in PLANNED[2:]]


@pytest.mark.parametrize(("language", "overdue", "escalated"), [
    ("en", "Visit planned on 04.07.2026 is overdue (case №\u00a0{case})",
     "Escalated: case №\u00a0{case} has a visit planned on 04.07.2026 still not made"),
    ("ru", "Посещение, назначенное на 04.07.2026, просрочено (дело №\u00a0{case})",
     "Передано руководителю: по делу №\u00a0{case} посещение, назначенное на 04.07.2026, так и не проведено"),
    ("kk", "04.07.2026 күнге жоспарланған бару мерзімі өтті (№\u00a0{case} іс)",
     "Басшыға жіберілді: №\u00a0{case} іс бойынша 04.07.2026 күнге жоспарланған бару әлі жасалмады"),
])
def test_a_visits_titles_give_its_planned_date_as_such(placement, supervisor, settings, language, overdue, escalated):
    settings.NOTIFICATION_ESCALATE_AFTER_DAYS = 7
    run_reminder_sweep(today=TODAY)
    case = placement.case_id
    assert titles(placement.case.assigned_worker, language)[PLANNED[0]] == overdue.format(case=case)
    assert titles(supervisor, language)[PLANNED[0]] == escalated.format(case=case)


@pytest.mark.parametrize(("language", "stuck", "escalated"), [
    ("en", "Case №\u00a0{case} has been in stage registered too long (limit passed on 14.11.2026)",
     "Escalated: case №\u00a0{case} in stage registered since 15.10.2026, over its limit since 14.11.2026"),
    ("ru", None, "Передано руководителю: дело №\u00a0{case} на этапе зарегистрирован с 15.10.2026, срок этапа истёк 14.11.2026"),
    ("kk", None, "Басшыға жіберілді: №\u00a0{case} іс тіркелген кезеңінде 15.10.2026 бастап тұр, кезең мерзімі 14.11.2026 өтті"),
])
def test_a_stuck_cases_escalation_says_when_it_entered_the_stage_and_when_its_limit_passed(
        district, supervisor, settings, language, stuck, escalated):
    """The report: "stuck in stage registered since 14.11.2026" for a case in the stage since 15.10."""
    settings.NOTIFICATION_ESCALATE_AFTER_DAYS = 7
    case = CaseFactory(responsible_unit=district, stage="registered", stage_entered_at=at(dt.date(2026, 10, 15)))  # 30 days
    run_reminder_sweep(today=TODAY)
    assert titles(supervisor, language)[dt.date(2026, 11, 14)] == escalated.format(case=case.pk)
    if stuck:
        assert titles(case.assigned_worker, language)[dt.date(2026, 11, 14)] == stuck.format(case=case.pk)


def test_a_case_stuck_for_months_is_reminded_and_escalated_once(district, supervisor, settings):
    settings.NOTIFICATION_ESCALATE_AFTER_DAYS = 7
    case = CaseFactory(responsible_unit=district, stage="matching", stage_entered_at=at(dt.date(2026, 1, 10)))  # 90 days
    for offset in range(3):
        run_reminder_sweep(today=TODAY + dt.timedelta(days=offset))
    run_reminder_sweep(today=TODAY + dt.timedelta(days=2), force=True)
    assert rows(recipient=case.assigned_worker) == [("case_stuck", dt.date(2026, 4, 10))]
    assert rows(recipient=supervisor) == [("escalation", dt.date(2026, 4, 10))]


def test_papers_already_expired_are_reminded_once_as_expired_as_far_back_as_the_dashboard_lists_them(
        district, supervisor, settings):
    """A first sweep reminds papers expired within EXPIRED_CERTIFICATES_RECENT_DAYS, as the dashboard
    lists them; papers expired for years (stale records) are not reminded, as they are not listed."""
    settings.EXPIRED_CERTIFICATES_RECENT_DAYS = 90
    family = FamilyFactory(responsible_unit=district, home_study_issued_on=dt.date(2025, 10, 1),
                           home_study_expires_on=dt.date(2026, 10, 1), approval_expires_on=dt.date(2026, 12, 20))
    FamilyFactory(responsible_unit=district, home_study_issued_on=dt.date(2025, 1, 10),
                  home_study_expires_on=dt.date(2026, 1, 10))
    for offset in range(3):
        run_reminder_sweep(today=TODAY + dt.timedelta(days=offset))
    assert rows(recipient=supervisor) == [("certificate_expiring", dt.date(2026, 10, 1)),
                                          ("certificate_expiring", dt.date(2026, 12, 20))]
    en = titles(supervisor, "en")
    assert en[dt.date(2026, 10, 1)] == f"Family №\u00a0{family.pk}: the home study expired on 01.10.2026"
    assert en[dt.date(2026, 12, 20)] == f"Family №\u00a0{family.pk}: the approval expires on 20.12.2026"
    assert titles(supervisor, "ru")[dt.date(2026, 10, 1)].endswith("срок истёк 01.10.2026")
    assert titles(supervisor, "kk")[dt.date(2026, 10, 1)].endswith("мерзімі 01.10.2026 аяқталды")


def test_papers_reminded_before_they_expired_are_not_reminded_again_once_expired(district, supervisor):
    FamilyFactory(responsible_unit=district, home_study_issued_on=dt.date(2025, 12, 1),
                  home_study_expires_on=dt.date(2026, 12, 10))
    run_reminder_sweep(today=TODAY)
    run_reminder_sweep(today=dt.date(2026, 12, 15))
    run_reminder_sweep(today=dt.date(2026, 12, 15), force=True)
    assert rows(recipient=supervisor) == [("certificate_expiring", dt.date(2026, 12, 10))]
    assert "expires on 10.12.2026" in titles(supervisor, "en")[dt.date(2026, 12, 10)]


def test_a_carers_check_missed_long_ago_is_reminded_once_as_was_due(district, supervisor):
    family = FamilyFactory(responsible_unit=district, carer_checked_on=dt.date(2025, 3, 1),
                           carer_recheck_due_on=dt.date(2026, 3, 1))
    run_reminder_sweep(today=TODAY)
    run_reminder_sweep(today=TODAY + dt.timedelta(days=1))
    assert rows(recipient=supervisor, kind="carer_recheck") == [("carer_recheck", dt.date(2026, 3, 1))]
    assert titles(supervisor, "en")[dt.date(2026, 3, 1)] == (
        f"Family №\u00a0{family.pk}: the carers' periodic check was due on 01.03.2026")


def test_the_migration_gives_stored_case_escalations_the_day_the_case_entered_the_stage(district, supervisor):
    """notifications migration 0015 on an escalation written with the old text."""
    from importlib import import_module

    migration = import_module("notifications.migrations.0015_titles_name_their_dates")
    case = CaseFactory(responsible_unit=district, stage="registered", stage_entered_at=at(dt.date(2026, 10, 15)))
    gone = CaseFactory(responsible_unit=district, stage="available")  # left the stage: its limit (30) tells
    old = {"kind": "escalation", "title_key": migration.CASE_OLD, "recipient": supervisor}
    Notification.objects.create(**old, subject_key=f"case:{case.pk}:registered", due_on=dt.date(2026, 11, 14),
                                case=case, title="x", title_args=[case.pk, "registered", "2026-11-14"])
    Notification.objects.create(**old, subject_key=f"case:{gone.pk}:registered", due_on=dt.date(2026, 9, 30),
                                case=gone, title="x", title_args=[gone.pk, "registered", "2026-09-30"])
    with connection.cursor() as cursor:
        cursor.execute(migration.CASE_FORWARD, {"tz": "Asia/Almaty", "old": migration.CASE_OLD, "new": migration.CASE_NEW})
    with translation.override("en"):
        shown = {n.case_id: n.display_title for n in Notification.objects.filter(recipient=supervisor)}
    assert shown[case.pk] == f"Escalated: case №\u00a0{case.pk} in stage registered since 15.10.2026, over its limit since 14.11.2026"
    assert shown[gone.pk] == f"Escalated: case №\u00a0{gone.pk} in stage registered since 31.08.2026, over its limit since 30.09.2026"


def test_after_a_daily_run_the_cases_step_looks_only_at_what_can_be_new_and_misses_nothing(district, supervisor, worker,
                                                                                            settings):
    """Day T after a run on T-1: the case whose limit passes on T, the one whose escalation day is T and the
    one handed to another worker since are reminded; a case stuck for months whose reminder went missing is
    not looked at again (its rows were written by the earlier runs), but a forced sweep finds it."""
    settings.NOTIFICATION_ESCALATE_AFTER_DAYS = 7
    day = TODAY - dt.timedelta(days=1)
    # Written days before the run on T-1 (and its margin for late commits): only a later write makes one new.
    traveller = time_machine.travel(at(day - dt.timedelta(days=3)), tick=False)
    traveller.start()
    limit_today = CaseFactory(responsible_unit=district, stage="registered", stage_entered_at=at(TODAY - dt.timedelta(days=30)))
    escalated_today = CaseFactory(responsible_unit=district, stage="registered",
                                  stage_entered_at=at(TODAY - dt.timedelta(days=37)))
    handed = CaseFactory(responsible_unit=district, stage="matching", stage_entered_at=at(dt.date(2026, 3, 1)))
    old = CaseFactory(responsible_unit=district, stage="matching", stage_entered_at=at(dt.date(2026, 2, 1)))
    traveller.stop()
    with time_machine.travel(at(day), tick=False):
        run_reminder_sweep(today=day)
    assert rows(case=limit_today) == [] and rows(case=escalated_today) == [("case_stuck", TODAY - dt.timedelta(days=7))]
    Notification.objects.filter(case=old).delete()  # as if lost: only a forced sweep looks at it again
    with time_machine.travel(at(TODAY), tick=False):
        type(handed).objects.filter(pk=handed.pk).update(assigned_worker=worker, updated_at=timezone.now())
        run_reminder_sweep(today=TODAY)
    assert rows(case=limit_today) == [("case_stuck", TODAY)]
    assert rows(recipient=supervisor, case=escalated_today) == [("escalation", TODAY - dt.timedelta(days=7))]
    assert rows(recipient=worker, case=handed) == [("case_stuck", dt.date(2026, 5, 30))]
    assert rows(case=old) == []
    run_reminder_sweep(today=TODAY, force=True)
    assert rows(case=old) == [("case_stuck", dt.date(2026, 5, 2)), ("escalation", dt.date(2026, 5, 2))]
