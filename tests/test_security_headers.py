"""Headers: a Content-Security-Policy with no inline script or style (and pages that need none),
a Permissions-Policy, and Cache-Control: no-store on every page and JSON response (they carry
personal data); static files stay cacheable."""

from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from cases.models import Stage
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def placed_case(worker):
    case = factories.CaseFactory(stage=Stage.PLACED, assigned_worker=worker, responsible_unit=worker.unit)
    factories.VisitFactory(placement=factories.PlacementFactory(case=case))
    return case


def csp_directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}


def assert_private_and_locked_down(response) -> None:
    cache_control = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"no-store", "private"} <= cache_control, response["Cache-Control"]
    directives = csp_directives(response)
    for directive in ("script-src", "style-src", "default-src"):
        assert directives[directive] == ["'self'"], directives
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["object-src"] == ["'none'"]
    assert "camera=()" in response["Permissions-Policy"] and "geolocation=()" in response["Permissions-Policy"]


def page_urls(case) -> list[str]:
    return ["/cases/", f"/cases/{case.pk}/", f"/cases/{case.pk}/matching/", "/notifications/"]


def test_every_page_of_a_worker_is_private_and_under_the_policy(client, worker, placed_case):
    client.force_login(worker)
    for url in page_urls(placed_case):
        response = client.get(url)
        assert response.status_code == 200, url
        assert_private_and_locked_down(response)


@pytest.mark.parametrize("url", ["/accounts/login/", "/no-such-page/"])
def test_anonymous_pages_are_private_and_under_the_policy(client, url):
    assert_private_and_locked_down(client.get(url))


def test_the_supervisor_and_analyst_pages_are_private(client, supervisor, analyst):
    client.force_login(supervisor)
    assert_private_and_locked_down(client.get("/unit/"))
    client.force_login(analyst)
    assert_private_and_locked_down(client.get("/statistics/"))


def test_json_responses_are_private(api_client, worker, placed_case):
    api_client.force_authenticate(worker)
    for url in ("/api/v1/cases/", f"/api/v1/cases/{placed_case.pk}/", f"/api/v1/children/{placed_case.child_id}/",
                "/api/v1/placements/", "/api/v1/visits/"):
        response = api_client.get(url)
        assert response.status_code == 200, url
        assert_private_and_locked_down(response)


def test_errors_and_the_admin_are_private_too(client, api_client, worker, district):
    assert_private_and_locked_down(api_client.get("/api/v1/cases/"))  # 403
    api_client.force_authenticate(worker)
    assert_private_and_locked_down(api_client.post("/api/v1/cases/", {"child": "x"}, format="json"))  # 400
    admin = factories.UserFactory(role="administrator", unit=district, is_staff=True, is_superuser=True)
    client.force_login(admin)
    assert_private_and_locked_down(client.get("/admin/"))


def test_static_files_stay_cacheable(client):
    response = client.get("/static/web/css/app.css")
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")


class InlineFinder(HTMLParser):
    """Collects what a CSP without 'unsafe-inline' would block: inline scripts, <style> elements,
    style attributes and on* event handler attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []
        self._in_inline_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = {name for name, _ in attrs}
        if tag == "script" and "src" not in names and dict(attrs).get("type") != "application/json":
            self._in_inline_script = True
            self.found.append("inline <script>")
        if tag == "style":
            self.found.append("<style>")
        self.found += [f"{tag} {name}=" for name in names if name == "style" or name.startswith("on")]
        if "href" in names and (dict(attrs)["href"] or "").startswith("javascript:"):
            self.found.append(f"{tag} javascript: URL")


def inline_code(html: bytes) -> list[str]:
    finder = InlineFinder()
    finder.feed(html.decode())
    return finder.found


def test_the_pages_carry_no_inline_script_or_style(client, worker, supervisor, analyst, placed_case):
    pages = [(worker, url) for url in page_urls(placed_case)] + [(supervisor, "/unit/"), (analyst, "/statistics/"),
                                                                 (analyst, "/statistics/?indicator=children_in_care")]
    for user, url in pages:
        client.force_login(user)
        response = client.get(url)
        assert inline_code(response.content) == [], url
    client.logout()
    assert inline_code(client.get("/accounts/login/").content) == []


def test_no_template_of_the_pages_has_inline_script_or_style():
    templates = sorted(Path(django_settings.BASE_DIR, "web", "templates").rglob("*.html"))
    assert templates
    offenders = {str(t.relative_to(django_settings.BASE_DIR)): inline_code(t.read_bytes()) for t in templates}
    assert {name: found for name, found in offenders.items() if found} == {}


def test_htmx_is_told_not_to_inject_its_indicator_style(client):
    html = client.get("/accounts/login/").content.decode()
    assert '<meta name="htmx-config"' in html and '"includeIndicatorStyles": false' in html


# The Permissions-Policy features Chromium (156) knows; an unknown one in the header makes it log
# "Error with Permissions-Policy header: Unrecognized feature" on every page ('bluetooth' did).
CHROMIUM_FEATURES = {
    "accelerometer", "camera", "display-capture", "geolocation", "gyroscope", "magnetometer", "microphone",
    "midi", "payment", "usb", "serial", "hid", "interest-cohort", "browsing-topics",
}


def test_the_permissions_policy_names_only_features_chromium_recognises(client):
    header = client.get("/accounts/login/")["Permissions-Policy"]
    features = {part.strip().split("=")[0] for part in header.split(",")}
    assert "bluetooth" not in features
    assert features <= CHROMIUM_FEATURES, features - CHROMIUM_FEATURES
    assert all(part.strip().endswith("=()") for part in header.split(","))
