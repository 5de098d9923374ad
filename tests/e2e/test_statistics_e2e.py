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
