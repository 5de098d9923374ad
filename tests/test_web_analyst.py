"""The analyst's statistics page, its downloads, and what analysts may not open."""

import datetime as dt

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
    assert b"Unknown value(s) end_reason" in response.content
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
