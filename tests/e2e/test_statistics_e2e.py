"""End to end in a browser: the statistics page's controls show their whole text in every language."""

import pytest

from tests import factories
from tests.e2e.browsing import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

# The width of an option's text in the select's own font, measured in the page.
_TEXT_WIDTHS = """select => {
    const style = getComputedStyle(select);
    const context = document.createElement("canvas").getContext("2d");
    context.font = style.font;
    const room = select.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    return [room, Math.max(...[...select.options].map(option => context.measureText(option.text).width))];
}"""


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
def test_at_1366_px_every_indicators_name_fits_its_select(page, language):
    """The indicator's select showed 'Балалардың отбасына қайтуы (екінші р…' in Kazakh at 1366 px: it was
    as wide as half the form. It now spans the form's width, and the longest indicator's name, with room
    for the select's arrow, fits in it."""
    from accounts.models import OrganisationalUnit

    factories.UserFactory(username="marat", role="analyst", unit=OrganisationalUnit.objects.get(code="ministry"))

    page.set_viewport_size({"width": 1366, "height": 800})
    sign_in(page, "marat", lands="**/statistics/", language=language)

    room, longest = page.locator("#id_indicator").evaluate(_TEXT_WIDTHS)
    assert longest + 24 <= room, (language, room, longest)  # 24 px: the drop-down arrow



@pytest.mark.parametrize("language", ["kk", "ru", "en"])
def test_on_a_phone_every_indicators_name_fits_its_select_and_the_full_name_is_kept(page, language):
    """At 375 px the select had 313 px for its text and the titles ran to 575 px in English and 700 in
    Russian ('Устройства, завершившиеся возвратом…' cut to its first words). It shows each indicator by a
    name that fits (stats.indicators.Indicator.label); an option whose name is shortened keeps its full
    title as its title, and the result's heading says it in full. The page is no wider than the phone."""
    from accounts.models import OrganisationalUnit

    factories.UserFactory(username="marat", role="analyst", unit=OrganisationalUnit.objects.get(code="ministry"))

    sign_in(page, "marat", lands="**/statistics/", language=language)
    page.set_viewport_size({"width": 375, "height": 800})  # after the switcher, which a phone's menu hides

    select = page.locator("#id_indicator")
    room, longest = select.evaluate(_TEXT_WIDTHS)
    assert longest + 24 <= room, (language, room, longest)  # 24 px: the drop-down arrow
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    # The first visit shows the return rate, shortened in the select, whole in its option's title and the heading.
    chosen = select.locator("option:checked")
    heading = page.locator("#result h2").inner_text()
    assert chosen.get_attribute("title") == heading, (language, heading)
    assert len(chosen.inner_text()) < len(heading)


# Every chart of the page as the reader sees it: for the drawing shown (a chart holds a wide one and
# a phone's, one of them hidden), each label's rendered font size (its font size times the SVG's
# scale), whether it lies inside its drawing, the axis' numbers, and the drawing's right edge.
_CHARTS = """() => [...document.querySelectorAll("figure.chart")].map(figure => {
    const svg = [...figure.querySelectorAll("svg:not(.swatch)")].find(s => s.getBoundingClientRect().width > 0);
    const box = svg.getBoundingClientRect();
    const texts = [...svg.querySelectorAll("text")].filter(t => t.textContent.trim());
    return {
        sizes: texts.map(t => parseFloat(getComputedStyle(t).fontSize) * svg.getScreenCTM().a),
        outside: texts.filter(t => {
            const r = t.getBoundingClientRect();
            return r.left < box.left - 1 || r.right > box.right + 1 || r.top < box.top - 1 || r.bottom > box.bottom + 1;
        }).map(t => t.textContent),
        axis: [...svg.querySelectorAll("text.axis")].map(t => t.textContent),
        labels: texts.length,
        right: box.right,
    };
})"""


def _placements_in_two_regions() -> None:
    import datetime as dt

    from django.utils import timezone

    from stats.params import last_quarter_end

    started = last_quarter_end(timezone.localdate()) - dt.timedelta(days=20)
    for code in ("almaty", "astana"):
        for i in range(3):
            child = factories.ChildFactory(region=factories.region_by_code(code), birth_date=dt.date(2014, 1, 1 + i))
            factories.PlacementFactory(case=factories.CaseFactory(child=child, stage="placed"), started_on=started)


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
def test_on_a_phone_the_statistics_charts_labels_are_readable_and_the_charts_stay_in_the_page(page, language):
    """At 375 px the 640-unit chart was scaled to 331 px with its text: labels at 5 px. A phone now gets
    its own drawing, made for its width (web.charts.phone_bars): every label, number and axis mark at
    11 px or more, none outside the drawing, the page no wider than the phone. The return rate's and
    the re-entry rate's axes say "%"; a count's do not. Years (vertical bars on a wide screen), regions
    (horizontal bars) and regions by sex (two series)."""
    from accounts.models import OrganisationalUnit

    factories.UserFactory(username="marat", role="analyst", unit=OrganisationalUnit.objects.get(code="ministry"))
    _placements_in_two_regions()
    sign_in(page, "marat", lands="**/statistics/", language=language)
    page.set_viewport_size({"width": 375, "height": 800})

    for query, percent in [("", True), ("?indicator=reentry_12m&breakdown=year", True),
                           ("?indicator=placements_started&breakdown=region", False),
                           ("?indicator=return_rate&breakdown=region&breakdown=sex", True)]:
        page.goto(f"/statistics/{query}")
        charts = page.evaluate(_CHARTS)
        assert len(charts) == 1, (language, query)
        chart = charts[0]
        assert chart["labels"] > 3 and min(chart["sizes"]) >= 11, (language, query, chart["sizes"])
        assert not chart["outside"], (language, query, chart["outside"])
        assert chart["right"] <= 375 and page.evaluate("document.documentElement.scrollWidth") <= 375, (language, query)
        assert chart["axis"] and all(mark.endswith("%") == percent for mark in chart["axis"]), (language, query, chart["axis"])


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
def test_at_1366_px_the_statistics_charts_are_whole_and_their_percentages_marked(page, language):
    """The wide drawings at 1366 px: no label outside its drawing (a rate's top mark, 0.9 for a
    largest value of 0.86, was drawn above the chart), nothing wider than the page, "%" on a rate's axis."""
    from accounts.models import OrganisationalUnit

    factories.UserFactory(username="marat", role="analyst", unit=OrganisationalUnit.objects.get(code="ministry"))
    _placements_in_two_regions()
    page.set_viewport_size({"width": 1366, "height": 800})
    sign_in(page, "marat", lands="**/statistics/", language=language)

    for query, percent in [("", True), ("?indicator=placement_stability&breakdown=year", False),
                           ("?indicator=return_rate&breakdown=region&breakdown=sex", True)]:
        page.goto(f"/statistics/{query}")
        (chart,) = page.evaluate(_CHARTS)
        assert min(chart["sizes"]) >= 9 and not chart["outside"], (language, query, chart)
        assert page.evaluate("document.documentElement.scrollWidth") <= 1366
        assert chart["axis"] and all(mark.endswith("%") == percent for mark in chart["axis"]), (language, query, chart["axis"])


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
def test_on_a_phone_the_supervisors_charts_are_readable_and_the_calibration_in_percent(page, language):
    """The supervisor's dashboard (calibration by band, placements and returns by month) at 375 px:
    its charts drawn for the phone, labels at 11 px or more inside the drawing, the page no wider than
    the phone; the calibration's axis in "%", the months' counts without."""
    district = factories.DistrictFactory(region=factories.region_by_code())
    factories.UserFactory(username="aigul", role="supervisor", unit=district.parent)
    sign_in(page, "aigul", language=language)
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto("/unit/")
    calibration, months = page.evaluate(_CHARTS)
    for chart in (calibration, months):
        assert chart["labels"] > 3 and min(chart["sizes"]) >= 11 and not chart["outside"], (language, chart)
        assert chart["right"] <= 375
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert all(mark.endswith("%") for mark in calibration["axis"]) and not any("%" in m for m in months["axis"])
