"""Each indicator against a small set of cases computed by hand (as of 30 June 2025).

Almaty: child 1 (boy, born 2015-03-01), case opened 2023-02-01, still open: adopted 2023-05-01,
  returned 2023-11-01; under guardianship since 2024-03-01.
Almaty: child 2 (girl, born 2020-01-10), case opened 2023-06-15, closed 2024-05-01 reunified.
Astana: child 3 (girl, born 2010-07-07), case opened 2024-01-10, still open: foster family
  2024-04-10 to 2025-01-10 (transferred); trusteeship (with her aunt) since 2025-02-01.
Astana: child 4 (boy, born 2023-09-09), case opened 2024-10-01, still open, never placed.
Almaty: child 5 (boy, born 2012-12-12), case opened 2022-01-05: adopted 2022-03-01, placement
  and case closed 2023-12-31 with permanency.
"""

import datetime as dt

import pytest

from stats.services import refresh_statistics
from tests import factories

pytestmark = pytest.mark.django_db

def get_stats(client, user, indicator: str, **query):
    client.force_authenticate(user)
    response = client.get(f"/api/v1/stats/{indicator}/", query)
    assert response.status_code == 200, response.content[:2000]
    return response.json()


def cell(data: dict, **dims) -> dict:
    matches = [row for row in data["rows"] if all(row.get(k) == v for k, v in dims.items())]
    assert len(matches) == 1, f"{len(matches)} rows match {dims}"
    return matches[0]


AS_OF = dt.date(2025, 6, 30)
D = dt.date


@pytest.fixture
def admin_user(db):
    from accounts.models import OrganisationalUnit

    return factories.UserFactory(role="administrator", unit=OrganisationalUnit.objects.get(code="ministry"))


def make_case(*, region: str, sex: str, born: dt.date, opened: dt.date, closed: dt.date | None = None, outcome: str = ""):
    """A child and their case in ``region``. The district, worker and children's home are the
    region's first ones made by an earlier call of the same test (statistics never look at them):
    fixtures with hundreds of cases make three rows per case, not a dozen."""
    from accounts.models import OrganisationalUnit, User
    from children.models import ChildrensHome

    place = factories.region_by_code(region)
    unit = OrganisationalUnit.objects.filter(kind="district", region=place, code__startswith="district-").first()
    unit = unit or factories.DistrictFactory(region=place)
    worker = User.objects.filter(unit=unit).first() or factories.UserFactory(unit=unit)
    home = ChildrensHome.objects.filter(region=place).first() or factories.ChildrensHomeFactory(region=place)
    child = factories.ChildFactory(region=place, sex=sex, birth_date=born, entered_care_on=opened, current_home=home)
    stage = "closed" if closed else "registered"
    return factories.CaseFactory(child=child, opened_on=opened, closed_on=closed, outcome=outcome, stage=stage,
                                 responsible_unit=unit, assigned_worker=worker)


def place(case, form: str, started: dt.date, ended: dt.date | None = None, reason: str = ""):
    return factories.PlacementFactory(
        case=case, form_of_care=form, started_on=started, ended_on=ended, end_reason=reason,
        return_reason="child_behaviour" if reason == "returned" else "",
    )


@pytest.fixture
def hand_cases(db):
    c1 = make_case(region="almaty", sex="M", born=D(2015, 3, 1), opened=D(2023, 2, 1))
    place(c1, "adoption", D(2023, 5, 1), D(2023, 11, 1), "returned")
    place(c1, "guardianship", D(2024, 3, 1))
    c2 = make_case(region="almaty", sex="F", born=D(2020, 1, 10), opened=D(2023, 6, 15), closed=D(2024, 5, 1), outcome="reunified")
    c3 = make_case(region="astana", sex="F", born=D(2010, 7, 7), opened=D(2024, 1, 10))
    place(c3, "foster_family", D(2024, 4, 10), D(2025, 1, 10), "transferred")
    place(c3, "trusteeship", D(2025, 2, 1))
    c4 = make_case(region="astana", sex="M", born=D(2023, 9, 9), opened=D(2024, 10, 1))
    c5 = make_case(region="almaty", sex="M", born=D(2012, 12, 12), opened=D(2022, 1, 5), closed=D(2023, 12, 31), outcome="permanency")
    place(c5, "adoption", D(2022, 3, 1), D(2023, 12, 31), "permanency")
    refresh_statistics()
    return {"c1": c1, "c2": c2, "c3": c3, "c4": c4, "c5": c5}


def stats(client, user, indicator, **query):
    return get_stats(client, user, indicator, as_of=AS_OF.isoformat(), **query)


def test_children_in_care_on_the_date_by_region(api_client, admin_user, hand_cases):
    data = stats(api_client, admin_user, "children_in_care", breakdown="region")
    assert cell(data, region="almaty")["children"] == 1
    assert cell(data, region="astana")["children"] == 2
    assert cell(data, region="shymkent")["children"] == 0
    assert data["totals"][-1]["children"] == 3


def test_children_in_care_at_each_year_end(api_client, admin_user, hand_cases):
    data = stats(api_client, admin_user, "children_in_care", breakdown="year", year_from="2022")
    assert [(row["year"], row["children"]) for row in data["rows"]] == [(2022, 1), (2023, 2), (2024, 3), (2025, 3)]


def test_children_in_care_by_form_of_care_and_age_band(api_client, admin_user, hand_cases):
    by_form = stats(api_client, admin_user, "children_in_care", breakdown="form_of_care")
    assert cell(by_form, form_of_care="guardianship")["children"] == 1
    assert cell(by_form, form_of_care="trusteeship")["children"] == 1
    assert cell(by_form, form_of_care="none")["children"] == 1
    assert cell(by_form, form_of_care="adoption")["children"] == 0
    by_age = stats(api_client, admin_user, "children_in_care", breakdown="age_band")
    # Ages on 30 June 2025: 10, 14 (birthday in July), 1.
    assert {row["age_band"]: row["children"] for row in by_age["rows"]} == {
        "0-2": 1, "3-6": 0, "7-10": 1, "11-14": 1, "15-17": 0, "18+": 0,
    }


def test_entries_by_year_and_sex(api_client, admin_user, hand_cases):
    """Five cases opened, and child 1 (a boy) returned to an institution on 2023-11-01: a new entry."""
    data = stats(api_client, admin_user, "entries", breakdown="year,sex")
    assert cell(data, year=2022, sex="M")["entries"] == 1
    assert (cell(data, year=2023, sex="M")["entries"], cell(data, year=2023, sex="M")["returns"]) == (2, 1)
    assert cell(data, year=2023, sex="F")["entries"] == 1
    assert cell(data, year=2024, sex="F")["entries"] == 1
    assert cell(data, year=2024, sex="M")["entries"] == 1
    assert (data["totals"][-1]["entries"], data["totals"][-1]["returns"]) == (6, 1)


def test_exits_by_outcome(api_client, admin_user, hand_cases):
    data = stats(api_client, admin_user, "exits", breakdown="outcome")
    assert cell(data, outcome="permanency")["exits"] == 1
    assert cell(data, outcome="reunified")["exits"] == 1
    assert cell(data, outcome="death")["exits"] == 0


def test_exits_by_quarter(api_client, admin_user, hand_cases):
    data = stats(api_client, admin_user, "exits", breakdown="quarter", year_from="2023", year_to="2024")
    assert cell(data, quarter="2023-Q4")["exits"] == 1
    assert cell(data, quarter="2024-Q2")["exits"] == 1
    assert sum(row["exits"] for row in data["rows"]) == 2
    assert len(data["rows"]) == 8


def test_placements_started_by_form_of_care(api_client, admin_user, hand_cases):
    data = stats(api_client, admin_user, "placements_started", breakdown="form_of_care")
    assert cell(data, form_of_care="adoption")["placements"] == 2
    assert cell(data, form_of_care="guardianship")["placements"] == 1
    assert cell(data, form_of_care="foster_family")["placements"] == 1
    assert cell(data, form_of_care="trusteeship")["placements"] == 1


def test_placements_ended_by_reason_and_year(api_client, admin_user, hand_cases):
    data = stats(api_client, admin_user, "placements_ended", breakdown="end_reason,year", year_from="2023")
    assert cell(data, end_reason="returned", year=2023)["placements"] == 1
    assert cell(data, end_reason="permanency", year=2023)["placements"] == 1
    assert cell(data, end_reason="transferred", year=2025)["placements"] == 1
    assert cell(data, end_reason="returned", year=2025)["placements"] == 0


def test_return_rate_within_12_and_24_months(api_client, admin_user, hand_cases):
    data = stats(api_client, admin_user, "return_rate")
    total = data["rows"][0]
    # 12 months: placements started by 2024-06-30 (four), one returned within a year of its start.
    assert (total["placements_12m"], total["returned_12m"], total["return_rate_12m"]) == (4, 1, 25.0)
    # 24 months: placements started by 2023-06-30 (two), the same one returned.
    assert (total["placements_24m"], total["returned_24m"], total["return_rate_24m"]) == (2, 1, 50.0)


def test_return_rate_by_form_of_care(api_client, admin_user, hand_cases):
    data = stats(api_client, admin_user, "return_rate", breakdown="form_of_care")
    adoption = cell(data, form_of_care="adoption")
    assert (adoption["placements_12m"], adoption["returned_12m"], adoption["return_rate_12m"]) == (2, 1, 50.0)
    assert cell(data, form_of_care="trusteeship")["placements_12m"] == 0
    assert cell(data, form_of_care="trusteeship")["return_rate_12m"] is None


def test_placement_stability_moves_per_1000_days(api_client, admin_user, hand_cases):
    """Days in care stop at the first permanent placement (adoption, guardianship, kinship...), 12
    months after entry, the closing or the as_of date, whichever comes first; a move is a start in a
    non-permanent form or a return to an institution within those days.

    child 1: 2023-02-01 to the adoption on 2023-05-01: 89 days, no move (the return came later);
    child 2: 2023-06-15 to the reunification on 2024-05-01: 321 days;
    child 3: 2024-01-10 to 2025-01-10 (12 months; kinship only on 2025-02-01): 366 days, one move
             (into the foster family on 2024-04-10);
    child 4: 2024-10-01 to the as_of date 2025-06-30: 272 days;
    child 5: 2022-01-05 to the adoption on 2022-03-01: 55 days.
    1 move in 1,103 days."""
    data = stats(api_client, admin_user, "placement_stability")
    total = data["rows"][0]
    days = 89 + 321 + 366 + 272 + 55
    assert (total["children"], total["moves"], total["days_in_care"]) == (5, 1, days)
    assert total["moves_per_1000_days"] == round(1 * 1000 / days, 2)


def test_placement_stability_counts_only_moves_up_to_a_past_as_of_date(api_client, admin_user, hand_cases):
    """As of 2024-06-30: cases opened by then are children 5, 1, 2, 3; child 3's move into the foster
    family (2024-04-10) is inside the window, which ends on the as_of date (174 days of 2024)."""
    data = get_stats(api_client, admin_user, "placement_stability", as_of="2024-06-30")
    total = data["rows"][0]
    assert (total["children"], total["moves"]) == (4, 1)
    assert total["days_in_care"] == 55 + 89 + 321 + (D(2024, 6, 30) - D(2024, 1, 10)).days


def test_placement_stability_by_region(api_client, admin_user, hand_cases):
    data = stats(api_client, admin_user, "placement_stability", breakdown="region")
    astana = cell(data, region="astana")
    assert (astana["children"], astana["moves"]) == (2, 1)
    assert astana["days_in_care"] == 366 + 272


def test_permanency_within_12_months(api_client, admin_user, hand_cases):
    """Entered at least 12 months before 2025-06-30: children 1, 2, 3, 5.
    child 5: adopted 2022-03-01, the adoption held past 2023-01-05 -> permanent;
    child 1: adopted 2023-05-01 but returned 2023-11-01, before 2024-02-01 (guardianship only from
             2024-03-01) -> not permanent at 12 months;
    child 2: reunified 2024-05-01, within 12 months -> permanent;
    child 3: only in a foster family in the first year -> not. 2 of 4."""
    data = stats(api_client, admin_user, "permanency_12m")
    total = data["rows"][0]
    assert (total["children"], total["permanent_12m"], total["permanency_rate_12m"]) == (4, 2, 50.0)


def test_permanency_by_region(api_client, admin_user, hand_cases):
    data = stats(api_client, admin_user, "permanency_12m", breakdown="region")
    assert (cell(data, region="almaty")["children"], cell(data, region="almaty")["permanent_12m"]) == (3, 2)
    assert (cell(data, region="astana")["children"], cell(data, region="astana")["permanent_12m"]) == (1, 0)


def test_median_days_from_registration_to_first_placement(api_client, admin_user, hand_cases):
    data = stats(api_client, admin_user, "median_days_to_placement")
    # First placements: 55 days (child 5), 89 (child 1), 91 (child 3); the re-placements do not count.
    assert data["rows"][0]["placements"] == 3
    assert data["rows"][0]["median_days"] == 89.0


def test_median_days_by_year_and_its_total(api_client, admin_user, hand_cases):
    data = stats(api_client, admin_user, "median_days_to_placement", breakdown="year", year_from="2022", year_to="2024")
    assert [(row["year"], row["median_days"]) for row in data["rows"]] == [(2022, 55.0), (2023, 89.0), (2024, 91.0)]
    assert data["totals"][-1]["median_days"] == 89.0


def test_two_way_table_publishes_row_and_column_totals(api_client, admin_user, hand_cases):
    data = stats(api_client, admin_user, "placements_started", breakdown="region,year", region="almaty,astana", year_from="2022")
    totals = {(row["region"], row["year"]): row["placements"] for row in data["totals"]}
    assert totals[("almaty", None)] == 3
    assert totals[("astana", None)] == 2
    assert totals[(None, 2024)] == 2
    assert totals[(None, None)] == 5



def test_statistics_reflect_the_last_snapshot_and_say_when_it_was_taken(api_client, admin_user, hand_cases):
    make_case(region="astana", sex="M", born=D(2019, 1, 1), opened=D(2025, 1, 15))
    before = stats(api_client, admin_user, "entries")
    assert before["rows"][0]["entries"] == 6  # five cases opened and one return
    snapshot = refresh_statistics()
    after = stats(api_client, admin_user, "entries")
    assert after["rows"][0]["entries"] == 7
    assert after["data_as_of"] == snapshot.finished_at.isoformat(timespec="seconds")


def test_first_request_on_a_new_installation_takes_the_first_snapshot(api_client, admin_user):
    from stats.models import FactsRefresh

    make_case(region="almaty", sex="F", born=D(2018, 5, 5), opened=D(2024, 2, 2))
    assert not FactsRefresh.objects.exists()
    data = stats(api_client, admin_user, "entries")
    assert data["rows"][0]["entries"] == 1
    assert FactsRefresh.objects.count() == 1


def test_refresh_marks_the_first_placement_of_each_case(hand_cases):
    from stats.models import PlacementFact

    firsts = PlacementFact.objects.filter(first_in_case=True).values_list("started_on", flat=True)
    assert sorted(firsts) == [D(2022, 3, 1), D(2023, 5, 1), D(2024, 4, 10)]


def test_refresh_copies_each_first_placement_with_its_days_period_and_age_band(hand_cases):
    from stats.models import FirstPlacementFact

    rows = FirstPlacementFact.objects.order_by("started_on").values_list(
        "case_id", "form_of_care", "year", "quarter", "age_band", "days_from_registration")
    assert list(rows) == [
        # opened 2022-01-05, born 2012-12-12: 55 days, aged 9
        (hand_cases["c5"].pk, "adoption", 2022, 20221, "7-10", 55),
        # opened 2023-02-01, born 2015-03-01: 89 days, aged 8 (the re-placement in 2024 is not first)
        (hand_cases["c1"].pk, "adoption", 2023, 20232, "7-10", 89),
        # opened 2024-01-10, born 2010-07-07: 91 days, aged 13
        (hand_cases["c3"].pk, "foster_family", 2024, 20242, "11-14", 91),
    ]


def test_refresh_command_reports_what_it_copied(hand_cases):
    import io

    from django.core.management import call_command

    out = io.StringIO()
    call_command("refresh_statistics", stdout=out)
    assert "5 cases, 5 placements" in out.getvalue()


def test_nightly_refresh_is_scheduled(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["refresh-statistics"]
    assert entry["task"] == "stats.refresh_statistics"


def test_children_in_care_by_year_adds_up_the_same_with_and_without_age_bands(api_client, admin_user, hand_cases):
    # Without age bands the stock is computed from opening/closing buckets; with them, per snapshot.
    plain = stats(api_client, admin_user, "children_in_care", breakdown="year,region", year_from="2021")
    banded = stats(api_client, admin_user, "children_in_care", breakdown="year,region,age_band", year_from="2021")
    summed: dict[tuple, int] = {}
    for row in banded["rows"]:
        summed[(row["year"], row["region"])] = summed.get((row["year"], row["region"]), 0) + row["children"]
    assert {(r["year"], r["region"]): r["children"] for r in plain["rows"]} == summed
    assert cell(plain, year=2024, region="astana")["children"] == 2


def test_children_in_care_at_each_quarter_end(api_client, admin_user, hand_cases):
    data = stats(api_client, admin_user, "children_in_care", breakdown="quarter", year_from="2024", year_to="2024")
    # Child 2 left on 2024-05-01; child 4 came on 2024-10-01.
    assert [(row["quarter"], row["children"]) for row in data["rows"]] == [
        ("2024-Q1", 3), ("2024-Q2", 2), ("2024-Q3", 2), ("2024-Q4", 3),
    ]
