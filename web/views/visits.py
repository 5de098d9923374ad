"""Visit pages: recording a follow-up visit of a case's placement."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.models import User
from cases.models import Case
from core.exceptions import DomainError
from risk.models import Band, RiskAssessment
from risk.selectors import risk_as_seen
from visits.models import Visit
from visits.services import record_unscheduled_visit, record_visit
from web.forms import RecordVisitForm, UnscheduledVisitForm, add_domain_error
from web.sensitive import can_view_sensitive
from web.views.cases import CASE_ROLES, changeable_case_or_403
from web.views.common import roles_required


@roles_required(*CASE_ROLES)
def record_visit_view(request: HttpRequest, pk: int, visit_pk: int) -> HttpResponse:
    case = changeable_case_or_403(request.user, pk)
    visit = get_object_or_404(Visit.objects.select_related("placement"), pk=visit_pk, placement__case=case)
    if visit.done_on is not None:
        messages.info(request, _("This visit is already recorded."))
        return redirect("web:case", pk=case.pk)
    form = RecordVisitForm(request.POST or None)
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
    return render(request, "web/visits/record_visit.html", {"case": case, "visit": visit, "form": form}, status=status)


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
    form = UnscheduledVisitForm(request.POST or None)
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
    return render(request, "web/visits/record_visit.html", {"case": case, "visit": None, "form": form, "unscheduled": True},
                  status=status)
