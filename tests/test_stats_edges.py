"""Edges of the indicators (issue 19, items 1-4): leap days, a year filter on a stock, empty
selections, and no total across dates for a stock."""

import datetime as dt

import pytest

from stats.services import refresh_statistics
from tests import factories
from tests.test_stats_indicators import cell, get_stats, make_case, place

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_user(db):
    from accounts.models import OrganisationalUnit

    return factories.UserFactory(role="administrator", unit=OrganisationalUnit.objects.get(code="ministry"))


D = dt.date

INDICATORS = [
    "children_in_care", "entries", "exits", "placements_started", "placements_ended", "return_rate", "reentry_12m",
    "placement_stability", "permanency_12m", "time_to_placement", "median_days_to_placement",
]


@pytest.fixture
def leap_day(db):
    """Child 1 entered and was adopted on 2024-02-29 and returned on 2025-02-28; child 2 entered and
    was placed in guardianship on 2024-02-29, still there."""
    c1 = make_case(region="almaty", sex="M", born=D(2016, 5, 5), opened=D(2024, 2, 29))
    place(c1, "adoption", D(2024, 2, 29), D(2025, 2, 28), "returned")
    c2 = make_case(region="almaty", sex="F", born=D(2017, 6, 6), opened=D(2024, 2, 29))
    place(c2, "guardianship", D(2024, 2, 29))
    refresh_statistics()


def test_a_placement_started_on_a_leap_day_is_observed_12_months_on_28_february(api_client, admin_user, leap_day):
    """2024-02-29 + 12 months = 2025-02-28 <= as_of 2025-02-28: both placements are observed for 12
    months, and the return on 2025-02-28 is within them (the rule start + 12 months <= as_of, once)."""
    data = get_stats(api_client, admin_user, "return_rate", as_of="2025-02-28")
    total = data["rows"][0]
    assert (total["placements_12m"], total["returned_12m"], total["return_rate_12m"]) == (2, 1, 50.0)
    # One day earlier the placement of 2024-02-29 has not had its 12 months yet.
    earlier = get_stats(api_client, admin_user, "return_rate", as_of="2025-02-27")["rows"][0]
    assert (earlier["placements_12m"], earlier["returned_12m"]) == (0, 0)


def test_the_same_rule_at_24_months(api_client, admin_user, leap_day):
    total = get_stats(api_client, admin_user, "return_rate", as_of="2026-02-28")["rows"][0]
    assert (total["placements_24m"], total["returned_24m"]) == (2, 1)
    assert get_stats(api_client, admin_user, "return_rate", as_of="2026-02-27")["rows"][0]["placements_24m"] == 0


def test_permanency_cohort_entering_on_a_leap_day_is_counted_on_28_february(api_client, admin_user, leap_day):
    """Both children entered on 2024-02-29, observed 12 months on 2025-02-28. Child 2's guardianship
    holds; child 1's adoption broke down on 2025-02-28, within the 12 months: 1 of 2."""
    total = get_stats(api_client, admin_user, "permanency_12m", as_of="2025-02-28")["rows"][0]
    assert (total["children"], total["permanent_12m"]) == (2, 1)


@pytest.fixture
def stock(db):
    """In care on 31 Dec 2023: child 1 (2022-03-01, still open) and child 2 (2023-05-05 to
    2024-02-01); child 3 came on 2024-06-06. On 31 Dec 2023: 2 children, ages 7 and 1."""
    make_case(region="almaty", sex="M", born=D(2016, 1, 1), opened=D(2022, 3, 1))
    make_case(region="astana", sex="F", born=D(2022, 4, 4), opened=D(2023, 5, 5), closed=D(2024, 2, 1), outcome="reunified")
    make_case(region="astana", sex="M", born=D(2012, 1, 1), opened=D(2024, 6, 6))
    refresh_statistics()


def test_a_year_filter_on_a_stock_counts_on_31_december_in_both_paths(api_client, admin_user, stock):
    plain = get_stats(api_client, admin_user, "children_in_care", year_from="2023", year_to="2023")
    banded = get_stats(api_client, admin_user, "children_in_care", year_from="2023", year_to="2023", breakdown="age_band")
    by_year = get_stats(api_client, admin_user, "children_in_care", year_from="2023", year_to="2023", breakdown="year")
    assert plain["rows"][0]["children"] == 2
    assert sum(row["children"] for row in banded["rows"]) == 2
    assert cell(banded, age_band="7-10")["children"] == 1 and cell(banded, age_band="0-2")["children"] == 1
    assert cell(by_year, year=2023)["children"] == 2
    # Without a filter: the as_of date (today), when children 1 and 3 are in care.
    assert get_stats(api_client, admin_user, "children_in_care")["rows"][0]["children"] == 2
    assert get_stats(api_client, admin_user, "children_in_care", year_to="2024")["rows"][0]["children"] == 2


def test_a_stock_over_two_years_without_a_year_breakdown_is_refused(api_client, admin_user, stock):
    api_client.force_authenticate(admin_user)
    response = api_client.get("/api/v1/stats/children_in_care/", {"year_from": "2022", "year_to": "2023"})
    assert response.status_code == 400
    assert "one date" in response.json()["year_from"][0]


@pytest.mark.parametrize("role", ["administrator", "analyst", "supervisor"])
def test_an_empty_selection_is_zero_for_every_indicator_and_role(api_client, role, stock, district):
    from accounts.models import OrganisationalUnit
    from tests import factories

    unit = district.parent if role == "supervisor" else OrganisationalUnit.objects.get(code="ministry")
    user = factories.UserFactory(role=role, unit=unit)
    for indicator in INDICATORS:
        data = get_stats(api_client, user, indicator, year_from="2027")
        rows = [*data["rows"], *data["totals"]]
        assert rows, indicator
        for row in rows:
            for measure in data["measures"]:
                value = row[measure["name"]]
                if measure["kind"] in ("count", "sum"):
                    assert value == 0, (indicator, measure["name"], value)
                else:  # a rate or median of nothing is undefined, never a 500
                    assert value is None, (indicator, measure["name"], value)


def test_a_stock_by_year_publishes_no_total_across_dates(api_client, admin_user, stock):
    by_year = get_stats(api_client, admin_user, "children_in_care", breakdown="year", year_from="2022", year_to="2024")
    assert [(r["year"], r["children"]) for r in by_year["rows"]] == [(2022, 1), (2023, 2), (2024, 2)]
    assert by_year["totals"] == []
    two_way = get_stats(
        api_client, admin_user, "children_in_care", breakdown="year,region", region="almaty,astana", year_from="2022",
        year_to="2024",
    )
    # Each year's total over the regions is a stock on that date; no region's total over the years.
    assert {(t["year"], t["region"]) for t in two_way["totals"]} == {(2022, None), (2023, None), (2024, None)}
    assert next(t for t in two_way["totals"] if t["year"] == 2023)["children"] == 2
    # A flow adds up across years as before.
    entries = get_stats(api_client, admin_user, "entries", breakdown="year", year_from="2022", year_to="2024")
    assert entries["totals"][-1]["entries"] == 3


def test_tables_by_year_start_at_a_fixed_year_not_at_the_first_year_with_data(api_client, admin_user, stock):
    data = get_stats(api_client, admin_user, "entries", breakdown="year", as_of="2025-06-30")
    assert [r["year"] for r in data["rows"]] == list(range(2016, 2026))
    assert data["year_from"] == 2016
