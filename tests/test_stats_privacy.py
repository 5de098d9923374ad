"""Differentially private releases (issue 14, item 5): one release per canonical request, whatever
the language, an all-values filter, a nudged epsilon, a year range asked by its years or a nightly
refresh; each child's contribution bounded; epsilon capped; a fixed table shape; and a privacy
budget per analyst per quarter that each new release spends."""

import datetime as dt

import pytest

from stats.models import PrivacySpend, PrivateRelease
from stats.services import refresh_statistics
from tests import factories
from tests.test_stats_indicators import make_case, place

pytestmark = pytest.mark.django_db
AS_OF = "2025-06-30"


@pytest.fixture
def records(db):
    """Twelve children in Almaty entering in 2023 and 2024 (half of them boys), each placed once."""
    for i in range(12):
        case = make_case(region="almaty", sex="MF"[i % 2], born=dt.date(2015, 1, 1), opened=dt.date(2023 + i % 2, 3, 1))
        place(case, "guardianship", dt.date(2023 + i % 2, 5, 1))
    refresh_statistics()


@pytest.fixture
def admin_user(db):
    from accounts.models import OrganisationalUnit

    return factories.UserFactory(role="administrator", unit=OrganisationalUnit.objects.get(code="ministry"))


def get(client, user, indicator, **query):
    client.force_authenticate(user)
    language = query.pop("lang", "en")
    return client.get(f"/api/v1/stats/{indicator}/", {"as_of": AS_OF, **query}, HTTP_ACCEPT_LANGUAGE=language)


def numbers(data: dict, measure: str) -> list:
    return [row[measure] for row in [*data["rows"], *data["totals"]]]


def test_equivalent_requests_get_one_release(api_client, analyst, records):
    base = {"breakdown": "region", "year_from": "2023", "year_to": "2024", "epsilon": "0.5"}
    first = get(api_client, analyst, "entries", **base).json()
    variants = [
        dict(base, lang="kk"),                      # another language
        dict(base, sex="M,F"),                      # a filter that keeps every value
        dict(base, epsilon="0.500000001"),          # a nudged epsilon
        dict(base, epsilon="0.499999999"),
    ]
    for query in variants:
        response = get(api_client, analyst, "entries", **query)
        assert response.status_code == 200, response.content
        assert numbers(response.json(), "entries") == numbers(first, "entries"), query
    refresh_statistics()  # the nightly refresh does not redraw it either
    assert numbers(get(api_client, analyst, "entries", **base).json(), "entries") == numbers(first, "entries")
    assert PrivateRelease.objects.count() == 1
    assert PrivacySpend.objects.get().epsilon == 0.5
    kazakh = get(api_client, analyst, "entries", **dict(base, lang="kk")).json()
    assert kazakh["title"] != first["title"]  # the words follow the language, the numbers do not


def test_a_year_range_is_the_sum_of_its_noisy_years(api_client, admin_user, records):
    """A range and its years are the same canonical cells: one release, one draw of noise, and the
    range's answer is the sum of the noisy years (it used to draw fresh noise per answer, so the two
    disagreed and an analyst could average the draws away)."""
    by_year = get(api_client, admin_user, "entries", breakdown="year", year_from="2023", year_to="2024", epsilon="1").json()
    total = get(api_client, admin_user, "entries", year_from="2023", year_to="2024", epsilon="1").json()
    assert total["rows"][0]["entries"] == sum(row["entries"] for row in by_year["rows"])
    assert total["differential_privacy"] == by_year["differential_privacy"]
    assert PrivateRelease.objects.count() == 1


def test_each_childs_contribution_is_bounded(api_client, admin_user, records):
    """A stock by year counts a child once on each year-end: sensitivity = the number of dates. A
    flow counts at most STATS_DP_RECORDS_PER_CHILD records of a child."""
    stock = get(api_client, admin_user, "children_in_care", breakdown="year", year_from="2017", year_to="2024", epsilon="1").json()
    assert stock["differential_privacy"]["sensitivity"] == {"children": 8}
    assert stock["differential_privacy"]["noise_scale"] == {"children": 8.0}
    flow = get(api_client, admin_user, "return_rate", epsilon="1").json()
    privacy = flow["differential_privacy"]
    assert privacy["sensitivity"] == {"placements_12m": 2, "returned_12m": 2, "placements_24m": 2, "returned_24m": 2}
    assert privacy["epsilon_per_count_measure"] == 0.25
    assert privacy["noise_scale"]["placements_12m"] == 8.0


def test_epsilon_is_capped(api_client, admin_user, records):
    response = get(api_client, admin_user, "entries", epsilon="10")
    assert response.status_code == 400
    assert "epsilon is a number from 0.1 to 1.0" in response.json()["epsilon"][0]


def test_a_noisy_table_has_a_fixed_shape(api_client, admin_user, records):
    """Rows are every year of the filter, not from the first year with data (2023)."""
    data = get(api_client, admin_user, "entries", breakdown="year", year_from="2019", year_to="2024", epsilon="1").json()
    assert [row["year"] for row in data["rows"]] == [2019, 2020, 2021, 2022, 2023, 2024]


def test_the_privacy_budget_is_spent_and_refused_when_used_up(api_client, analyst, records, settings):
    settings.STATS_PRIVACY_BUDGET = 1.0
    assert get(api_client, analyst, "entries", breakdown="sex", epsilon="0.5").status_code == 200
    assert get(api_client, analyst, "exits", breakdown="sex", epsilon="0.5").status_code == 200
    refused = get(api_client, analyst, "placements_started", breakdown="sex", epsilon="0.25")
    assert refused.status_code == 400
    message = refused.json()["epsilon"][0]
    assert "privacy budget" in message and "1.0 of 1.0 spent" in message
    assert PrivateRelease.objects.count() == 2
    # A release already published costs nothing and stays available.
    assert get(api_client, analyst, "entries", breakdown="sex", epsilon="0.5").status_code == 200
    # So do the suppressed, perturbed tables.
    assert get(api_client, analyst, "placements_started", breakdown="sex").status_code == 200
    assert sum(PrivacySpend.objects.values_list("epsilon", flat=True)) == 1.0
