"""The page header in a browser, in Kazakh, Russian and English: on a phone (375 px) one row with a
menu button that opens the sections and the account without script; on a laptop (1366 px) the
sections in one row; the current section marked for screen readers (aria-current="page")."""

import pytest
from django.conf import settings

from notifications.models import Notification
from tests import factories
from tests.e2e.browsing import PASSWORD, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

LANGUAGES = ("kk", "ru", "en")
# One row of the header: the brand, or a button, with the header's padding (~50 px).
ONE_ROW = 60


@pytest.fixture
def people(db):
    district = factories.DistrictFactory(name_en="Medeu district guardianship authority")
    worker = factories.UserFactory(username="aigerim", first_name="Aigerim", last_name="Nurpeisova", unit=district)
    supervisor = factories.UserFactory(
        username="gulnara", first_name="Gulnara", last_name="Bekova", role="supervisor", unit=district.parent
    )
    # The worker has an unread notification: its count shows on the phone's menu button too.
    Notification.objects.create(recipient=worker, kind="visit_due", subject_key="visit:1", title="A visit is due")
    return {"worker": worker, "supervisor": supervisor}


def _header_height(page) -> float:
    return page.locator("header.top").bounding_box()["height"]


@pytest.mark.parametrize("width", [375, 1366])
def test_the_header_is_compact_and_marks_the_current_section(page, live_server, shoot, people, width):
    page.set_viewport_size({"width": width, "height": 800})
    for username, home in (("gulnara", "/unit/"), ("aigerim", "/cases/")):
        for language in LANGUAGES:
            page.context.clear_cookies()
            page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url}])
            sign_in(page, username, lands=f"**{home}")
            page.goto("/children/")
            assert page.locator("html").get_attribute("lang") == language
            current = page.locator("header nav a[aria-current=page]")
            assert current.count() == 1 and current.get_attribute("href") == "/children/", (username, language)
            assert page.locator("header nav a[aria-current]").count() == 1
            if (width, username, language) == (375, "aigerim", "ru"):
                shoot("19-header-phone")
            if width == 375:
                # One row: the brand and the menu button; the sections and the account behind it.
                assert _header_height(page) <= ONE_ROW, (username, language, _header_height(page))
                assert not current.is_visible()
                assert not page.locator("header .user").is_visible()
                badge = page.locator("header .menu-button .badge-count")
                assert (badge.inner_text() if badge.count() else "") == ("1" if username == "aigerim" else "")
                page.click("header .menu-button")
                assert current.is_visible() and page.locator("header #language").is_visible()
                assert page.evaluate("document.documentElement.scrollWidth") <= width
                if (username, language) == ("aigerim", "en"):
                    shoot("20-header-phone-menu-open")
                page.click("header .menu-button")
                assert not current.is_visible()
                # The keyboard reaches the button and opens the menu with the space bar.
                page.focus("header .menu-toggle")
                page.keyboard.press("Space")
                assert current.is_visible()
                page.keyboard.press("Space")
            else:
                # The sections and the account on one row beside the brand.
                assert page.locator("header .menu-button").is_hidden()
                assert current.is_visible() and page.locator("header #language").is_visible()
                assert _header_height(page) <= ONE_ROW, (username, language, _header_height(page))


def test_the_menu_works_without_script(browser, live_server, people):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False, viewport={"width": 375, "height": 800})
    page = context.new_page()
    try:
        page.goto("/accounts/login/")
        assert _header_height(page) <= ONE_ROW  # signed out: the brand and the language, no menu
        assert page.locator("header #language").is_visible()
        page.fill("#id_username", "gulnara")
        page.fill("#id_password", PASSWORD)
        page.click("main button[type=submit]")
        page.wait_for_url("**/unit/")
        assert page.locator("header nav").is_hidden()
        page.click("header .menu-button")
        assert page.locator("header nav a[aria-current=page]").is_visible()
        page.click("header nav >> text=/Families|Семьи|Отбасылар/")
        page.wait_for_url("**/families/")
        assert page.locator("header nav a[aria-current=page]").get_attribute("href") == "/families/"
    finally:
        context.close()


def test_the_supervisors_header_keeps_to_one_row_with_a_two_digit_count(page, live_server, people):
    """The demo's supervisor (27 unread, the demo's name: Гульнара Бекова) saw the header in two rows
    at 1366 px in Kazakh and English: the sections' short forms (context "menu") keep it to one."""
    from demo.services import DEMO_NAMES

    supervisor = people["supervisor"]
    supervisor.first_name, supervisor.last_name = DEMO_NAMES["supervisor"]
    supervisor.save(update_fields=["first_name", "last_name"])
    Notification.objects.bulk_create(
        Notification(recipient=supervisor, kind="visit_due", subject_key=f"visit:{n}", title="A visit is due")
        for n in range(27)
    )
    page.set_viewport_size({"width": 1366, "height": 800})
    for language in LANGUAGES:
        page.context.clear_cookies()
        page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url}])
        sign_in(page, "gulnara", lands="**/unit/")
        assert page.locator("header nav .badge-count").inner_text() == "27"
        assert page.locator("header .account summary").inner_text() == "Гульнара Бекова"  # the same in every language
        assert _header_height(page) <= ONE_ROW, (language, _header_height(page))


def test_no_page_logs_a_permissions_policy_error(page, live_server, people):
    """Chromium logs "Error with Permissions-Policy header: Unrecognized feature" for a feature it
    does not know ('bluetooth' was one): the sign-in page and a signed-in page log no such error."""
    messages: list[str] = []
    page.on("console", lambda message: messages.append(message.text))
    sign_in(page, "aigerim", lands="**/cases/")
    page.goto("/children/")
    assert not [text for text in messages if "Permissions-Policy" in text], messages
