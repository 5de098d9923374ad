"""Clean answers while the database is unreachable (a restart, a failover); the privacy headers of every
dynamic response; bodies over their view's limit and unstorable text refused before they are read or used."""

import logging
from collections.abc import Callable

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.template.defaultfilters import filesizeformat
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext

from core.input import is_storable_text, unstorable_text_message

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5


class DatabaseUnavailableMiddleware:
    """A view that cannot reach PostgreSQL answers 503 with Retry-After, not a 500 page: the load
    balancer and API clients know to retry. Django drops the broken connection at the end of the
    request, and CONN_HEALTH_CHECKS checks a kept one before reuse, so the process recovers by
    itself once the database is back."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        logger.warning("Database unavailable for %s %s: %s", request.method, request.path, exception.__class__.__name__)
        response = JsonResponse({"detail": gettext("The service is briefly unavailable. Try again in a moment.")}, status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response


class PrivacyHeadersMiddleware:
    """Headers every dynamic response carries (static files are answered by WhiteNoise before this):

    - ``Cache-Control: no-store, private``: pages and JSON show children's and families' personal
      data, which no browser cache, shared proxy or back button may keep. Static files stay cacheable.
    - ``Permissions-Policy`` (settings.PERMISSIONS_POLICY): the browser features the site never uses
      (camera, microphone, geolocation, payment, ...) are refused to it and anything it embeds.
    The Content-Security-Policy is django-csp's (settings.CONTENT_SECURITY_POLICY).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        patch_cache_control(response, no_store=True, private=True)
        response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response


# Room for the other fields and the multipart boundaries beside the file itself.
MULTIPART_OVERHEAD_BYTES = 64 * 1024


def request_body_limit(view_func: Callable) -> tuple[int, int]:
    """(the largest body in bytes that the view may be sent, the limit to tell the user): for an upload
    view, the setting its class names in ``request_body_limit_setting`` (the file's limit, plus
    MULTIPART_OVERHEAD_BYTES for the body); for any other, settings.REQUEST_BODY_MAX_BYTES."""
    view_class = getattr(view_func, "cls", None) or getattr(view_func, "view_class", None)
    # On the class of a DRF or class-based view, or on a function view itself.
    setting = getattr(view_class, "request_body_limit_setting", None) or getattr(view_func, "request_body_limit_setting", None)
    if setting:
        file_limit = int(getattr(settings, setting))
        return file_limit + MULTIPART_OVERHEAD_BYTES, file_limit
    return settings.REQUEST_BODY_MAX_BYTES, settings.REQUEST_BODY_MAX_BYTES


class RequestBodyLimitMiddleware:
    """Refuses a request whose declared Content-Length is over the limit of the view it is for, with
    413 and a message saying the size and the limit, before anything reads the body: Django's own
    limit (DATA_UPLOAD_MAX_MEMORY_SIZE) leaves out files, which it streams to a temporary file on disk
    first, and DRF reads a JSON body past it. Django reads no more than Content-Length, and a body
    without one (chunked) as empty, so the declared length bounds what is read.

    Runs in ``process_view`` (the view is known there) and is listed before CsrfViewMiddleware, whose
    ``process_view`` reads a form's body.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func: Callable, view_args: tuple, view_kwargs: dict) -> HttpResponse | None:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0  # as Django reads it: no body
        limit, shown_limit = request_body_limit(view_func)
        if length <= limit:
            return None
        message = gettext("The request is %(size)s; the limit here is %(limit)s. Send a smaller file.") % {
            "size": filesizeformat(length), "limit": filesizeformat(shown_limit)}
        logger.info("Refused a body of %s bytes for %s %s (limit %s)", length, request.method, request.path, limit)
        if request.path.startswith("/api/") or "json" in request.headers.get("Accept", ""):
            response: HttpResponse = JsonResponse({"detail": message}, status=413)
        else:
            response = HttpResponse(message, status=413, content_type="text/plain; charset=utf-8")
        # The unread body must not be taken for the next request on a kept-alive connection.
        response["Connection"] = "close"
        return response


class UnstorableInputMiddleware:
    """Refuses, with 400 and the names of the parameters, a query string (any view: filters, search,
    the admin's) or a page's form (views that are not DRF's: the API's parsers check their own bodies,
    core.parsers) holding a NUL or a lone surrogate, which PostgreSQL cannot take (core.input)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func: Callable, view_args: tuple, view_kwargs: dict) -> HttpResponse | None:
        names = bad_parameters(request.GET)
        is_api_view = getattr(view_func, "cls", None) is not None
        if not names and not is_api_view and request.method == "POST" and request.content_type in FORM_TYPES:
            names = bad_parameters(request.POST)
        if not names:
            return None
        message = unstorable_text_message()
        if is_api_view or request.path.startswith("/api/"):
            return JsonResponse({name: [message] for name in names}, status=400)
        return HttpResponse(f"{message} ({', '.join(names)})", status=400, content_type="text/plain; charset=utf-8")


FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def bad_parameters(params: QueryDict) -> list[str]:
    """The names of the parameters whose name or any value has a NUL or a lone surrogate."""
    bad = []
    for key in params:
        if not is_storable_text(key) or not all(is_storable_text(v) for v in params.getlist(key)):
            bad.append(key if is_storable_text(key) else "?")
    return bad


class FormOnlyAddressMiddleware:
    """A page's form address opened as a page (GET): after a form error the browser's address bar shows
    the form's address (/cases/12/move/, /cases/reassign/), and pressing Enter there, or a bookmark of
    it, got Django's empty 405, a blank page. It answers 405 still (with Allow), in the site's layout
    and the reader's language, with a link back. The API's own 405s (JSON) are left as they are."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (response.status_code != 405 or request.method != "GET" or response.content
                or request.path.startswith("/api/")):
            return response
        from django.shortcuts import render

        page = render(request, "web/errors/405.html", status=405)
        if response.has_header("Allow"):
            page["Allow"] = response["Allow"]
        return page
