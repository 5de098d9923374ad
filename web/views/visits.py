"""Visit pages: recording a follow-up visit of a case's placement; the visit kit for offline visits
(its page, service worker and manifest) and the conflicts of records made offline."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import LogoutView
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.formats import get_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from accounts.models import User
from cases.models import Case
from core.exceptions import DomainError
from risk.models import Band, RiskAssessment
from risk.selectors import forcing_factor_labels, risk_as_seen
from visitkit.selectors import conflicts_visible_to, conflicts_with_sensitive_access
from visits.models import CHECKLIST_ITEMS, Visit
from visits.services import record_unscheduled_visit, record_visit
from web.forms import RecordVisitForm, UnscheduledVisitForm, add_domain_error
from web.sensitive import can_view_sensitive
from web.views.cases import CASE_ROLES, changeable_case_or_403
from web.views.common import posted, roles_required


@roles_required(*CASE_ROLES)
def record_visit_view(request: HttpRequest, pk: int, visit_pk: int) -> HttpResponse:
    case = changeable_case_or_403(request.user, pk)
    visit = get_object_or_404(Visit.objects.select_related("placement"), pk=visit_pk, placement__case=case)
    if visit.done_on is not None:
        messages.info(request, _("This visit is already recorded."))
        return redirect("web:case", pk=case.pk)
    form = RecordVisitForm(posted(request))
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                record_visit(
                    visit=visit, actor=request.user, done_on=data["done_on"], child_seen=data["child_seen"],
                    seen_by=data["seen_by"], child_condition=data["child_condition"],
                    family_condition=data["family_condition"], checklist=form.checklist(), concerns=data["concerns"],
                )
            except DomainError as error:
                add_domain_error(form, error)
            else:
                messages.success(request, _recorded_message(visit, request.user, case))
                return redirect(reverse("web:case", args=[case.pk]) + "#risk")
        status = 400
    return render(request, "web/visits/record_visit.html", {"case": case, "visit": visit, "form": form,
                                                            "forcing_labels": forcing_factor_labels()}, status=status)


def _recorded_message(visit: Visit, user: User, case: Case) -> str:
    """Says the risk was recomputed only when an assessment for this visit exists (the score is
    computed for a placement still open; a visit recorded on an ended one changes no score), as the
    user may see it (without view_sensitive, without the sensitive factors: risk_as_seen)."""
    assessment = RiskAssessment.objects.filter(visit_id=visit.pk).order_by("-id").first()
    if assessment is None:
        return _("The visit is recorded.")
    seen = risk_as_seen(score=assessment.score, band=assessment.band, factors=assessment.factors,
                        sensitive=can_view_sensitive(user, case))
    return _("The visit is recorded; the risk of return, recomputed, is %(band)s (%(score)s points).") % {
        "band": Band(seen.band).label, "score": seen.score,
    }


@roles_required(*CASE_ROLES)
def record_unscheduled_visit_view(request: HttpRequest, pk: int, placement_pk: int) -> HttpResponse:
    """An urgent or extra visit outside the schedule: the next planned visit stays to do."""
    case = changeable_case_or_403(request.user, pk)
    placement = get_object_or_404(case.placements.filter(ended_on__isnull=True), pk=placement_pk)
    form = UnscheduledVisitForm(posted(request))
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                visit = record_unscheduled_visit(
                    placement=placement, actor=request.user, kind=data["kind"], done_on=data["done_on"],
                    child_seen=data["child_seen"], seen_by=data["seen_by"], child_condition=data["child_condition"],
                    family_condition=data["family_condition"], checklist=form.checklist(), concerns=data["concerns"],
                )
            except DomainError as error:
                add_domain_error(form, error)
            else:
                messages.success(request, _recorded_message(visit, request.user, case))
                return redirect(reverse("web:case", args=[case.pk]) + "#risk")
        status = 400
    return render(request, "web/visits/record_visit.html", {"case": case, "visit": None, "form": form, "unscheduled": True,
                                                            "forcing_labels": forcing_factor_labels()}, status=status)


# The visit kit (docs/visit-kit.md): an installable page that works offline. The page is a shell
# without any child's data (the service worker keeps it for offline use); the visits come from the
# API into the device's IndexedDB and are drawn by visit-kit.js.

@roles_required(*CASE_ROLES)
def visit_kit(request: HttpRequest) -> HttpResponse:
    strings = {
        "online": _("Connected."), "offline": _("No connection: records are saved on this device and sent later."),
        "preparing": _("Preparing your visits…"),
        "prepared": _("Visits prepared: %(count)s; this device erases them on %(date)s or when you sign out."),
        "nothing_prepared": _("No visits prepared on this device yet."), "no_visits": _("No visits planned in the window."),
        "prepare_first": _("Press “Prepare my visits” to take your visits onto this device; they will be listed here."),
        "sending": _("Sending…"),
        "sent": _("Sent. Recorded: %(recorded)s; kept as conflicts: %(conflicts)s."),
        "conflict": _("Kept as a conflict: %(reason)s. Your supervisor sees both versions."),
        "recorded": _("Recorded on the server."), "refused": _("Refused: fix it and send again."),
        "sign_in": _("Your session has ended: sign in, and the records waiting are sent then."),
        "sign_in_link": _("Sign in"), "error": _("The server did not answer; the records stay on this device."),
        "record": _("Record this visit"), "overdue": _("overdue"), "planned": _("Planned on %(date)s"),
        "last_visit": _("Last visit on %(date)s: child %(child)s, family %(family)s."),
        "no_last_visit": _("No visit recorded yet."), "saved": _("Saved on this device; it will be sent when you are connected."),
        "queued": _("recorded on this device, waiting"), "years": _("age %(age)s"),
        "carers": _("Carers"), "address": _("Address"), "child_seen": _("child seen"), "child_not_seen": _("child not seen"),
        "edit": _("Correct it"), "expired": _("The prepared visits expired and were erased from this device."),
        "child_seen_required": str(RecordVisitForm.base_fields["child_seen"].error_messages["required"]),
        # The pages' own formats (web/formats), so that the kit writes dates as the other pages do
        # whatever the browser's language: visit-kit.js reads d, j, m, n, Y, y, H and i from them.
        "date_format": get_format("SHORT_DATE_FORMAT"), "datetime_format": get_format("SHORT_DATETIME_FORMAT"),
    }
    return render(request, "web/visits/kit.html", {"form": RecordVisitForm(), "strings": strings,
                                                   "days": settings.VISIT_KIT_DAYS, "forcing_labels": forcing_factor_labels()})


def visit_kit_service_worker(request: HttpRequest) -> HttpResponse:
    """The service worker (Workbox), at the kit's path so that its scope is the kit. No personal data,
    so no sign-in needed: the browser re-checks it on its own."""
    response = render(request, "web/visits/sw.js", content_type="application/javascript; charset=utf-8")
    return response


def visit_kit_manifest(request: HttpRequest) -> JsonResponse:
    """The web app manifest that makes the kit installable, in the user's language."""
    return JsonResponse({
        "name": _("Otbasy visit kit"), "short_name": _("Visits"), "lang": get_language(),
        "start_url": reverse("web:visit-kit"), "scope": reverse("web:visit-kit"), "display": "standalone",
        "background_color": "#ffffff", "theme_color": "#1f4e79",
        "icons": [{"src": static("web/favicon.svg"), "sizes": "any", "type": "image/svg+xml", "purpose": "any"}],
    }, content_type="application/manifest+json")


@roles_required(*CASE_ROLES)
def visit_conflicts(request: HttpRequest) -> HttpResponse:
    """Visit records kept as conflicts, with both versions: a worker's own, a supervisor's team's."""
    page = Paginator(conflicts_visible_to(request.user), 25).get_page(request.GET.get("page"))
    records = list(page.object_list)
    sensitive = conflicts_with_sensitive_access(user=request.user, records=records)
    rows = []
    for record in records:
        theirs_shown = record.worker_id == request.user.pk or record.pk in sensitive
        conditions = dict(Visit.Condition.choices)
        rows.append({"record": record, "theirs": record.payload, "theirs_concerns": theirs_shown,
                     "theirs_child_condition": conditions.get(record.payload.get("child_condition"), ""),
                     "theirs_family_condition": conditions.get(record.payload.get("family_condition"), ""),
                     "server": record.visit, "server_concerns": record.pk in sensitive,
                     "checklist": [(label, record.payload.get("checklist", {}).get(key),
                                    record.visit.checklist.get(key) if record.visit else None)
                                   for key, label in CHECKLIST_ITEMS.items()]})
    return render(request, "web/visits/conflicts.html", {"page": page, "rows": rows})


class SignOutView(LogoutView):
    """Sign-out that also tells the browser to erase this site's caches and storage (IndexedDB, the
    service worker): the visit kit's prepared data goes with the session (Clear-Site-Data; the page's
    script erases them first as well, for browsers without it)."""

    def post(self, request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        response = super().post(request, *args, **kwargs)
        response["Clear-Site-Data"] = '"cache", "storage"'
        return response
