"""The analyst's statistics page, its downloads, and what analysts may not open."""

import datetime as dt
import itertools
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.models import Stage
from stats.params import last_quarter_end
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def three_placements(db):
    # Analysts see statistics as of the latest quarter end: the placements started before it.
    started = last_quarter_end(timezone.localdate()) - dt.timedelta(days=20)
    for i in range(3):
        case = factories.CaseFactory(stage=Stage.PLACED, child__birth_date=timezone.localdate().replace(year=2015, day=1 + i))
        factories.PlacementFactory(case=case, started_on=started)


def test_analyst_lands_on_the_statistics_page(client, analyst):
    client.force_login(analyst)
    assert client.get(reverse("web:home"))["Location"] == reverse("web:statistics")
    response = client.get(reverse("web:statistics"))
    assert response.status_code == 200
    assert b"Placements ended by a return within 12/24 months" in response.content
    # The first visit shows the headline indicator by year, not an empty page under the form.
    assert response.context["result"] is not None and response.context["result"]["breakdown"] == ["year"]
    assert 'id="result"' in response.content.decode()


def test_statistics_table_marks_small_cells_as_suppressed(client, analyst, three_placements):
    client.force_login(analyst)
    response = client.get(reverse("web:statistics"), {"indicator": "placements_started", "breakdown": ["sex"]})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Placements started" in html
    assert 'class="suppressed" title="suppressed"' in html
    assert ">3<" not in html  # the small count itself is never shown
    assert "<svg" in html
    assert 'id="cell-key"' in html  # the perturbation's parameters are stated


def test_analyst_page_refuses_an_as_of_date_that_is_not_a_quarter_end(client, analyst):
    client.force_login(analyst)
    response = client.get(reverse("web:statistics"), {"indicator": "entries", "as_of": "2025-06-29"})
    assert response.status_code == 400
    assert "quarter ends" in response.content.decode()


def test_statistics_download_links_give_csv_and_xlsx_of_the_same_table(client, analyst, three_placements):
    client.force_login(analyst)
    response = client.get(reverse("web:statistics"), {"indicator": "placements_started", "breakdown": ["sex"]})
    csv_url = response.context["downloads"]["csv"]
    assert csv_url.startswith(reverse("stats:indicator", kwargs={"indicator": "placements_started"}))
    download = client.get(csv_url)
    assert download.status_code == 200
    assert download["Content-Type"].startswith("text/csv")
    assert "attachment" in download["Content-Disposition"]
    xlsx = client.get(response.context["downloads"]["xlsx"])
    assert xlsx.status_code == 200
    assert xlsx.content[:2] == b"PK"


def test_a_breakdown_the_indicator_does_not_take_is_refused_next_to_the_field(client, analyst):
    client.force_login(analyst)
    response = client.get(reverse("web:statistics"), {"indicator": "entries", "breakdown": ["end_reason"]})
    assert response.status_code == 400
    html = response.content.decode()
    # Said with the breakdowns' names, not the API's codes (end_reason, age_band).
    assert "cannot be broken down by why the placement ended; choose from: region of the child" in html
    assert "Unknown value" not in html and "Allowed: region, year" not in html
    assert b'checked' in response.content  # the user's choice is kept


def test_analyst_gets_403_on_a_childs_case_page(client, analyst):
    case = factories.CaseFactory()
    client.force_login(analyst)
    assert client.get(reverse("web:case", args=[case.pk])).status_code == 403
    assert client.get(reverse("web:my-cases")).status_code == 403
    assert client.get(reverse("web:inbox")).status_code == 403


def test_social_worker_cannot_open_the_statistics_page(client, worker):
    client.force_login(worker)
    assert client.get(reverse("web:statistics")).status_code == 403


def test_twenty_regions_are_drawn_as_horizontal_bars_labelled_on_the_left(client, analyst, three_placements):
    client.force_login(analyst)
    response = client.get(reverse("web:statistics"), {"indicator": "placements_started", "breakdown": ["region"]},
                          HTTP_ACCEPT_LANGUAGE="ru")
    chart = response.context["chart"]
    assert chart["kind"] == "hbars"  # 20 region names do not fit under 20 vertical bars
    rows = chart["chart"].rows
    assert len(rows) == 20
    assert min(b["y"] - a["y"] for a, b in itertools.pairwise(rows)) >= 14  # one row per label, none overlapping
    html = response.content.decode()
    assert 'class="chart hbars"' in html and "Восточно-Казахстанская область</text>" in html


def test_years_alone_stay_vertical_bars(client, analyst, three_placements):
    client.force_login(analyst)
    response = client.get(reverse("web:statistics"), {"indicator": "placements_started", "breakdown": ["year"]})
    assert response.context["chart"]["kind"] == "bars"


def test_region_by_year_draws_both_breakdowns_as_a_shaded_grid(client, analyst, three_placements):
    client.force_login(analyst)
    response = client.get(reverse("web:statistics"),
                          {"indicator": "placements_started", "breakdown": ["region", "year"], "year_from": "2017"},
                          HTTP_ACCEPT_LANGUAGE="kk")
    chart = response.context["chart"]
    assert chart["kind"] == "grid"
    grid = chart["chart"]
    years = [c["label"] for c in grid.columns]
    assert len(grid.rows) == 20 and len(years) > 6  # every region a row, every year a column
    assert years == sorted(years)
    assert all(len(row["cells"]) == len(years) for row in grid.rows)
    html = response.content.decode()
    assert 'class="chart grid-chart"' in html
    assert "жолдарда" in html  # the heading says which breakdown is in the rows and which in the columns


def test_region_by_sex_draws_a_bar_per_sex_with_a_legend(client, analyst, three_placements):
    client.force_login(analyst)
    response = client.get(reverse("web:statistics"), {"indicator": "placements_started", "breakdown": ["region", "sex"]})
    chart = response.context["chart"]
    assert chart["kind"] == "hbars"
    assert [s["name"] for s in chart["chart"].series] == ["male", "female"]
    assert all(len(row["bars"]) == 2 for row in chart["chart"].rows)
    assert 'class="legend"' in response.content.decode()


def test_a_year_range_backwards_is_refused_with_the_fields_names(client, analyst):
    client.force_login(analyst)
    response = client.get(reverse("web:statistics"), {"indicator": "entries", "year_from": "2024", "year_to": "2020"},
                          HTTP_ACCEPT_LANGUAGE="ru")
    assert response.status_code == 400
    html = response.content.decode()
    assert "Первый год не может быть позже последнего." in html and "must not be after" not in html


@pytest.mark.parametrize("language", ["en", "ru", "kk"])
def test_the_page_says_how_suppressed_cells_look_without_the_apis_null(client, analyst, three_placements, language):
    client.force_login(analyst)
    response = client.get(reverse("web:statistics"), {"indicator": "placements_started", "breakdown": ["sex"]},
                          HTTP_ACCEPT_LANGUAGE=language)
    html = response.content.decode()
    assert response.status_code == 200 and 'id="cell-key"' in html
    assert "null" not in html.split('id="result"')[1]  # the page shows ✕, the CSV x: null is the JSON's


def test_region_by_quarter_puts_the_regions_in_rows_and_the_quarters_in_columns(client, analyst, three_placements):
    client.force_login(analyst)
    response = client.get(reverse("web:statistics"),
                          {"indicator": "placements_started", "breakdown": ["quarter", "region"], "year_from": "2024"})
    chart = response.context["chart"]
    assert chart["kind"] == "grid"
    grid = chart["chart"]
    assert len(grid.rows) == 20  # the long names on the left, where they can be read
    assert all(column["short"] == column["label"] for column in grid.columns)  # '2024-Q1' needs no shortening


def test_the_region_list_is_in_the_readers_alphabet(client, analyst):
    client.force_login(analyst)
    for language in ("ru", "kk", "en"):
        form = client.get(reverse("web:statistics"), HTTP_ACCEPT_LANGUAGE=language).context["form"]
        names = [str(name) for code, name in form.fields["region"].choices if code]
        assert len(names) == 20, language
        if language == "en":
            assert names == sorted(names, key=str.casefold)
    kazakh = [str(n) for c, n in client.get(reverse("web:statistics"), HTTP_ACCEPT_LANGUAGE="kk").context["form"]
              .fields["region"].choices if c]
    # Қ comes after К and before Л in the Kazakh alphabet, not after Я (its code point).
    assert kazakh.index("Қарағанды облысы") < kazakh.index("Маңғыстау облысы") < kazakh.index("Ұлытау облысы")
    russian = [str(n) for c, n in client.get(reverse("web:statistics"), HTTP_ACCEPT_LANGUAGE="ru").context["form"]
               .fields["region"].choices if c]
    assert russian.index("Абайская область") == 0 and russian.index("Акмолинская область") < russian.index("город Алматы")


def test_the_table_and_chart_rows_are_in_the_readers_alphabet_of_regions(client, analyst, three_placements):
    from core.names import alphabetical

    client.force_login(analyst)
    response = client.get(reverse("web:statistics"),
                          {"indicator": "placements_started", "breakdown": ["region", "year"], "year_from": "2017"},
                          HTTP_ACCEPT_LANGUAGE="kk")
    result = response.context["result"]
    regions = [row["region_label"] for row in result["rows"]]
    order = list(dict.fromkeys(regions))
    assert len(order) == 20 and order == sorted(order, key=alphabetical)
    assert order.index("Қарағанды облысы") < order.index("Маңғыстау облысы") < order.index("Ұлытау облысы")
    years = len(regions) // 20
    assert all(len(set(regions[i:i + years])) == 1 for i in range(0, len(regions), years))  # each region's years together
    assert [row["year"] for row in result["rows"][:years]] == sorted(row["year"] for row in result["rows"][:years])
    totals = [row["region_label"] for row in result["totals"] if row["region"] is not None]
    assert totals == sorted(totals, key=alphabetical)
    assert [row["label"] for row in response.context["chart"]["chart"].rows] == order
    # The API keeps its own order.
    api = client.get(reverse("stats:indicator", kwargs={"indicator": "placements_started"}),
                     {"breakdown": "region,year", "year_from": "2017"}, HTTP_ACCEPT_LANGUAGE="kk").json()
    assert [row["region"] for row in api["rows"]] != [row["region"] for row in result["rows"]]


@pytest.mark.parametrize(("language", "written"), [("en", "As of 30 June 2025."), ("ru", "По состоянию на 30 июня 2025 г."),
                                                   ("kk", "30 маусым 2025 ж. күнгі жағдай бойынша.")])
def test_the_as_of_date_is_written_in_the_readers_language(client, analyst, three_placements, language, written):
    """It said "As of 2025-06-30." in every language, the one date of the pages in ISO form."""
    client.force_login(analyst)
    response = client.get(reverse("web:statistics"), {"indicator": "entries", "as_of": "2025-06-30"},
                          HTTP_ACCEPT_LANGUAGE=language)
    html = response.content.decode()
    assert response.status_code == 200 and written in html and "2025-06-30." not in html



@pytest.mark.parametrize(("language", "pattern"), [
    ("ru", r"По состоянию на \d{1,2} \w+ \d{4} г\.</p>"),
    ("kk", r"\d{4} ж\. күнгі жағдай бойынша\.</p>"),
    ("en", r"As of \d{1,2} \w+ \d{4}\.</p>"),
])
def test_the_as_of_date_ends_its_sentence_once_in_each_language(client, analyst, language, pattern):
    """Russian long dates end with their own abbreviation and its full stop ("2026 г."): the sentence
    adds none after it ("г.." was on the page)."""
    client.force_login(analyst)
    client.cookies["django_language"] = language
    html = client.get(reverse("web:statistics")).content.decode()
    assert re.search(pattern, html), re.findall(r"<p class=\"small muted\">[^<]*</p>", html)
    assert "г..<" not in html and "ж..<" not in html
