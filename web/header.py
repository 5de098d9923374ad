"""The page header of every server-rendered page (base.html's ``{% site_header %}``), drawn once per
process for each (signed in, role, administrator, language, current section, CSRF token or not) and
kept as text with stand-ins; each request puts in its own CSRF token, path (the language switcher's
``next``), name and unread count, escaped. Rendering the header's template on every page (~12 links
through ``{% url %}``, ~20 translations, the language list) was over half of "My cases"' CPU time
(bench/bench_web_pages.py).

Nothing of one user is kept: the cached text holds only what the role, the language and the section
decide (the links the role may use, the role's name); the markup is the one base.html wrote before,
byte for byte (tests/test_web_header.py against tests/fixtures/base_template.html)."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template import Context
from django.template.loader import get_template
from django.template.loader_tags import BLOCK_CONTEXT_KEY
from django.utils import formats, translation
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

# The sections a page marks as the current one by filling the block (``{% block nav_cases %}active{% endblock %}``).
SECTIONS = ("nav_cases", "nav_kit", "nav_conflicts", "nav_children", "nav_families", "nav_dashboard",
            "nav_approvals", "nav_backtest", "nav_units", "nav_users", "nav_stats", "nav_inbox")

# Stand-ins (private-use characters: no translation, URL or escaping writes them).
_CSRF, _NEXT, _NAME, _UNREAD, _UNREAD_MENU = "\ue001", "\ue002", "\ue003", "\ue004", "\ue005"

_DRAWN: dict[tuple, str] = {}


def _sections(context: Context) -> tuple[str, ...]:
    """What each page's nav_* block holds ("active" or ""), rendered as base.html's blocks would be."""
    block_context = context.render_context.get(BLOCK_CONTEXT_KEY)
    if block_context is None:
        return ("",) * len(SECTIONS)
    classes = []
    for name in SECTIONS:
        node = block_context.get_block(name)
        if node is None:
            classes.append("")
            continue
        with context.push(block=node):
            classes.append(node.nodelist.render(context))
    return tuple(classes)


def _draw(key: tuple) -> str:
    """The header for one key with the stand-ins, from web/partials/header.html."""
    signed_in, role, administrator, _language, sections, with_csrf = key
    if signed_in:
        user = get_user_model()(pk=-1, username=_NAME, first_name=_NAME, role=role, is_superuser=administrator)
    else:
        user = AnonymousUser()

    class _Request:  # what the template reads of the request: the path
        @staticmethod
        def get_full_path() -> str:
            return _NEXT

    values = {"user": user, "request": _Request(), "unread_badge": mark_safe(_UNREAD), "menu_badge": mark_safe(_UNREAD_MENU),
              **dict(zip(SECTIONS, sections, strict=True))}
    if with_csrf:
        values["csrf_token"] = _CSRF
    return get_template("web/partials/header.html").render(values)


def header_html(context: Context) -> SafeString:
    """The ``<header>`` element for the page being rendered: the context's ``user``, ``request`` and
    ``csrf_token`` (as the context processors give them; any may be missing), the unread count
    (``unread_count`` if the view read it, else one statement, web_tags.unread_notifications)."""
    from web.templatetags.web_tags import person, unread_notifications

    user = context.get("user")
    signed_in = bool(getattr(user, "is_authenticated", False))
    role = getattr(user, "role", None) if signed_in else None
    administrator = bool(getattr(user, "is_administrator", False)) if signed_in else False
    token = context.get("csrf_token")
    token_text = str(token) if token else ""
    with_csrf = bool(token_text) and token_text != "NOTPROVIDED"
    key = (signed_in, role, administrator, translation.get_language(), _sections(context), with_csrf)
    drawn = _DRAWN.get(key)
    if drawn is None:
        drawn = _DRAWN[key] = _draw(key)
    request = context.get("request")
    html = drawn.replace(_NEXT, conditional_escape(request.get_full_path()) if request is not None else "")
    if with_csrf:
        html = html.replace(_CSRF, conditional_escape(token_text))
    if signed_in:
        html = html.replace(_NAME, conditional_escape(person(user)))
        if role != "analyst" and _UNREAD in html:
            unread = unread_notifications(context, user)
            badge = f' <span class="badge-count">{conditional_escape(formats.localize(unread))}</span>' if unread else ""
            html = html.replace(_UNREAD, f'<span id="unread-count">{badge}</span>\n')  # the partial's last line
            # The menu button's count (phones), swapped with the inbox's when a notification is read.
            html = html.replace(_UNREAD_MENU, f'<span id="menu-unread">{badge}</span>')
    return mark_safe(html)


@receiver(setting_changed)
def _forget(**kwargs: object) -> None:
    """Tests that change the languages, URLs or templates (override_settings) start afresh."""
    _DRAWN.clear()
