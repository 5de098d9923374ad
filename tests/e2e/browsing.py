"""What the browser tests do on almost every page: sign in and choose the page's language."""

PASSWORD = "pass-for-tests-1"  # tests.factories.UserFactory's password


def sign_in(page, username: str, *, password: str = PASSWORD, lands: str | None = None,
            language: str | None = None) -> None:
    """Sign ``username`` in through the sign-in page; wait for the page it ``lands`` on (a glob such
    as ``"**/cases/"``) when given, then switch to ``language`` (kk, ru, en) when given and not already
    the page's."""
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("main button[type=submit]")
    if lands is not None:
        page.wait_for_url(lands)
    if language is not None:
        choose_language(page, language)


def choose_language(page, language: str) -> None:
    """Switch the page to ``language`` with the header's switcher (a reload), unless it already is."""
    if page.locator("html").get_attribute("lang") != language:
        with page.expect_navigation():
            page.select_option("#language", language)
