"""The CFSR-based definitions (issue 19, items 5-9), each on a small hand-built fixture whose answer
is worked out in the test's docstring, and the case services they need: a new case linked to the
closed one it follows (re-entry), and a move from one family to another inside one case."""

import datetime as dt

import pytest
from django.utils import timezone

from cases.models import Case, EndReason, Placement, Stage
from cases.services import end_placement, move_child, open_next_case
from core.exceptions import DomainError
from stats.services import refresh_statistics
from tests import factories
from tests.factories import placement_decision as decided
from tests.test_stats_indicators import get_stats, make_case, place

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_user(db):
    from accounts.models import OrganisationalUnit

    return factories.UserFactory(role="administrator", unit=OrganisationalUnit.objects.get(code="ministry"))
D = dt.date
AS_OF = "2025-06-30"


def stats(client, user, indicator, **query):
    return get_stats(client, user, indicator, as_of=AS_OF, **query)["rows"][0]


# --- re-entry (item 5) ---------------------------------------------------------------------------


def test_open_next_case_links_the_new_case_to_the_closed_one():
    first = make_case(region="almaty", sex="F", born=D(2015, 1, 1), opened=D(2023, 1, 10), closed=D(2023, 6, 1),
                      outcome="reunified")
    second = open_next_case(child=first.child, actor=None, opened_on=D(2023, 12, 1))
    assert second.follows == first and second.stage == Stage.REGISTERED and second.opened_on == D(2023, 12, 1)
    assert first.followed_by == second
    assert second.stage_changes.get().to_stage == Stage.REGISTERED


def test_open_next_case_refuses_a_child_with_an_open_case_or_a_date_before_the_exit():
    closed = make_case(region="almaty", sex="F", born=D(2015, 1, 1), opened=D(2023, 1, 10), closed=D(2023, 6, 1),
                       outcome="reunified")
    with pytest.raises(DomainError) as error:
        open_next_case(child=closed.child, actor=None, opened_on=D(2023, 5, 1))
    assert error.value.field == "opened_on"
    open_case = make_case(region="almaty", sex="M", born=D(2015, 1, 1), opened=D(2023, 1, 10))
    with pytest.raises(DomainError):
        open_next_case(child=open_case.child, actor=None)
    assert Case.objects.filter(child=open_case.child).count() == 1


@pytest.fixture
def exits(db):
    """As of 2025-06-30 (entries of 2023):
    A: entered 2023-01-10, reunified 2023-06-01, back in care 2023-12-01 (within 12 months) -> exit, re-entry;
    B: entered 2023-02-01, guardianship 2023-03-01 ended with permanency 2023-09-01 -> exit, no re-entry;
    C: entered 2023-03-01, adopted, closed with permanency 2023-10-01 -> not counted (adoption, as CFSR);
    D: entered 2023-04-01, reunified 2023-04-05 -> not counted (a stay under 8 days);
    E: entered 2023-01-05, reunified 2023-05-01, back in care 2024-08-01 (after 12 months) -> exit only;
    F: entered 2023-01-20, reunified 2024-03-01 (14 months after entry) -> not counted.
    3 exits, 1 re-entry: 33.33 %."""
    a = make_case(region="almaty", sex="F", born=D(2015, 1, 1), opened=D(2023, 1, 10), closed=D(2023, 6, 1), outcome="reunified")
    open_next_case(child=a.child, actor=None, opened_on=D(2023, 12, 1))
    b = make_case(region="almaty", sex="M", born=D(2014, 1, 1), opened=D(2023, 2, 1), closed=D(2023, 9, 1), outcome="permanency")
    place(b, "guardianship", D(2023, 3, 1), D(2023, 9, 1), "permanency")
    c = make_case(region="almaty", sex="M", born=D(2019, 1, 1), opened=D(2023, 3, 1), closed=D(2023, 10, 1), outcome="permanency")
    place(c, "adoption", D(2023, 4, 1), D(2023, 10, 1), "permanency")
    make_case(region="astana", sex="F", born=D(2012, 1, 1), opened=D(2023, 4, 1), closed=D(2023, 4, 5), outcome="reunified")
    e = make_case(region="astana", sex="M", born=D(2013, 1, 1), opened=D(2023, 1, 5), closed=D(2023, 5, 1), outcome="reunified")
    open_next_case(child=e.child, actor=None, opened_on=D(2024, 8, 1))
    make_case(region="astana", sex="F", born=D(2013, 1, 1), opened=D(2023, 1, 20), closed=D(2024, 3, 1), outcome="reunified")
    refresh_statistics()


def test_reentry_within_12_months_per_cfsr(api_client, admin_user, exits):
    total = stats(api_client, admin_user, "reentry_12m", year_from="2023", year_to="2023")
    assert (total["exits_12m"], total["reentered_12m"], total["reentry_rate_12m"]) == (3, 1, 33.33)


def test_the_breakdown_rate_keeps_its_own_name(api_client, admin_user):
    api_client.force_authenticate(admin_user)
    listing = {i["name"]: i for i in api_client.get("/api/v1/stats/").json()["results"]}
    assert listing["return_rate"]["title"].startswith("Placements ended by a return within 12/24 months")
    assert "not CFSR re-entry" in listing["return_rate"]["definition"]
    assert listing["reentry_12m"]["title"] == "Re-entry into care within 12 months (CFSR)"


# --- permanency in 12 months (item 6) ------------------------------------------------------------


@pytest.fixture
def permanency(db):
    """As of 2025-06-30, entries of 2023:
    P1: entered 2023-01-01, guardianship 2023-02-01, still there -> permanent;
    P2: entered 2023-01-01, adoption 2023-02-01 returned 2023-08-01 -> not (broke down within 12 months);
    P3: entered 2023-01-01, adoption 2023-02-01 returned 2024-03-01 -> permanent (held at 12 months);
    P4: entered 2023-01-01 aged 18 (born 2004-12-01) -> left out;
    P5: entered 2023-03-01, reunified 2023-03-05 -> left out (a stay under 8 days);
    P6: entered 2023-01-01, foster family 2023-02-01 ended by a move into guardianship 2023-06-01 that
        holds -> permanent (the second placement).
    3 of 4."""
    p1 = make_case(region="almaty", sex="M", born=D(2015, 1, 1), opened=D(2023, 1, 1))
    place(p1, "guardianship", D(2023, 2, 1))
    p2 = make_case(region="almaty", sex="M", born=D(2015, 1, 1), opened=D(2023, 1, 1))
    place(p2, "adoption", D(2023, 2, 1), D(2023, 8, 1), "returned")
    p3 = make_case(region="almaty", sex="F", born=D(2015, 1, 1), opened=D(2023, 1, 1))
    place(p3, "adoption", D(2023, 2, 1), D(2024, 3, 1), "returned")
    make_case(region="almaty", sex="F", born=D(2004, 12, 1), opened=D(2023, 1, 1))
    make_case(region="almaty", sex="F", born=D(2015, 1, 1), opened=D(2023, 3, 1), closed=D(2023, 3, 5), outcome="reunified")
    p6 = make_case(region="almaty", sex="M", born=D(2015, 1, 1), opened=D(2023, 1, 1))
    place(p6, "foster_family", D(2023, 2, 1), D(2023, 6, 1), "moved")
    place(p6, "guardianship", D(2023, 6, 1))
    refresh_statistics()


def test_permanency_requires_the_placement_to_hold_at_12_months_with_cfsr_exclusions(api_client, admin_user, permanency):
    total = stats(api_client, admin_user, "permanency_12m", year_from="2023", year_to="2023")
    assert (total["children"], total["permanent_12m"], total["permanency_rate_12m"]) == (4, 3, 75.0)


# --- placement stability (item 7) and the move between families --------------------------------


@pytest.fixture
def placed_in_foster_family(db):
    child = factories.ChildFactory(entered_care_on=timezone.localdate() - dt.timedelta(days=400))
    case = factories.CaseFactory(child=child, stage=Stage.PLACED, form_of_care="foster_family",
                                 opened_on=timezone.localdate() - dt.timedelta(days=400))
    first = factories.FamilyFactory(form_of_care="foster_family")
    placement = factories.PlacementFactory(case=case, child=child, family=first, form_of_care="foster_family",
                                           started_on=timezone.localdate() - dt.timedelta(days=300))
    return placement


def test_move_child_ends_the_placement_and_starts_the_next_without_closing_the_case(placed_in_foster_family):
    old = placed_in_foster_family
    other = factories.FamilyFactory(form_of_care="guardianship")
    moved_on = timezone.localdate() - dt.timedelta(days=10)
    new = move_child(**decided(starts_on=moved_on), placement=old, family=other, moved_on=moved_on, actor=None, form_of_care="guardianship",
                     reason="The foster carer fell ill.")
    old.refresh_from_db()
    case = Case.objects.get(pk=old.case_id)
    assert (old.ended_on, old.end_reason) == (moved_on, EndReason.MOVED)
    assert (new.family, new.form_of_care, new.started_on, new.ended_on) == (other, "guardianship", moved_on, None)
    assert case.stage == Stage.PLACED and case.closed_on is None and case.form_of_care == "guardianship"
    assert new.visits.exists()  # the new family's follow-up is scheduled


def test_move_child_refuses_the_same_family_a_future_date_and_an_ended_placement(placed_in_foster_family):
    placement = placed_in_foster_family
    with pytest.raises(DomainError) as same:
        move_child(**decided(), placement=placement, family=placement.family, moved_on=timezone.localdate(), actor=None)
    assert same.value.field == "family"
    other = factories.FamilyFactory(form_of_care="foster_family")
    with pytest.raises(DomainError) as future:
        move_child(**decided(), placement=placement, family=other, moved_on=timezone.localdate() + dt.timedelta(days=1), actor=None)
    assert future.value.field == "moved_on"
    assert Placement.objects.filter(case=placement.case).count() == 1


def test_a_move_is_not_an_end_reason_of_end_placement(placed_in_foster_family):
    with pytest.raises(DomainError) as error:
        end_placement(placement=placed_in_foster_family, ended_on=timezone.localdate(), end_reason="moved", actor=None)
    assert error.value.field == "end_reason"


@pytest.fixture
def stability(db):
    """As of 2025-06-30:
    S1: entered 2023-12-01; foster family 2024-01-01, moved to another foster family 2024-03-01, moved
        into guardianship 2024-06-01: 2 moves (into each foster family; the guardianship ends the days
        in care), 183 days (2023-12-01 to 2024-06-01);
    S2: entered 2024-01-01; foster family 2024-02-01, returned 2024-05-01; patronage 2024-07-01 to
        2025-03-01 (came of age): 3 moves (into the foster family, back to the institution, into
        patronage), 366 days (12 months: 2024 is a leap year);
    S3: entered 2024-02-01, never placed: 0 moves, 366 days.
    5 moves in 915 days: 5.46 per 1,000."""
    s1 = make_case(region="almaty", sex="M", born=D(2015, 1, 1), opened=D(2023, 12, 1))
    place(s1, "foster_family", D(2024, 1, 1), D(2024, 3, 1), "moved")
    place(s1, "foster_family", D(2024, 3, 1), D(2024, 6, 1), "moved")
    place(s1, "guardianship", D(2024, 6, 1))
    s2 = make_case(region="almaty", sex="F", born=D(2007, 1, 1), opened=D(2024, 1, 1), closed=D(2025, 3, 1),
                   outcome="came_of_age")
    place(s2, "foster_family", D(2024, 2, 1), D(2024, 5, 1), "returned")
    place(s2, "patronage", D(2024, 7, 1), D(2025, 3, 1), "came_of_age")
    make_case(region="almaty", sex="F", born=D(2015, 1, 1), opened=D(2024, 2, 1))
    refresh_statistics()


def test_placement_stability_per_cfsr(api_client, admin_user, stability):
    total = stats(api_client, admin_user, "placement_stability", year_from="2023", year_to="2024")
    assert (total["children"], total["moves"], total["days_in_care"]) == (3, 5, 183 + 366 + 366)
    assert total["moves_per_1000_days"] == 5.46


# --- entries (item 8) and time to placement (item 9) ----------------------------------------------


def test_a_return_to_the_institution_is_an_entry(api_client, admin_user, stability):
    """2024: three cases opened (S2, S3 and none other: S1 opened in 2023) plus S2's return on
    2024-05-01: 3 entries, 1 of them a return."""
    total = stats(api_client, admin_user, "entries", year_from="2024", year_to="2024")
    assert (total["entries"], total["returns"]) == (3, 1)


@pytest.fixture
def cohort(db):
    """Entered 2024-01-01: T1 placed 2024-02-15 (within 3 months), T2 placed 2024-05-01 (4 months),
    T3 placed 2024-11-01 (10 months), T4 never placed. Entered 2025-05-01: T5, never placed.
    As of 2025-06-30: 5 children, 2 still waiting (T4, T5); T5's 3 months are not over, so each share
    is of T1-T4: 1, 2 and 3 of 4 placed within 3, 6 and 12 months."""
    for opened, placed in ((D(2024, 1, 1), D(2024, 2, 15)), (D(2024, 1, 1), D(2024, 5, 1)), (D(2024, 1, 1), D(2024, 11, 1)),
                           (D(2024, 1, 1), None), (D(2025, 5, 1), None)):
        case = make_case(region="astana", sex="M", born=D(2016, 1, 1), opened=opened)
        if placed:
            place(case, "guardianship", placed)
    refresh_statistics()


def test_time_to_placement_by_entry_cohort_counts_those_still_waiting(api_client, admin_user, cohort):
    total = stats(api_client, admin_user, "time_to_placement")
    assert (total["children"], total["waiting"]) == (5, 2)
    assert (total["entered_3m"], total["placed_3m"], total["placed_rate_3m"]) == (4, 1, 25.0)
    assert (total["entered_6m"], total["placed_6m"], total["placed_rate_6m"]) == (4, 2, 50.0)
    assert (total["entered_12m"], total["placed_12m"], total["placed_rate_12m"]) == (4, 3, 75.0)
