"""The statistics page's signs and texts (no number or disclosure rule changes here):

- a rate whose denominator is published as 0 (no placement in the year) is "—", not applicable, with a
  legend entry; "✕" stays the sign of a hidden cell, and a rate whose denominator (or numerator) is
  hidden stays "✕" even when that hidden count is 0, so the page does not tell which hidden cells are 0;
- the cell key method's record keys are 0–255 (drawn from [0, 256), stats.cellkey.KEY_RANGE);
- the dates in messages and the CSV notes as the reader writes them; numbers in messages grouped as
  the pages group them ("115 200")."""

import datetime as dt
import re

import pytest
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.formats import date_format

from stats import cellkey
from stats.indicators import INDICATORS
from stats.params import last_quarter_end
from stats.tables import Table
from tests.pages import fetch

pytestmark = pytest.mark.django_db
LANGUAGES = ("kk", "ru", "en")
NOT_APPLICABLE = {"en": "not applicable", "ru": "неприменимо", "kk": "қолданылмайды"}


def refused_page(client, user, language: str, url: str) -> str:
    """The statistics page answering a refused query (its form with the error beside the field)."""
    client.force_login(user)
    client.cookies["django_language"] = language
    response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code in (200, 400), response.status_code
    return response.content.decode()


def rate_table(denominator: int, *, hidden: set[str]) -> Table:
    indicator = INDICATORS["return_rate"]
    table = Table(indicator=indicator, dims=(), levels=[])
    cell = {m.name: 0 for m in indicator.measures}
    cell["placements_12m"] = denominator
    table.values[()] = cell
    table.hidden[()] = set(hidden)
    table.add_rates()
    return table


def test_a_rate_over_a_published_zero_is_none_and_not_hidden():
    published = rate_table(0, hidden=set()).published(())
    assert published["return_rate_12m"] is None and "return_rate_12m" not in published["suppressed"]


def test_a_rate_over_a_hidden_denominator_is_hidden_even_when_that_count_is_zero():
    # A 0 hidden by complementary suppression: its rate is hidden too, never shown as "not applicable".
    published = rate_table(0, hidden={"placements_12m"}).published(())
    assert published["return_rate_12m"] is None and "return_rate_12m" in published["suppressed"]
    published = rate_table(20, hidden={"returned_12m"}).published(())
    assert "return_rate_12m" in published["suppressed"]


def rendered_row(row: dict) -> str:
    measures = [{"name": m.name, "kind": m.kind} for m in INDICATORS["return_rate"].measures]
    return render_to_string("web/statistics/_row.html", {"row": row, "result": {"breakdown": [], "measures": measures}})


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_row_shows_a_dash_for_not_applicable_and_a_cross_for_hidden(language):
    with translation.override(language):
        zero = rendered_row({**rate_table(0, hidden=set()).published(())})
        hidden = rendered_row({**rate_table(0, hidden={"placements_12m", "placements_24m"}).published(())})
    assert f'<span class="not-applicable" title="{NOT_APPLICABLE[language]}">—</span>' in zero
    assert '<span class="suppressed"' not in zero
    assert '<span class="not-applicable"' not in hidden and hidden.count('<span class="suppressed"') == 4


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_page_shows_rates_of_nothing_as_not_applicable_with_a_legend(client, analyst, language):
    html = fetch(client, language, "/statistics/?indicator=return_rate", user=analyst)
    body = html[html.index("<tbody>"):html.index("</tbody>")]
    assert '<span class="not-applicable"' in body and '<span class="suppressed"' not in body
    legend = {"en": "not applicable: a rate of zero cases", "ru": "неприменимо: доля от нуля случаев",
              "kk": "қолданылмайды: нөл жағдайдан алынған үлес"}[language]
    assert legend in html


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_record_keys_run_to_255(client, analyst, language):
    html = fetch(client, language, "/statistics/?indicator=entries", user=analyst)
    assert cellkey.KEY_RANGE == 256
    assert "0–255" in html and "0–256" not in html


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_as_of_refusal_writes_the_date_as_the_reader_does(client, analyst, language):
    html = refused_page(client, analyst, language, "/statistics/?indicator=entries&as_of=2020-05-05")
    latest = last_quarter_end(timezone.localdate())
    with translation.override(language):
        shown = date_format(latest, "SHORT_DATE_FORMAT")
    assert shown in html and latest.isoformat() not in html.split("<main", 1)[1].split('name="as_of"')[0]


@pytest.mark.parametrize(("language", "limit"), [("en", "1,500"), ("ru", "1\xa0500"), ("kk", "1\xa0500")])
def test_the_breakdown_limit_groups_its_numbers(client, analyst, settings, language, limit):
    """The refusal said "115200 ұяшыққа ... 20000": its numbers are grouped as the tables' are."""
    settings.STATS_MAX_CELLS = 1500
    query = "indicator=entries&breakdown=region&breakdown=quarter&breakdown=age_band&breakdown=sex"
    html = refused_page(client, analyst, language, f"/statistics/?{query}")
    error = re.findall(r'<ul class="errorlist[^>]*>(.*?)</ul>', html, re.S)
    assert len(error) == 1 and limit in error[0], error
    assert not re.search(r"\d{4,}", error[0]), error


@pytest.mark.parametrize(("language", "date"), [("en", "30/06/2025"), ("ru", "30.06.2025"), ("kk", "30.06.2025")])
def test_the_csv_notes_write_the_as_of_date_as_the_reader_does(api_client, analyst, language, date):
    api_client.force_authenticate(analyst)
    csv_text = api_client.get("/api/v1/stats/entries/", {"as_of": "2025-06-30", "format": "csv"},
                              HTTP_ACCEPT_LANGUAGE=language).content.decode("utf-8-sig")
    title = csv_text.splitlines()[0]
    with translation.override(language):
        assert date_format(dt.date(2025, 6, 30), "SHORT_DATE_FORMAT") in title, title
    assert "2025-06-30" not in title
