"""What every page shares: the start page per role and the role guard."""

import contextlib
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.cache import caches
from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

PAGE_SIZE = 50

# Where each role lands after signing in.
START_PAGE = {
    "social_worker": "web:my-cases",
    "supervisor": "web:dashboard",
    "analyst": "web:statistics",
    "administrator": "web:units",
}


@login_required
def home(request: HttpRequest) -> HttpResponse:
    return redirect(START_PAGE.get(request.user.role, "web:my-cases"))


def roles_required(*roles: str) -> Callable:
    """Only these roles (and administrators) may open the page; anyone else gets 403.

    Record-level visibility is still decided by access.selectors: this guard only keeps analysts,
    who see aggregates, away from pages about one child.
    """

    def decorator(view: Callable) -> Callable:
        @login_required
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not (request.user.role in roles or request.user.is_administrator):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def paginate(request: HttpRequest, queryset: QuerySet, per_page: int = PAGE_SIZE) -> Page:
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))


def query_without_page(request: HttpRequest) -> str:
    """The current filters as a query string, for the pager's links."""
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


def dashboard_cache_key(user: Any) -> str:
    """The cache key of a supervisor's dashboard figures: per user (the figures follow what this user
    sees, grants included, so two supervisors never share an entry)."""
    return f"web:dashboard:{user.pk}"


def forget_dashboard(user: Any) -> None:
    """Drop a supervisor's cached dashboard figures after they changed something they show
    (a reassignment, a transfer, a decision); others' entries expire after DASHBOARD_CACHE_SECONDS."""
    with contextlib.suppress(Exception):
        caches["dashboard"].delete(dashboard_cache_key(user))


DASHBOARD_CACHE_SECONDS: int = settings.DASHBOARD_CACHE_SECONDS
def _refused(request: HttpRequest, template: str, status: int, context: dict) -> HttpResponse:
    from django.shortcuts import render

    return render(request, template, context, status=status)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """A 404 in the site's layout and language. A case page one may not see answers the same as a
    case that does not exist (its existence is not revealed); it offers emergency access by number."""
    import re

    match = re.match(r"^/cases/(\d+)/", request.path)
    return _refused(request, "web/errors/404.html", 404, {"case_number": match.group(1) if match else None})


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """A 403 in the site's layout and language, saying what the user's role cannot do here."""
    return _refused(request, "web/errors/403.html", 403, {})
