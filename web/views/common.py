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
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext_lazy

from core.ordering import with_total_order

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


def posted(request: HttpRequest) -> QueryDict | None:
    """The data a page's form is bound to: the POST's, even when empty (an empty body then gets "This
    field is required" beside each field, not an unbound form shown again without a word), None for a GET."""
    return request.POST if request.method == "POST" else None


def posted_files(request: HttpRequest) -> MultiValueDict | None:
    """The files a page's form is bound to, as ``posted``."""
    return request.FILES if request.method == "POST" else None


def paginate(request: HttpRequest, queryset: QuerySet, per_page: int | None = None) -> Page:
    """One page of ``queryset`` in a total order (its own, then the primary key): with ties, pages
    of a LIMIT/OFFSET query would repeat some rows and lose others. ``per_page``: PAGE_SIZE."""
    return Paginator(with_total_order(queryset), per_page or PAGE_SIZE).get_page(request.GET.get("page"))


def counted_page(rows: list, *, total: int, number: int, per_page: int) -> Page:
    """A page already read with the total of all the pages (web.selectors.case_list_page), as
    ``paginate`` would give it to the template and the pager."""
    paginator = Paginator([], per_page)
    paginator.count = total  # Paginator.count is a cached property: the total is known, nothing counts again
    return Page(rows, number, paginator)


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


# What an API client gets for a URL no view answers (an id that is not a number, say) or a refusal
# raised before a view: JSON, as the API documents, in the same shape as DRF's own errors.
_API_DETAIL = {
    400: gettext_lazy("Bad request."),
    403: gettext_lazy("You do not have permission to perform this action."),
    404: gettext_lazy("Not found."),
    500: gettext_lazy("A server error occurred."),
}


def _api_error(request: HttpRequest, status: int) -> HttpResponse | None:
    if not request.path.startswith("/api/"):
        return None
    from django.http import JsonResponse

    return JsonResponse({"detail": str(_API_DETAIL[status])}, status=status)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """A 404 in the site's layout and language (JSON under /api/). A case page one may not see
    answers the same as a case that does not exist (its existence is not revealed); it offers
    emergency access by number."""
    import re

    if response := _api_error(request, 404):
        return response
    match = re.match(r"^/cases/(\d+)/", request.path)
    return _refused(request, "web/errors/404.html", 404, {"case_number": match.group(1) if match else None})


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """A 403 in the site's layout and language, saying what the user's role cannot do here (JSON
    under /api/)."""
    return _api_error(request, 403) or _refused(request, "web/errors/403.html", 403, {})


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """A 400 raised outside a view (a malformed host or a suspicious operation): JSON under /api/,
    Django's own page elsewhere."""
    from django.views.defaults import bad_request as default

    return _api_error(request, 400) or default(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    """A 500: JSON under /api/, Django's own page elsewhere (no template that could fail again)."""
    from django.views.defaults import server_error as default

    return _api_error(request, 500) or default(request)
