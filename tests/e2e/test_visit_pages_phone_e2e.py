"""At 375 px (a phone): the case page's visits are cards with their "Record" button on the screen, the
visit kit's cards have no bullets nor a list's indent and write dates as the pages do whatever the
browser's language, and "Family №" never leaves its number on another line (at 1366 px too), the applicants under it with no name broken
mid-word, and no short badge broken mid-word ("просроче|но").
The rendered texts in kk/ru/en: tests/test_visit_pages_phone.py."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from cases.models import Stage
from families.services import request_approval
from tests import factories
from tests.e2e.browsing import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
LANGUAGES = ["kk", "ru", "en"]


@pytest.fixture
def worker_with_visits(db):
    today = timezone.localdate()
    district = factories.DistrictFactory()
    worker = factories.UserFactory(username="aigerim", unit=district)
    case = factories.CaseFactory(assigned_worker=worker, responsible_unit=district, stage=Stage.PLACED)
    placement = factories.PlacementFactory(case=case, started_on=today - dt.timedelta(days=200))
    factories.ApplicantFactory(family=placement.family, last_name="Carer", first_name="Dana")
    visits = [factories.VisitFactory(placement=placement, planned_on=today + dt.timedelta(days=n)) for n in (-3, 2, 9)]
    return {"worker": worker, "case": case, "visits": visits, "district": district}


# The words of an element's text that a line break cuts in two: each word's range gives one line's
# rectangle, or more when it was broken mid-word ("просроче|но", "Жумабе|кова").
BROKEN_WORDS = """(element) => {
    const broken = [];
    const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        for (const match of node.textContent.matchAll(/[^\\s]+/g)) {
            const range = document.createRange();
            range.setStart(node, match.index);
            range.setEnd(node, match.index + match[0].length);
            const tops = new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top)));
            if (tops.size > 1) broken.push(match[0]);
        }
    }
    return broken;
}"""


def no_sideways_scroll(page) -> None:
    width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], width


@pytest.mark.parametrize("language", LANGUAGES)
def test_on_a_phone_the_case_pages_visits_are_cards_with_their_record_button_on_screen(page, worker_with_visits, language):
    case = worker_with_visits["case"]
    sign_in(page, "aigerim", lands="**/cases/", language=language)
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto(f"/cases/{case.pk}/")
    table = page.locator("table.stack.visits")
    # The table does not scroll inside its card: each visit is a card as wide as the screen at most.
    scroll, client = table.evaluate("t => [t.scrollWidth, t.clientWidth]")
    assert scroll <= client, (scroll, client)
    assert table.locator("thead").evaluate("h => h.getBoundingClientRect().height") <= 1
    buttons = table.locator("a.button")
    assert buttons.count() == 3
    for n in range(3):
        box = buttons.nth(n).bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 375, box
    # Each cell says its column: the label the server wrote, shown before the value.
    label = table.locator("tbody td[data-label]").first.evaluate("td => getComputedStyle(td, '::before').content")
    assert label not in ("none", "normal", '""')
    # The short badges ("overdue": «просрочено», «мерзімі өткен») keep their words whole, on one line.
    badges = table.locator(".badge")
    assert badges.count() >= 1
    for n in range(badges.count()):
        badge = badges.nth(n)
        assert badge.evaluate(BROKEN_WORDS) == [], badge.inner_text()
        assert badge.evaluate("b => b.getBoundingClientRect().height") < 2 * badge.evaluate(
            "b => parseFloat(getComputedStyle(b).lineHeight) || parseFloat(getComputedStyle(b).fontSize) * 1.5"), badge.inner_text()
    no_sideways_scroll(page)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_kit_writes_dates_as_the_pages_do_and_its_cards_are_not_a_bulleted_list(browser, live_server, worker_with_visits,
                                                                                    language):
    # The browser in US English with its own zone: the kit writes the server's dd.mm.yyyy and time anyway.
    context = browser.new_context(base_url=live_server.url, locale="en-US", timezone_id="America/New_York",
                                  viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15000)
    page = context.new_page()
    try:
        visits = worker_with_visits["visits"]
        sign_in(page, "aigerim", lands="**/cases/", language=language)
        page.set_viewport_size({"width": 375, "height": 800})
        page.goto("/visits/kit/")
        page.click("#kit-prepare")
        card = page.locator(f"li[data-visit='{visits[1].pk}']")
        card.wait_for()
        planned = visits[1].planned_on.strftime("%d.%m.%Y")
        assert planned in card.inner_text()
        assert not re.search(r"\d{4}-\d{2}-\d{2}", page.inner_text("#kit-visits"))
        expiry = page.inner_text("#kit-package")
        assert re.search(r"\d{2}\.\d{2}\.\d{4} 00:00(?!:)", expiry), expiry
        style = page.locator("#kit-visits").evaluate(
            "ul => [getComputedStyle(ul).paddingLeft, getComputedStyle(ul.firstElementChild).listStyleType]")
        assert style == ["0px", "none"], style
        box = card.bounding_box()
        assert box["x"] < 20 and box["x"] + box["width"] <= 375, box
        no_sideways_scroll(page)

        # The question has no answer chosen; saving without one says so beside it and keeps nothing.
        card.locator("button[data-record]").click()
        page.wait_for_selector("#kit-form:not([hidden])")
        assert page.locator("input[name=child_seen]:checked").count() == 0
        page.select_option("#id_child_condition", "good")
        page.select_option("#id_family_condition", "good")
        page.click("#kit-form button[type=submit]")
        error = page.locator("#id_child_seen_row #kit-child-seen-error")
        error.wait_for()
        assert error.inner_text()
        assert page.inner_text("#kit-waiting") == "0"
    finally:
        context.close()


@pytest.mark.parametrize("width", [375, 1366])
@pytest.mark.parametrize("language", LANGUAGES)
def test_the_family_number_stays_on_the_line_of_its_sign(page, worker_with_visits, language, width):
    district = worker_with_visits["district"]
    factories.UserFactory(username="gulnara", role="supervisor", unit=district.parent)
    families = []
    for _ in range(2):
        family = factories.FamilyFactory(responsible_unit=district, region=district.region, approval_status="under_assessment",
                                         approved_on=None, approval_expires_on=None)
        factories.ApplicantFactory(family=family, position=1, last_name="Жанибекова", first_name="Асель")
        factories.ApplicantFactory(family=family, position=2, last_name="Жумабекова", first_name="Сауле")
        request_approval(family=family, actor=worker_with_visits["worker"])
        families.append(family)
    sign_in(page, "gulnara", language=language)
    page.wait_for_load_state()
    page.set_viewport_size({"width": width, "height": 800})
    page.goto("/families/approvals/")
    for family in families:
        link = page.locator(f"#family-{family.pk} a[href='/families/{family.pk}/']").first
        lines = link.evaluate("""(a, number) => {
            const range = document.createRange();
            const node = [...a.childNodes].find((n) => n.nodeType === 3 && n.textContent.includes("№"));
            const at = node.textContent.indexOf("№");
            range.setStart(node, at);
            range.setEnd(node, at + 1 + 1 + String(number).length);
            return new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size;
        }""", family.pk)
        assert lines == 1, (family.pk, lines)
        # The applicants stack under the family's link, each name and age whole.
        cell = page.locator(f"#family-{family.pk} td").first
        assert cell.evaluate(BROKEN_WORDS) == []
        applicants = cell.locator(".applicant-age")
        assert applicants.count() == 2
        link_box, first, second = link.bounding_box(), applicants.nth(0).bounding_box(), applicants.nth(1).bounding_box()
        assert link_box["y"] + link_box["height"] <= first["y"] + 1 and first["y"] + first["height"] <= second["y"] + 1
        assert abs(first["x"] - link_box["x"]) <= 1 and abs(second["x"] - link_box["x"]) <= 1, (link_box, first, second)
    no_sideways_scroll(page)
