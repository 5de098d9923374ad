"""The page header drawn once per role, language and section (web.header) is the one base.html's
template wrote before (kept as tests/fixtures/base_template.html), byte for byte: every role, every
language, with and without unread notifications, on pages of several sections, each drawn twice."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import override_settings
from django.urls import reverse

from notifications.models import Notification
from tests import factories

OLD_BASE = (Path(__file__).parent / "fixtures" / "base_template.html").read_text()

PAGES = {
    "worker": ["web:my-cases", "web:children", "web:families", "web:visit-kit", "web:inbox", "web:password-change"],
    "supervisor": ["web:my-cases", "web:visit-conflicts", "web:family-approvals", "web:children", "web:inbox"],
    "analyst": ["web:statistics", "web:password-change"],
    "administrator": ["web:units", "web:users", "web:my-cases", "web:inbox"],
}


def _old_templates() -> list[dict]:
    """The project's template settings with the previous base.html put before every other loader."""
    engine = {**settings.TEMPLATES[0]}
    options = {key: value for key, value in engine["OPTIONS"].items() if key != "loaders"}
    options["loaders"] = [("django.template.loaders.locmem.Loader", {"web/base.html": OLD_BASE}),
                          "django.template.loaders.filesystem.Loader",
                          "django.template.loaders.app_directories.Loader"]
    return [{**engine, "APP_DIRS": False, "OPTIONS": options}]


def _unmasked(page: str) -> str:
    # The CSRF tokens are masked afresh on each drawing.
    return re.sub(r'(name="csrfmiddlewaretoken" value="|"X-CSRFToken": ")[^"]+', r"\1", page)


def _header(page: str) -> str:
    return page[page.index('<header class="top">'):page.index("</header>")]


@pytest.fixture
def users(worker, supervisor, analyst, district):
    administrator = factories.UserFactory(role="administrator", unit=district, first_name="<b>O'Neil</b>")
    return {"worker": worker, "supervisor": supervisor, "analyst": analyst, "administrator": administrator}


def _get(client, url: str, language: str) -> str:
    response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200, url
    return _unmasked(response.content.decode())


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
def test_the_header_is_the_one_the_template_wrote(client, users, language):
    for unread in (0, 3):
        for user in users.values():
            Notification.objects.bulk_create(
                Notification(recipient=user, kind="visit_due", subject_key=f"s{i}", title="t") for i in range(unread))
        for role, user in users.items():
            client.force_login(user)
            for name in PAGES[role]:
                # The language switcher's next, escaped, on the lists that take a search.
                url = reverse(name) + ("?q=%3Ci%3E%22&" if name in ("web:my-cases", "web:children") else "")
                new = [_get(client, url, language) for _twice in range(2)]
                with override_settings(TEMPLATES=_old_templates()):
                    old = _get(client, url, language)
                assert new[0] == new[1] == old, (role, name, unread)
                header = _header(old)
                assert f'lang="{language}"' in old
                assert (' <span class="badge-count">3</span>' in header) == bool(unread and role != "analyst")
                if name != "web:password-change":
                    assert 'class="active" aria-current="page"' in header, (role, name)
                    assert header.count("aria-current") == 1, (role, name)
                else:
                    assert "aria-current" not in header and 'class=""' not in header
                # The phone's menu button carries the unread count too (none for an analyst: no inbox).
                assert ('<span id="menu-unread"> <span class="badge-count">3</span></span>' in header) == bool(
                    unread and role != "analyst")
            client.logout()
    anonymous = _get(client, reverse("web:login"), language)
    with override_settings(TEMPLATES=_old_templates()):
        assert _get(client, reverse("web:login"), language) == anonymous


def test_nothing_of_one_user_is_shown_to_another(client, users):
    """The header kept per role holds no name, count or token: two workers see their own."""
    other = factories.UserFactory(role="social_worker", unit=users["worker"].unit, first_name="Dana", last_name="B")
    Notification.objects.create(recipient=other, kind="visit_due", subject_key="s", title="t")
    client.force_login(users["worker"])
    first = client.get(reverse("web:my-cases")).content.decode()
    client.force_login(other)
    second = client.get(reverse("web:my-cases")).content.decode()
    assert users["worker"].get_full_name() in _header(first) and "Dana B" not in _header(first)
    assert "Dana B" in _header(second) and users["worker"].get_full_name() not in _header(second)
    assert "badge-count" not in _header(first) and '<span class="badge-count">1</span>' in _header(second)
