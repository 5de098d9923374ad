"""The statistics API: who may call it, what analysts receive, formats and bad input."""

import csv
import datetime as dt
import io
import json

import pytest
from openpyxl import load_workbook

from accounts.models import OrganisationalUnit
from stats.models import PrivateRelease
from stats.services import refresh_statistics
from tests import factories

pytestmark = pytest.mark.django_db

AS_OF = "2025-06-30"
ALL_INDICATORS = [
    "children_in_care", "entries", "exits", "placements_started", "placements_ended", "return_rate", "reentry_12m",
    "placement_stability", "permanency_12m", "time_to_placement", "median_days_to_placement",
]


def url(indicator: str) -> str:
    return f"/api/v1/stats/{indicator}/"


@pytest.fixture
def admin_user(db):
    return factories.UserFactory(role="administrator", unit=OrganisationalUnit.objects.get(code="ministry"))


@pytest.fixture
def placements(db, district):
    """Almaty: 12 boys adopted in 2023 (three returned within a year), 3 girls in guardianship in 2023
    and 25 boys in foster families in 2024; Astana: 2 girls adopted in 2024."""
    made = []
    family = factories.FamilyFactory(responsible_unit=district)
    used_iins: set[str] = set()

    def unique_iin(sex: str) -> str:
        serial = 100 + len(used_iins) * 3
        while (iin := factories.valid_iin(dt.date(2014, 2, 3), sex, serial)) in used_iins:
            serial += 1
        used_iins.add(iin)
        return iin

    def add(n, region, sex, form, started, returned=None):
        for _ in range(n):
            child = factories.ChildFactory(
                region=factories.region_by_code(region), sex=sex, birth_date=dt.date(2014, 2, 3), iin=unique_iin(sex),
                last_name="Zhaksylykova" if sex == "F" else "Zhaksylykov", entered_care_on=dt.date(2022, 1, 1),
            )
            case = factories.CaseFactory(
                child=child, opened_on=dt.date(2022, 1, 1), stage="placed", responsible_unit=district, assigned_worker=None
            )
            made.append(factories.PlacementFactory(
                case=case, family=family, form_of_care=form, started_on=started, ended_on=returned,
                end_reason="returned" if returned else "", return_reason="family_conflict" if returned else "",
            ))

    add(9, "almaty", "M", "adoption", dt.date(2023, 3, 1))
    add(3, "almaty", "M", "adoption", dt.date(2023, 3, 1), returned=dt.date(2023, 9, 1))
    add(3, "almaty", "F", "guardianship", dt.date(2023, 4, 1))
    add(25, "almaty", "M", "foster_family", dt.date(2024, 2, 1))
    add(2, "astana", "F", "adoption", dt.date(2024, 5, 1))
    refresh_statistics()
    return made


def get(client, user, indicator, **query):
    client.force_authenticate(user)
    return client.get(url(indicator), {"as_of": AS_OF, **query})


def numbers_visible(data: dict, measure: str) -> list[int]:
    return [row[measure] for row in [*data["rows"], *data["totals"]] if row[measure] is not None]


# --- who may call it ----------------------------------------------------------------------------


def test_social_worker_is_refused(api_client, worker):
    api_client.force_authenticate(worker)
    assert api_client.get("/api/v1/stats/").status_code == 403
    assert api_client.get(url("entries")).status_code == 403


def test_anonymous_caller_is_refused(api_client):
    assert api_client.get(url("entries")).status_code in (401, 403)


@pytest.mark.parametrize("role", ["analyst", "supervisor", "administrator"])
def test_analysts_supervisors_and_administrators_may_call_it(api_client, role, district):
    user = factories.UserFactory(role=role, unit=district.parent)
    api_client.force_authenticate(user)
    assert api_client.get(url("entries")).status_code == 200


def test_supervisor_sees_only_their_region(api_client, supervisor, placements):
    data = get(api_client, supervisor, "placements_started", breakdown="region").json()
    assert [row["region"] for row in data["rows"]] == ["almaty"]
    assert data["totals"][-1]["placements"] == 40


def test_supervisor_cannot_ask_for_another_region(api_client, supervisor, placements):
    response = get(api_client, supervisor, "placements_started", region="astana")
    assert response.status_code == 400
    assert "region" in response.json()


def test_supervisor_receives_unsuppressed_counts_for_their_region(api_client, supervisor, placements):
    data = get(api_client, supervisor, "placements_started", breakdown="form_of_care").json()
    guardianship = next(row for row in data["rows"] if row["form_of_care"] == "guardianship")
    assert guardianship["placements"] == 3
    assert data["disclosure_control"] == {"applied": False}


# --- what analysts receive ----------------------------------------------------------------------


def test_analyst_output_is_always_suppressed(api_client, analyst, placements):
    data = get(api_client, analyst, "placements_started", breakdown="region,form_of_care").json()
    assert data["disclosure_control"]["applied"] is True
    assert data["disclosure_control"]["k"] == 10
    assert all(not 0 < v < 10 for v in numbers_visible(data, "placements"))
    astana_adoption = next(r for r in data["rows"] if r["region"] == "astana" and r["form_of_care"] == "adoption")
    assert astana_adoption["placements"] is None
    assert "placements" in astana_adoption["suppressed"]


def test_analyst_cannot_turn_suppression_off(api_client, analyst, placements):
    response = get(api_client, analyst, "entries", suppress="false")
    assert response.status_code == 400
    assert "suppress" in response.json()


def test_rate_is_suppressed_with_its_numerator(api_client, analyst, placements):
    data = get(api_client, analyst, "return_rate", breakdown="year", region="almaty").json()
    started_2023 = next(r for r in data["rows"] if r["year"] == 2023)
    # 15 placements in 2023 observed for a year (published perturbed, by at most 3), 3 returned: the
    # 3 is hidden, so is the 20% it would give.
    assert abs(started_2023["placements_12m"] - 15) <= 3
    assert started_2023["returned_12m"] is None
    assert started_2023["return_rate_12m"] is None
    assert {"returned_12m", "return_rate_12m"} <= set(started_2023["suppressed"])


def test_k_is_a_setting(api_client, analyst, placements, settings):
    """Every record key set to 128: a cell of an odd number of records has cell key 128, whose
    perturbation is 0 (stats.cellkey.PTABLE), so the 3 returns and the 15 placements of 2023 are
    published as they are, and with k = 2 the 3 is shown."""
    from stats.models import RecordKey

    RecordKey.objects.update(key=128)
    refresh_statistics()
    settings.STATS_SUPPRESSION_K = 2
    data = get(api_client, analyst, "return_rate", breakdown="year", region="almaty").json()
    started_2023 = next(r for r in data["rows"] if r["year"] == 2023)
    assert data["disclosure_control"]["k"] == 2
    assert (started_2023["placements_12m"], started_2023["returned_12m"]) == (15, 3)
    assert started_2023["return_rate_12m"] == 20.0


def test_analyst_suppressed_table_has_no_lone_suppressed_cell_in_a_row_or_column(api_client, analyst, placements):
    data = get(api_client, analyst, "placements_started", breakdown="region,year", region="almaty,astana").json()
    grid = {(r["region"], r["year"]): r for r in [*data["rows"], *data["totals"]]}
    regions, years = ["almaty", "astana", None], [*sorted({r["year"] for r in data["rows"]}), None]
    for region in regions:
        assert sum(grid[(region, y)]["placements"] is None for y in years) != 1
    for year in years:
        assert sum(grid[(r, year)]["placements"] is None for r in regions) != 1


@pytest.mark.parametrize("fmt", ["json", "csv", "xlsx"])
def test_analyst_never_receives_a_name_iin_or_birth_date(api_client, analyst, placements, fmt):
    children = [p.child for p in placements]
    secrets = {s for c in children for s in (c.last_name, c.first_name, c.iin, c.birth_date.isoformat())}
    secrets |= {"03.02.2014", "2014-02-03"}
    for indicator in ALL_INDICATORS:
        response = get(api_client, analyst, indicator, breakdown="region,sex,age_band", format=fmt)
        assert response.status_code == 200
        if fmt == "xlsx":
            book = load_workbook(io.BytesIO(response.content))
            body = " ".join(str(c) for sheet in book for row in sheet.iter_rows(values_only=True) for c in row)
        else:
            body = response.content.decode("utf-8")
        leaked = [secret for secret in secrets if secret in body]
        assert leaked == [], f"{indicator} ({fmt}) shows {leaked}"


# --- formats --------------------------------------------------------------------------------------


def test_csv_export_marks_suppressed_cells_and_states_the_rule(api_client, analyst, placements):
    response = get(api_client, analyst, "placements_started", breakdown="form_of_care", region="almaty", format="csv")
    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8-sig")
    assert "k=10" in text
    rows = list(csv.DictReader(line for line in text.splitlines() if not line.startswith("#")))
    by_form = {r["form_of_care"]: r["placements"] for r in rows}
    assert abs(int(by_form["foster_family"]) - 25) <= 3  # perturbed by the cell key method
    assert by_form["guardianship"] == "x"
    assert abs(int(by_form["Total"]) - 40) <= 3
    assert "cell key" in text


def test_csv_is_chosen_by_the_accept_header(api_client, admin_user, placements):
    api_client.force_authenticate(admin_user)
    response = api_client.get(url("entries"), {"as_of": AS_OF}, HTTP_ACCEPT="text/csv")
    assert response["Content-Type"].startswith("text/csv")


def test_xlsx_export_has_the_table_and_an_about_sheet(api_client, admin_user, placements):
    response = get(api_client, admin_user, "placements_started", breakdown="form_of_care", format="xlsx")
    book = load_workbook(io.BytesIO(response.content))
    table = list(book.worksheets[0].iter_rows(values_only=True))
    assert table[0] == ("form_of_care", "form_of_care_label", "placements")
    assert ("foster_family", "foster family", 25) in table
    about = " ".join(str(r[0]) for r in book.worksheets[1].iter_rows(values_only=True))
    assert "Placements started" in about


# --- differential privacy ---------------------------------------------------------------------


def test_private_release_states_epsilon_and_mechanism(api_client, admin_user, placements):
    data = get(api_client, admin_user, "placements_started", breakdown="region", epsilon="1.0").json()
    privacy = data["differential_privacy"]
    assert privacy["epsilon"] == 1.0
    assert "OpenDP" in privacy["mechanism"]
    # At most two placements of a child count (STATS_DP_RECORDS_PER_CHILD): sensitivity 2, scale 2/ε.
    assert privacy["sensitivity"] == {"placements": 2}
    assert privacy["noise_scale"] == {"placements": 2.0}
    assert all(isinstance(r["placements"], int) and r["placements"] >= 0 for r in data["rows"])
    assert data["totals"][-1]["placements"] == sum(r["placements"] for r in data["rows"])


def test_private_release_is_stored_and_repeated_not_redrawn(api_client, admin_user, placements):
    first = get(api_client, admin_user, "placements_started", breakdown="region,year", epsilon="0.5").json()
    second = get(api_client, admin_user, "placements_started", breakdown="region,year", epsilon="0.5").json()
    assert first == second
    assert PrivateRelease.objects.count() == 1


def test_private_release_for_an_analyst_is_also_suppressed(api_client, analyst, placements):
    data = get(api_client, analyst, "placements_started", breakdown="region", epsilon="1").json()
    assert data["disclosure_control"]["applied"] is True
    assert all(not 0 < v < 10 for v in numbers_visible(data, "placements"))


def test_private_release_withholds_medians(api_client, admin_user, placements):
    data = get(api_client, admin_user, "median_days_to_placement", epsilon="1").json()
    assert data["rows"][0]["median_days"] is None


# --- bad input --------------------------------------------------------------------------------


def test_unknown_indicator_lists_the_indicators(api_client, admin_user):
    response = get(api_client, admin_user, "happiness")
    assert response.status_code == 400
    message = response.json()["indicator"][0]
    assert all(name in message for name in ALL_INDICATORS)


def test_unknown_breakdown_lists_the_allowed_ones(api_client, admin_user):
    response = get(api_client, admin_user, "entries", breakdown="region,end_reason")
    assert response.status_code == 400
    message = response.json()["breakdown"][0]
    assert "end_reason" in message and "age_band" in message and "quarter" in message


def test_unknown_filter_lists_the_allowed_parameters(api_client, admin_user):
    response = get(api_client, admin_user, "entries", colour="red")
    assert response.status_code == 400
    message = response.json()["non_field_errors"][0]
    assert "colour" in message and "year_from" in message


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"region": "atlantis"}, "region"),
        ({"form_of_care": "boarding"}, "form_of_care"),
        ({"year_from": "20x4"}, "year_from"),
        ({"year_from": "2024", "year_to": "2020"}, "year_from"),
        ({"as_of": "30.06.2025"}, "as_of"),
        ({"as_of": "2999-01-01"}, "as_of"),
        ({"epsilon": "0"}, "epsilon"),
        ({"epsilon": "lots"}, "epsilon"),
        ({"breakdown": "year,quarter"}, "breakdown"),
        ({"format": "pdf"}, "format"),
    ],
)
def test_bad_values_answer_400_naming_the_field(api_client, admin_user, query, field):
    response = get(api_client, admin_user, "placements_started", **query)
    assert response.status_code == 400
    assert field in response.json()


def test_error_is_json_even_when_csv_was_asked_for(api_client, admin_user):
    response = get(api_client, admin_user, "entries", breakdown="colour", format="csv")
    assert response.status_code == 400
    assert "breakdown" in json.loads(response.content)


# --- listing and schema ----------------------------------------------------------------------


def test_listing_shows_every_indicator_with_its_definition(api_client, analyst):
    api_client.force_authenticate(analyst)
    data = api_client.get("/api/v1/stats/").json()
    assert [i["name"] for i in data["results"]] == ALL_INDICATORS
    stability = next(i for i in data["results"] if i["name"] == "placement_stability")
    assert "1,000 days" in stability["definition"]
    assert "region" in stability["breakdowns"]


def test_schema_carries_the_definitions(api_client, admin_user):
    api_client.force_authenticate(admin_user)
    response = api_client.get("/api/schema/", {"format": "json"})
    schema = json.dumps(response.json())
    assert "/api/v1/stats/{indicator}/" in schema
    assert "moves per 1,000 days" in schema
