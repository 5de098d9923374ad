"""Notification pages: the inbox of reminders and alerts, and marking one read."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from notifications import services as notification_services
from notifications.selectors import inbox_of, needs_action_first, with_links, with_units, with_visit_done
from web.views.common import paginate, query_without_page


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    if request.user.is_analyst:
        raise PermissionDenied
    notes = with_visit_done(inbox_of(request.user).select_related("case"))
    unread_only = request.GET.get("unread") == "1"
    if unread_only:
        notes = notes.filter(read_at__isnull=True)
    page = paginate(request, needs_action_first(notes))
    page.object_list = with_links(with_units(page.object_list), request.user)
    return render(request, "web/notifications/inbox.html", {"page": page, "unread_only": unread_only, "query": query_without_page(request)})


@login_required
@require_POST
def mark_notification_read(request: HttpRequest, pk: int) -> HttpResponse:
    note = get_object_or_404(with_visit_done(inbox_of(request.user)), pk=pk)
    notification_services.mark_read(notification=note, user=request.user)
    with_links(with_units([note]), request.user)
    # The badge is counted after the update: the row is swapped in place and the page's badge and
    # status line with it (out of band), so neither lags behind.
    done = _("The notification is marked as read.")
    if request.headers.get("HX-Request"):
        return render(request, "web/notifications/_notification_read.html", {"note": note, "status": done})
    messages.success(request, done)
    return redirect("web:inbox")
