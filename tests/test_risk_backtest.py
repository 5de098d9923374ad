"""The risk score replayed over past days (``evaluate_risk --backtest``, issue 19 item 10): the
figures on fixtures whose answer is worked out by hand, the replay agreeing with the nightly score
day by day, "recorded by then", and bad input to the command."""

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from risk.backtest import auc_from_counts, replayed_scores, run_backtest
from risk.models import RiskBacktest
from risk.scoring import score_placements
from tests.factories import ChildFactory, FamilyFactory, PlacementFactory, VisitFactory

pytestmark = pytest.mark.django_db

TRAINED = dt.date(2020, 1, 1)


def placement(*, started, ended=None, reason="", age=3, sdq=None, abuse=False):
    """A kinship guardianship (no non-kin points) with trained carers and a child who came into care
    a month before, so only age, SDQ and abuse add points: adolescent (12+) 20, SDQ from 17 25, abuse 10."""
    child = ChildFactory(birth_date=started.replace(year=started.year - age) - dt.timedelta(days=1),
                         entered_care_on=started - dt.timedelta(days=31), sdq_total_difficulties=sdq,
                         abuse_or_neglect_history=abuse)
    family = FamilyFactory(form_of_care="guardianship", training_issued_on=TRAINED)
    return PlacementFactory(case__child=child, child=child, family=family, form_of_care="guardianship",
                            carer_relationship="grandparent", started_on=started, ended_on=ended, end_reason=reason,
                            return_reason="other" if reason == "returned" else "")


def visit(p, *, planned, done=None, **answers):
    worker = p.case.assigned_worker if done else None
    v = VisitFactory(placement=p, planned_on=planned, done_on=done, child_seen=done is not None, worker=worker, **answers)
    # Loaded without history, like the seed: recorded the day it was done.
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_historicalvisit WHERE id = %s", [v.pk])
    return v


def test_returns_flagged_in_time_and_placements_flagged_on_a_known_fixture():
    """Window 2025-01-01 .. 2025-12-31, flag 60 days ahead (a return on R counts when flagged high on
    a day <= R - 60 inside the window; returns before 2025-03-02 cannot be and are left out).

    P1 adolescent with SDQ 20: 45 points (medium) from 2025-01-01; a visit planned 2025-03-01 is not
    done, so from 2025-03-09 (planned + 7 grace days + 1) it is missed: +10 = 55, high. Returned
    2025-08-01; 2025-03-09 <= 2025-06-02: flagged in time.
    P2 the same 45 points; at a visit done 2025-07-15 serious concerns about child and family (+30,
    sets high). Returned 2025-08-01; 2025-07-15 > 2025-06-02: flagged, too late.
    P3 a child of 3, 0 points, placed 2024-06-01, never high, no return.
    P4 adolescent with SDQ 20 and abuse: 55, high from its start 2025-02-01; ended by permanency
    2025-10-01: flagged, no return (the price of a flag).
    P5 0 points, placed 2024-01-01, returned 2025-02-01: active in the window, but its return comes
    less than 60 days after the window's start, so it is not among the returns counted.

    Placements 5, flagged 3 (P1, P2, P4); returns counted 2 (P1, P2), flagged in time 1 (P1): 50%.
    With high from 60 points, P1 (max 55) and P4 (55) would not be flagged: 1 of 5 placements (P2's
    finding sets high at any threshold), no return in time.
    """
    start = dt.date(2025, 1, 1)
    p1 = placement(started=start, ended=dt.date(2025, 8, 1), reason="returned", age=14, sdq=20)
    visit(p1, planned=dt.date(2025, 3, 1))
    p2 = placement(started=start, ended=dt.date(2025, 8, 1), reason="returned", age=14, sdq=20)
    visit(p2, planned=dt.date(2025, 7, 15), done=dt.date(2025, 7, 15),
          child_condition="serious_concerns", family_condition="serious_concerns")
    placement(started=dt.date(2024, 6, 1))
    placement(started=dt.date(2025, 2, 1), ended=dt.date(2025, 10, 1), reason="permanency", age=14, sdq=20, abuse=True)
    placement(started=dt.date(2024, 1, 1), ended=dt.date(2025, 2, 1), reason="returned")

    result = run_backtest(from_date=start, to_date=dt.date(2025, 12, 31), lead_days=60)

    assert (result.placements, result.placements_flagged) == (5, 3)
    assert (result.returns, result.returns_flagged_early) == (2, 1)
    assert result.share_of_returns_flagged_early == 0.5
    at = {t["high_from"]: t for t in result.thresholds}
    assert at[55] == {"high_from": 55, "placements_flagged": 0.6, "returns_flagged_early": 0.5}
    assert at[60] == {"high_from": 60, "placements_flagged": 0.2, "returns_flagged_early": 0.0}
    p1_days = [(d, band) for pid, d, _, _, band in replayed_scores(from_date=start, to_date=dt.date(2025, 12, 31))
               if pid == p1.pk]
    assert p1_days == [(start, "medium"), (dt.date(2025, 3, 9), "high")]


def test_auc_on_placement_days_worked_out_by_hand():
    """Window 2025-01-01 .. 2025-04-30. 60 days ahead: the days whose next 60 days are known are
    2025-01-01 .. 2025-03-01 (60 days).

    Q1 45 points every day, returned 2025-03-15: a day is positive from 2025-03-15 - 60 = 2025-01-14,
    so 47 positive days (14-31 Jan 18, Feb 28, 1 Mar) and 13 negative ones (1-13 Jan).
    Q2 0 points, no return: 60 negative days.
    AUC = P(positive day scores above a negative day) + half the ties
        = 47 x (60 below + 13/2 tied) / (47 x 73) = 66.5 / 73 = 0.91096.
    180 days ahead no day has its next 180 days inside the window: no AUC.
    """
    placement(started=dt.date(2024, 12, 1), ended=dt.date(2025, 3, 15), reason="returned", age=14, sdq=20)
    placement(started=dt.date(2024, 12, 1))

    result = run_backtest(from_date=dt.date(2025, 1, 1), to_date=dt.date(2025, 4, 30))

    assert result.auc[60] == pytest.approx(66.5 / 73)
    assert result.auc[180] is None
    medium_60 = next(c for c in result.calibration if c["horizon"] == 60 and c["band"] == "medium")
    # The later half: 2025-01-31 .. 2025-03-01 (30 days), all positive for Q1.
    assert (medium_60["placement_days"], medium_60["positive_days"]) == (30, 30)


def test_auc_from_counts_counts_ties_as_half():
    assert auc_from_counts([(10, 1, 0), (0, 0, 1)]) == 1.0
    assert auc_from_counts([(5, 1, 1)]) == 0.5
    assert auc_from_counts([(5, 0, 3)]) is None


def test_the_replay_gives_the_nightly_score_of_each_day():
    """Every 7th day of a year, the replayed score of each active placement equals what the nightly
    score (risk.scoring.score_placements) computes for that day from the same records."""
    from risk.models import FamilyEvent

    p = placement(started=dt.date(2024, 11, 1), age=9, sdq=15, abuse=True)
    visit(p, planned=dt.date(2024, 12, 1), done=dt.date(2024, 12, 3), child_condition="some_concerns")
    visit(p, planned=dt.date(2025, 1, 1), done=dt.date(2025, 2, 20))  # missed for a while, then done
    visit(p, planned=dt.date(2025, 4, 1), done=dt.date(2025, 4, 2), child_condition="serious_concerns")
    visit(p, planned=dt.date(2025, 6, 1))  # never done
    visit(p, planned=dt.date(2025, 7, 1), done=dt.date(2025, 7, 1), checklist={"signs_of_harm": True})
    visit(p, planned=dt.date(2025, 8, 1), done=dt.date(2025, 8, 1), child_condition="good", family_condition="good")
    worker = p.case.assigned_worker
    event = FamilyEvent.objects.create(family=p.family, kind="job_loss", occurred_on=dt.date(2025, 3, 1), recorded_by=worker)
    FamilyEvent.objects.filter(pk=event.pk).update(created_at=dt.datetime(2025, 3, 1, 12, tzinfo=dt.UTC))
    q = placement(started=dt.date(2025, 2, 10), ended=dt.date(2025, 9, 1), reason="returned", age=13)
    visit(q, planned=dt.date(2025, 3, 10))

    start, end = dt.date(2025, 1, 1), dt.date(2025, 12, 31)
    intervals = replayed_scores(from_date=start, to_date=end)
    day = start
    checked = 0
    while day <= end:
        for pl in (p, q):
            if pl.started_on <= day and (pl.ended_on is None or day < pl.ended_on):
                # score_placements skips ended placements: score "as if still open" on that day.
                type(pl).objects.filter(pk=pl.pk).update(ended_on=None, end_reason="", return_reason="")
                live = score_placements(today=day, reason="assessment", placement_ids=[pl.pk])[0]
                type(pl).objects.filter(pk=pl.pk).update(ended_on=pl.ended_on, end_reason=pl.end_reason,
                                                         return_reason=pl.return_reason)
                replayed = next((score, band) for pid, d, nxt, score, band in intervals if pid == pl.pk and d <= day < nxt)
                assert replayed == (live.score, live.band), (pl.pk, day)
                checked += 1
        day += dt.timedelta(days=7)
    assert checked > 70


def test_a_visit_counts_from_the_day_it_was_recorded():
    """A visit done 2025-03-01 with serious concerns but written into the system on 2025-04-01: on
    2025-03-20 the replay sees a visit planned 2025-03-01 not done (missed since 2025-03-09, 10
    points), not the concerns; from 2025-04-01 the concerns (25) and no missed visit."""
    p = placement(started=dt.date(2025, 1, 1))
    v = VisitFactory(placement=p, planned_on=dt.date(2025, 3, 1), done_on=dt.date(2025, 3, 1), child_seen=True,
                     worker=p.case.assigned_worker,
                     child_condition="serious_concerns")
    with connection.cursor() as cursor:
        cursor.execute("UPDATE audit_historicalvisit SET history_date = %s WHERE id = %s",
                       [dt.datetime(2025, 4, 1, 10, tzinfo=dt.UTC), v.pk])
    scores = [(d, score) for pid, d, _, score, _ in replayed_scores(from_date=dt.date(2025, 1, 1), to_date=dt.date(2025, 5, 1))]
    assert scores == [(dt.date(2025, 1, 1), 0), (dt.date(2025, 3, 9), 10), (dt.date(2025, 4, 1), 25)]


def test_the_command_stores_the_backtest_for_the_calibration_page():
    placement(started=dt.date(2025, 1, 1), ended=dt.date(2025, 8, 1), reason="returned", age=14, sdq=20)
    out = io.StringIO()
    call_command("evaluate_risk", "--backtest", "--from", "2025-01-01", "--to", "2025-12-31", stdout=out)
    stored = RiskBacktest.objects.get()
    assert (stored.from_date, stored.to_date, stored.placements, stored.returns) == (
        dt.date(2025, 1, 1), dt.date(2025, 12, 31), 1, 1)
    assert "Returns flagged high at least 60 days before: 0 of 1" in out.getvalue()


@pytest.mark.parametrize(("args", "message"), [
    (["--backtest", "--from", "2025-02-30"], "is not a date"),
    (["--backtest", "--to", "yesterday"], "is not a date"),
    (["--backtest", "--from", "2025-06-01", "--to", "2025-01-01"], "is after --to"),
    (["--backtest", "--to", "2999-01-01"], "in the future"),
    (["--from", "2025-01-01"], "go with --backtest"),
    (["--backtest", "--lead-days", "-1"], "cannot be negative"),
])
def test_bad_input_to_the_command_is_a_message_and_nothing_stored(args, message):
    with pytest.raises(CommandError, match=message):
        call_command("evaluate_risk", *args, stdout=io.StringIO())
    assert not RiskBacktest.objects.exists()


def test_the_supervisors_page_shows_the_stored_backtest_without_recomputing(client, supervisor, worker, analyst,
                                                                            django_assert_max_num_queries):
    client.force_login(supervisor)
    assert "evaluate_risk --backtest" in client.get("/risk/backtest/").content.decode()
    placement(started=dt.date(2025, 1, 1), ended=dt.date(2025, 8, 1), reason="returned", age=14, sdq=20)
    call_command("evaluate_risk", "--backtest", "--from", "2025-01-01", "--to", "2025-12-31", stdout=io.StringIO())
    with django_assert_max_num_queries(8):
        page = client.get("/risk/backtest/")
    html = page.content.decode()
    assert page.status_code == 200
    assert 'id="calibration-180"' in html and "<svg" in html
    assert "0 / 1" in html  # the one return, not flagged 60 days ahead
    for other in (worker, analyst):
        client.force_login(other)
        assert client.get("/risk/backtest/").status_code == 403


def test_the_page_speaks_kazakh(client, supervisor):
    placement(started=dt.date(2025, 1, 1))
    call_command("evaluate_risk", "--backtest", "--from", "2025-01-01", "--to", "2025-12-31", stdout=io.StringIO())
    client.force_login(supervisor)
    html = client.get("/risk/backtest/", HTTP_ACCEPT_LANGUAGE="kk").content.decode()
    assert "Risk score against history" not in html
    assert "Predicted, %" not in html and "Болжам, %" in html  # "%" in a template's msgid is doubled


def test_the_page_writes_large_counts_with_thousands_separated(client, supervisor):
    RiskBacktest.objects.create(
        from_date=dt.date(2024, 1, 1), to_date=dt.date(2025, 12, 31), lead_days=60, placements=12560, placements_flagged=3706,
        returns=2366, returns_flagged_early=1192, seconds=1.0,
        calibration=[{"horizon": 60, "band": "low", "placement_days": 245788, "positive_days": 1140, "observed": 0.0046,
                      "predicted": 0.01, "forced_days": 0}],
    )
    client.force_login(supervisor)
    html = client.get("/risk/backtest/", HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    # As the statistics tables write them (2 436), not 245788.
    assert "245\xa0788" in html and "1\xa0192 / 2\xa0366" in html and "3\xa0706 / 12\xa0560" in html
    assert "245788" not in html
