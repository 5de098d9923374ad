"""Access to a case beyond its worker: a supervisor shares a case with a colleague (until a date,
with or without the sensitive fields) and revokes the share; a worker or supervisor opens a case
that is not theirs in an emergency ("break the glass", 24 hours, supervisors notified). Through
access.services and emergency.services, which check who may."""

import datetime as dt

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from access.models import CaseShare
from access.selectors import cases_supervised_by, unit_ids_for
from access.services import revoke_share, share_case
from accounts.models import User
from cases.models import Case
from core.exceptions import DomainError
from emergency.models import EmergencyAccess
from emergency.services import open_emergency_access
from web.forms import EmergencyAccessForm, ShareCaseForm, add_domain_error
from web.views.common import posted, roles_required

ACCESS_ROLES = ("social_worker", "supervisor")


def colleagues_of(user: User) -> QuerySet[User]:
    """Whom a supervisor may share a case with: active workers and supervisors of their units."""
    return User.objects.filter(unit_id__in=unit_ids_for(user), is_active=True,
                               role__in=[User.Role.SOCIAL_WORKER, User.Role.SUPERVISOR]).order_by("last_name", "first_name", "id")


def access_context(user: User, case: Case, **forms: object) -> dict:
    """The sharing part of the case page (its supervisors only) and the emergency banner."""
    supervises = cases_supervised_by(user).filter(pk=case.pk).exists()
    emergency = EmergencyAccess.objects.filter(case=case, user=user).active().order_by("-expires_at").first()
    return {
        "supervises": supervises,
        "shares": list(CaseShare.objects.active().filter(case=case).select_related("user", "granted_by")) if supervises else [],
        # Built only when a POST refused it; else opened on demand (web.views.cases.case_form).
        "share_form": forms.get("share_form"),
        "emergency": emergency,
    }


def _end_of_day(day: dt.date | None) -> dt.datetime | None:
    if day is None:
        return None
    return timezone.make_aware(dt.datetime.combine(day, dt.time(23, 59, 59)))


@roles_required("supervisor")
@require_POST
def share(request: HttpRequest, pk: int) -> HttpResponse:
    from web.views.cases import case_or_404, render_case_page

    case = case_or_404(request.user, pk)
    if not cases_supervised_by(request.user).filter(pk=case.pk).exists():
        raise PermissionDenied
    form = ShareCaseForm(request.POST, colleagues=colleagues_of(request.user))
    if form.is_valid():
        data = form.cleaned_data
        try:
            share_case(case=case, user=data["user"], actor=request.user, expires_at=_end_of_day(data["expires_on"]),
                       include_sensitive=data["include_sensitive"], reason=data["reason"])
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("The case is shared."))
            return redirect(reverse("web:case", args=[case.pk]) + "#shares")
    return render_case_page(request, case, status=400, share_form=form)


@roles_required("supervisor")
@require_POST
def revoke(request: HttpRequest, pk: int, user_pk: int) -> HttpResponse:
    from web.views.cases import case_or_404

    case = case_or_404(request.user, pk)
    if not cases_supervised_by(request.user).filter(pk=case.pk).exists():
        raise PermissionDenied
    colleague = get_object_or_404(User, pk=user_pk)
    try:
        revoke_share(case=case, user=colleague, actor=request.user)
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("The share is revoked."))
    return redirect(reverse("web:case", args=[case.pk]) + "#shares")


@roles_required(*ACCESS_ROLES)
def emergency_access(request: HttpRequest) -> HttpResponse:
    """Open a case that is not yours in an emergency, by its number, with the reason."""
    initial = {"case": request.GET.get("case")} if (request.GET.get("case") or "").isdigit() else {}
    form = EmergencyAccessForm(posted(request), initial=initial)
    mine = EmergencyAccess.objects.filter(user=request.user).select_related("case").order_by("-opened_at")[:20]
    if request.method == "POST":
        if form.is_valid():
            try:
                access = open_emergency_access(
                    case=form.cleaned_data["case"], actor=request.user, reason=form.cleaned_data["reason"], request=request)
            except DomainError as error:
                if error.code == "permission_denied":
                    raise PermissionDenied from error
                add_domain_error(form, error)
            else:
                messages.warning(request, _("Emergency access is open for 24 hours; your supervisors are told."))
                return redirect("web:case", pk=access.case_id)
        return render(request, "web/cases/emergency.html", {"form": form, "mine": mine}, status=400)
    return render(request, "web/cases/emergency.html", {"form": form, "mine": mine})


