"""End to end in a browser: a social worker records a visit and sees the risk change, a supervisor
approves a decision, an analyst downloads a CSV and cannot open a child's page, and the language
switch shows Kazakh."""

import datetime as dt

import pytest
from django.utils import timezone

from cases.models import Stage
from cases.services import transition_case
from notifications.models import Notification
from risk.services import recompute_risk
from tests import factories
from tests.e2e.browsing import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def unit(db):
    """A district with a worker, its supervisor and an analyst, and cases at every step."""
    today = timezone.localdate()
    district = factories.DistrictFactory(name_en="Medeu district guardianship authority", name_ru="Орган опеки Медеуского района",
                                         name_kk="Медеу ауданының қорғаншылық органы")
    worker = factories.UserFactory(username="aigerim", first_name="Aigerim", last_name="Nurpeisova", unit=district)
    colleague = factories.UserFactory(username="daniyar", first_name="Daniyar", last_name="Seitkali", unit=district)
    supervisor = factories.UserFactory(username="gulnara", first_name="Gulnara", last_name="Bekova", role="supervisor",
                                       unit=district.parent)
    from accounts.models import OrganisationalUnit

    analyst = factories.UserFactory(username="marat", first_name="Marat", last_name="Zhakupov", role="analyst",
                                    unit=OrganisationalUnit.objects.get(code="ministry"))

    def case_for(user, last, first, born, **kwargs):
        return factories.CaseFactory(assigned_worker=user, responsible_unit=district, child__last_name=last,
                                     child__first_name=first, child__birth_date=born, **kwargs)

    # A placed child with one visit due a few days ago and the next one ahead.
    placed = case_for(worker, "Abenov", "Timur", dt.date(2015, 3, 14), stage=Stage.PLACED, form_of_care="adoption",
                      child__abuse_or_neglect_history=True)
    placement = factories.PlacementFactory(case=placed, started_on=today - dt.timedelta(days=95))
    factories.ApplicantFactory(family=placement.family, last_name="Zhanibekova", first_name="Asel")
    factories.VisitFactory(placement=placement, planned_on=today - dt.timedelta(days=65), done_on=today - dt.timedelta(days=64),
                           worker=worker, child_seen=True, seen_by="A. Nurpeisova", child_condition="good", family_condition="good")
    factories.VisitFactory(placement=placement, planned_on=today - dt.timedelta(days=3))
    factories.VisitFactory(placement=placement, planned_on=today + dt.timedelta(days=90))
    recompute_risk(placement=placement, reason="placement_start")

    # A case waiting for the supervisor's approval.
    deciding = case_for(worker, "Serikova", "Aruzhan", dt.date(2019, 8, 2), stage=Stage.ACQUAINTANCE, form_of_care="guardianship")
    family = factories.FamilyFactory(form_of_care="guardianship", responsible_unit=district)
    factories.ApplicantFactory(family=family, last_name="Tulegenova", first_name="Saule")
    transition_case(case=deciding, to_stage=Stage.DECISION, actor=worker, family=family)

    # A case at matching, with two candidate families.
    matching = case_for(worker, "Karimov", "Alikhan", dt.date(2020, 1, 20), stage=Stage.MATCHING, form_of_care="adoption")
    for last, first in (("Ospanova", "Dana"), ("Mukanov", "Yerlan")):
        factories.ApplicantFactory(family=factories.FamilyFactory(form_of_care="adoption"), last_name=last, first_name=first)

    # A placement that broke down two months ago (the return chart), and cases at the start.
    returned = case_for(colleague, "Ivanova", "Sofia", dt.date(2011, 6, 5), stage=Stage.PLACED, form_of_care="foster_family")
    old = factories.PlacementFactory(case=returned, started_on=today - dt.timedelta(days=240), form_of_care="foster_family",
                                     family=factories.FamilyFactory(form_of_care="foster_family"))
    recompute_risk(placement=old, reason="placement_start", today=old.started_on)
    from cases.services import end_placement

    end_placement(placement=old, ended_on=today - dt.timedelta(days=60), end_reason="returned", return_reason="child_behaviour",
                  actor=colleague, home=returned.child.current_home)
    case_for(worker, "Tokayeva", "Amina", dt.date(2017, 11, 9))
    # A teenager placed with high behavioural difficulties: the high-risk list.
    teen = case_for(colleague, "Akhmetov", "Nursultan", dt.date(2011, 9, 1), stage=Stage.PLACED, form_of_care="foster_family",
                    child__sdq_total_difficulties=21, child__abuse_or_neglect_history=True)
    recompute_risk(placement=factories.PlacementFactory(case=teen, started_on=today - dt.timedelta(days=40),
                                                        family=factories.FamilyFactory(form_of_care="foster_family")),
                   reason="placement_start")
    case_for(colleague, "Li", "Artyom", dt.date(2013, 2, 27), stage=Stage.AVAILABLE, form_of_care="guardianship")

    Notification.objects.create(recipient=worker, kind="visit_overdue", subject_key=f"visit:{placed.pk}",
                                due_on=today - dt.timedelta(days=3), title="Visit to Abenov Timur is overdue", case=placed)
    Notification.objects.create(recipient=worker, kind="visit_due", subject_key="visit:next", due_on=today + dt.timedelta(days=7),
                                title="Visit to Karimov Alikhan due in 7 days", case=matching)
    return {"worker": worker, "supervisor": supervisor, "analyst": analyst, "placed": placed, "deciding": deciding,
            "matching": matching}


def test_social_worker_records_a_visit_and_sees_the_risk_change(page, shoot, unit):
    page.goto("/")
    shoot("01-sign-in")
    sign_in(page, "aigerim")
    page.wait_for_url("**/cases/")
    assert page.locator("h1").inner_text().startswith("My cases")  # then the "Register a child" button
    shoot("02-my-cases")
    page.click("text=Abenov Timur")
    risk = page.locator("#risk .badge").first
    before = risk.inner_text()
    shoot("03-case")
    page.locator("a.button", has_text="Record").first.click()
    page.check("#id_child_seen_0")  # "Yes": the question has no default answer
    page.fill("#id_seen_by", "")
    page.select_option("#id_child_condition", "serious_concerns")
    page.select_option("#id_family_condition", "some_concerns")
    page.fill("#id_concerns", "The carers say they cannot cope with his outbursts.")
    page.click("main button[type=submit]")
    # The service refuses: the error stands next to the field and what was typed is still there.
    assert page.locator("#id_seen_by_errors").inner_text() == "Say who saw the child."
    assert page.input_value("#id_concerns") == "The carers say they cannot cope with his outbursts."
    shoot("04-record-visit-error")
    page.fill("#id_seen_by", "A. Nurpeisova")
    page.click("main button[type=submit]")
    page.wait_for_selector("text=The visit is recorded; the risk of return, recomputed, is")
    after = page.locator("#risk .badge").first.inner_text()
    assert after != before
    assert "High" in after or "Medium" in after
    assert page.locator("#risk").get_by_text("serious concerns at the last visit").is_visible()
    shoot("05-case-after-visit")
    page.goto(f"/cases/{unit['matching'].pk}/matching/")
    assert page.locator("#why-points").get_by_text("same region as the child").first.is_visible()  # the reasons under the table
    shoot("06-matching")
    page.click("header nav >> text=Notifications")
    assert page.get_by_text("Visit to Abenov Timur is overdue").is_visible()
    shoot("07-notifications")


def test_supervisor_approves_a_decision(page, shoot, unit):
    sign_in(page, "gulnara")
    page.wait_for_url("**/unit/")
    shoot("08-supervisor-dashboard")
    row = page.locator(f"#decision-{unit['deciding'].pk}")
    questions = []
    page.on("dialog", lambda dialog: (questions.append(dialog.message), dialog.accept()))
    row.get_by_role("button", name="Approve").click()
    page.wait_for_selector(f"text=Decision on case № {unit['deciding'].pk} approved.")
    assert len(questions) == 1  # the supervisor is asked before the decision is approved
    unit["deciding"].refresh_from_db()
    assert unit["deciding"].decision_status == "approved"


def test_analyst_downloads_a_csv_and_cannot_open_a_childs_page(page, shoot, unit):
    sign_in(page, "marat")
    page.wait_for_url("**/statistics/")
    page.select_option("#id_indicator", "placements_started")
    page.check("input[name=breakdown][value=form_of_care]")
    page.click("main form.card button[type=submit]")
    page.wait_for_selector("#result table")
    assert page.locator("#result .suppressed").count() > 0
    shoot("09-statistics")
    with page.expect_download() as info:
        page.click("text=Download CSV")
    download = info.value
    assert download.suggested_filename == "placements_started.csv"
    with open(download.path(), encoding="utf-8-sig") as csv_file:
        assert "form_of_care" in csv_file.read()
    response = page.goto(f"/cases/{unit['placed'].pk}/")
    assert response.status == 403


def test_language_switch_shows_kazakh_and_is_remembered(page, shoot, unit):
    sign_in(page, "aigerim")
    page.wait_for_url("**/cases/")
    with page.expect_navigation():
        page.select_option("#language", "kk")
    assert page.locator("h1").inner_text().startswith("Менің істерім")
    shoot("10-my-cases-kazakh")
    page.goto(f"/cases/{unit['placed'].pk}/")
    assert page.get_by_text("Қайтару қаупі").first.is_visible()


def test_the_lists_are_never_wider_than_a_phone(page, unit):
    # At 375 px a wide table scrolls inside the page; the page itself does not scroll sideways.
    page.set_viewport_size({"width": 375, "height": 740})
    sign_in(page, "aigerim")
    page.wait_for_url("**/cases/")
    for path in ("/cases/", "/children/", "/families/", "/notifications/"):
        page.goto(path)
        assert page.locator("main table").count() > 0, path
        assert page.evaluate("document.documentElement.scrollWidth") <= 375, path
    # The supervisor's case list, with the reassignment form and its selects of workers' names.
    page.context.clear_cookies()
    sign_in(page, "gulnara")
    page.wait_for_url("**/unit/")
    page.goto("/cases/")
    assert page.locator("#id_all_of_worker").count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    box = page.locator("form.filters input[type=checkbox]").first.bounding_box()
    assert box is not None and box["width"] < 40  # a checkbox beside its label, not stretched across the screen
    # The dashboard's tables scroll in their cards; a case number is not broken across two lines ("№ 14|46").
    page.goto("/unit/")
    cell = page.locator("main .card table td").first
    assert cell.evaluate("td => getComputedStyle(td).overflowWrap") == "break-word"  # a card breaks words anywhere
    assert page.evaluate("document.documentElement.scrollWidth") <= 375


def _within_the_screen(page, locator, what: str, width: int = 375) -> None:
    """The element is on the screen as it stands: not right of its edge, the page not scrolled sideways."""
    assert locator.count() > 0, what
    element = locator.first
    element.scroll_into_view_if_needed()
    box = element.bounding_box()
    assert box is not None, what
    assert box["x"] >= 0 and box["x"] + box["width"] <= width, (what, box)
    assert page.evaluate("document.documentElement.scrollWidth") <= width, what
    # No table scrolled sideways to bring it in sight.
    assert page.evaluate("[...document.querySelectorAll('main table, main .table-scroll')].every(t => t.scrollLeft === 0)"), what


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_on_a_phone_each_row_is_a_card_with_its_buttons_on_the_screen(page, shoot, unit, language):
    """At 375 px the tables of the matching page, the inbox, My cases and the decisions waiting show each
    row as a card, its cells labelled with their column's heading: the choose button, "Mark as read",
    the overdue badge and the approve button are on the screen without scrolling sideways."""
    from django.utils import translation
    from playwright.sync_api import expect

    def words(text: str) -> str:
        with translation.override(language):
            return translation.gettext(text)

    sign_in(page, "aigerim")
    page.wait_for_url("**/cases/")
    with page.expect_navigation():
        page.select_option("#language", language)  # in the header at this width, in the menu on a phone
    page.set_viewport_size({"width": 375, "height": 740})

    page.goto(f"/cases/{unit['matching'].pk}/matching/")
    choose = page.locator("table.matching button", has_text=words("Choose for acquaintance"))
    _within_the_screen(page, choose, "choose")
    score = page.locator(f"table.matching td[data-label='{words('score')}']").first
    _within_the_screen(page, score, "score")
    # The reasons: a link (reached by a tap or the keyboard) to the paragraph of reasons under the table.
    link = page.locator("a[href='#why-points']")
    link.focus()
    page.keyboard.press("Enter")
    assert page.locator("#why-points").is_visible() and page.locator("#why-points p").count() >= 2
    shoot(f"20-phone-matching-{language}")

    page.goto("/notifications/")
    _within_the_screen(page, page.get_by_role("button", name=words("Mark as read")), "mark as read")
    subject = page.locator("table.stack td", has_text="Visit to Abenov Timur is overdue")
    _within_the_screen(page, subject, "subject")
    assert subject.get_attribute("data-label") == words("Subject")
    shoot(f"21-phone-inbox-{language}")
    # A row swapped in by htmx is labelled too.
    page.get_by_role("button", name=words("Mark as read")).first.click()
    expect(page.locator("table.stack button")).to_have_count(1)
    expect(page.locator("table.stack tbody tr").first.locator("td").first).to_have_attribute("data-label", words("Received"))

    page.goto("/cases/")
    _within_the_screen(page, page.locator("table.stack .badge.overdue"), "overdue badge")
    shoot(f"22-phone-cases-{language}")

    page.context.clear_cookies()
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, "gulnara")
    page.wait_for_url("**/unit/")
    with page.expect_navigation():
        page.select_option("#language", language)
    page.set_viewport_size({"width": 375, "height": 740})
    row = page.locator(f"#decision-{unit['deciding'].pk}")
    _within_the_screen(page, row.get_by_role("button", name=words("Approve")), "approve")
    _within_the_screen(page, row.get_by_role("button", name=words("Reject")), "reject")
    shoot(f"23-phone-dashboard-{language}")


@pytest.mark.parametrize(("language", "locale"), [("kk", "kk-KZ"), ("ru", "ru-RU"), ("en", "en-GB")])
def test_on_a_phone_without_script_the_cards_are_labelled(browser, live_server, unit, language, locale):
    """JavaScript off, at 375 px: each card's cell shows its column's heading, in the reader's language
    (the server writes data-label on the cells; app.css shows it before the value)."""
    from django.utils import translation
    from playwright.sync_api import expect

    def words(text: str) -> str:
        with translation.override(language):
            return translation.gettext(text)

    context = browser.new_context(base_url=live_server.url, locale=locale, java_script_enabled=False,
                                  viewport={"width": 375, "height": 740})
    try:
        page = context.new_page()
        page.set_default_timeout(15000)
        sign_in(page, "aigerim")
        page.wait_for_url("**/cases/")
        checks = (("/cases/", "Stage", "table.stack tbody td"),
                  ("/notifications/", "Subject", "table.stack tbody td"),
                  (f"/cases/{unit['matching'].pk}/matching/", "score", "table.matching tbody td"))
        for path, heading, cells in checks:
            page.goto(path)
            assert page.evaluate("document.documentElement.lang") == language, path
            assert page.evaluate("typeof htmx") == "undefined", path  # the page's scripts did not run
            head = page.locator("table.stack thead").bounding_box()
            assert head is not None and head["width"] <= 1, path  # cards: the head for screen readers only
            cell = page.locator(f"{cells}[data-label='{words(heading)}']").first
            expect(cell).to_be_visible()
            before = cell.evaluate("td => { const s = getComputedStyle(td, '::before'); return [s.content, s.display]; }")
            assert before[0] == f'"{words(heading)}"' and before[1] != "none", (path, before)
            box = cell.bounding_box()
            assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 375, path
    finally:
        context.close()


def overlap(a: dict, b: dict) -> bool:
    """Whether two bounding boxes (Playwright's x, y, width, height) share any area."""
    return a["x"] < b["x"] + b["width"] and b["x"] < a["x"] + a["width"] and a["y"] < b["y"] + b["height"] and b["y"] < a["y"] + a["height"]


@pytest.mark.parametrize(("language", "width"), [("kk", 375), ("ru", 1366)])
def test_each_factors_reason_opens_on_its_own_by_tap_and_keyboard(browser, live_server, unit, language, width):
    """On the matching page each factor's number opens that factor's reason alone: a tap on a phone, a
    click or Enter on a computer; the reason is on the screen; again closes it."""
    from django.utils import translation
    from playwright.sync_api import expect

    context = browser.new_context(base_url=live_server.url, viewport={"width": width, "height": 800},
                                  has_touch=width < 640)
    try:
        page = context.new_page()
        page.set_default_timeout(15000)
        sign_in(page, "aigerim")
        page.wait_for_url("**/cases/")
        page.set_viewport_size({"width": 1366, "height": 800})  # the language switch is in the header at this width
        with page.expect_navigation():
            page.select_option("#language", language)
        page.set_viewport_size({"width": width, "height": 800})
        page.goto(f"/cases/{unit['matching'].pk}/matching/")
        row = page.locator("table.matching tbody tr").first
        factors = row.locator("details.why")
        assert factors.count() >= 6
        reasons = row.locator("details.why .reason")
        expect(reasons.first).to_be_hidden()
        with translation.override(language):
            age = translation.gettext("age")
        # The keyboard: the age factor's number focused (its name read first), Enter opens its reason only.
        summary = row.locator("details.why summary", has_text=age)
        summary.focus()
        page.keyboard.press("Enter")
        opened = row.locator("details.why[open]")
        expect(opened).to_have_count(1)
        reason = opened.locator(".reason")
        expect(reason).to_be_visible()
        assert reason.inner_text().strip() and reason.inner_text() in page.locator("#why-points").inner_text()
        box = reason.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width
        page.keyboard.press("Enter")
        expect(opened).to_have_count(0)
        # A tap (a click on a computer) on another factor's number opens that one.
        last = factors.last.locator("summary")
        last.tap() if width < 640 else last.click()
        expect(factors.last.locator(".reason")).to_be_visible()
        expect(row.locator("details.why[open]")).to_have_count(1)
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        # Two reasons open at once: neither covers the other, nor the next family's row or factors.
        first = factors.first.locator("summary")
        first.tap() if width < 640 else first.click()
        expect(row.locator("details.why[open]")).to_have_count(2)
        boxes = [box for box in (r.bounding_box() for r in row.locator("details.why[open] .reason").all()) if box]
        assert len(boxes) == 2
        assert not overlap(*boxes)
        covered = [*row.locator("details.why:not([open]) summary").all(),
                   page.locator("table.matching tbody tr").nth(1).locator("td").first]
        for element in covered:
            other = element.bounding_box()
            assert other is None or not any(overlap(box, other) for box in boxes)
    finally:
        context.close()


def test_on_a_computer_the_tables_stay_tables(page, unit):
    """At 1366 px nothing of the phone's cards: the head is shown, the cells side by side in one row."""
    page.set_viewport_size({"width": 1366, "height": 900})
    sign_in(page, "aigerim")
    page.wait_for_url("**/cases/")
    for path in (f"/cases/{unit['matching'].pk}/matching/", "/notifications/", "/cases/"):
        page.goto(path)
        table = page.locator("table.stack")
        assert table.evaluate("t => getComputedStyle(t).display") == "table", path
        assert table.locator("thead").is_visible(), path
        cells = table.locator("tbody tr").first.locator("td")
        tops = {round(cells.nth(i).bounding_box()["y"]) for i in range(cells.count()) if cells.nth(i).is_visible()}
        assert len(tops) == 1, (path, tops)  # one row: every cell starts on the same line
        assert page.evaluate("document.documentElement.scrollWidth") <= 1366, path
