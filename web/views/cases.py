"""Case pages: the case list (a worker's own cases, a supervisor's unit), the case page with its stage,
placement and matching forms."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.models import User
from audit.services import log_access
from cases.models import Case, Stage
from cases.services import ALLOWED_TRANSITIONS, end_placement, place_child, transition_case
from core.exceptions import DomainError
from matching.selectors import rank_families
from matching.services import choose_for_acquaintance
from risk.models import Factor
from risk.selectors import risk_as_seen
from visits.models import CHECKLIST_ITEMS
from web import selectors
from web.forms import EndPlacementForm, MoveStageForm, add_domain_error
from web.sensitive import can_change, can_view_sensitive
from web.views.common import paginate, query_without_page, roles_required

CASE_ROLES = ("social_worker", "supervisor")

# Names of matching.selectors' factors, as the matching page shows them.
MATCH_FACTOR_LABELS = {
    "form_of_care": gettext_lazy("form of care"),
    "age": gettext_lazy("age"),
    "sex": gettext_lazy("sex"),
    "siblings": gettext_lazy("siblings"),
    "health": gettext_lazy("health needs"),
    "region": gettext_lazy("region"),
    "waiting": gettext_lazy("waiting time"),
}


def case_or_404(user: User, pk: int) -> Case:
    case = selectors.visible_case_or_none(user=user, pk=pk)
    if case is None:
        raise Http404
    return case


def changeable_case_or_403(user: User, pk: int) -> Case:
    case = case_or_404(user, pk)
    if not can_change(user, case):
        raise PermissionDenied
    return case


@roles_required(*CASE_ROLES)
def my_cases(request: HttpRequest) -> HttpResponse:
    from web.forms import CaseFilterForm

    form = CaseFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    cases = selectors.my_cases(
        user=request.user, q=filters.get("q", ""), stage=filters.get("stage", ""), risk=filters.get("risk", ""),
        overdue=filters.get("overdue", False), order=filters.get("order") or "recent",
    )
    page = paginate(request, cases)
    context = {"form": form, "page": page, "query": query_without_page(request), "today": timezone.localdate()}
    # HTMX asks only for the table when a filter changes.
    template = "web/cases/_case_table.html" if request.headers.get("HX-Request") else "web/cases/case_list.html"
    return render(request, template, context)


def _risk_factors(factors: list[dict]) -> list[dict]:
    labels = dict(Factor.choices)
    return [{**f, "label": labels.get(f.get("factor"), f.get("factor"))} for f in factors]


def _case_context(request: HttpRequest, case: Case, **forms: object) -> dict:
    placements = selectors.case_placements(case)
    visits = selectors.placement_visits(placements)
    active = next((p for p in placements if p.ended_on is None), None)
    risk = getattr(active, "risk", None) if active else None
    allowed = sorted(ALLOWED_TRANSITIONS.get(case.stage, ()))
    sensitive = can_view_sensitive(request.user, case)
    # Without view_sensitive, the factors from sensitive fields and their points are left out.
    risk_seen = risk_as_seen(score=getattr(risk, "score", None), band=getattr(risk, "band", None),
                             factors=getattr(risk, "factors", None), sensitive=sensitive)
    editable = can_change(request.user, case)
    next_visit = next((v for v in visits.get(active.pk, []) if v.done_on is None), None) if active else None
    context = {
        "case": case,
        "child": case.child,
        "placements": [{"placement": p, "visits": visits[p.pk]} for p in placements],
        "active": active,
        "risk": risk,
        "risk_seen": risk_seen,
        "risk_factors": _risk_factors(risk_seen.factors),
        "next_visit": next_visit,
        "sensitive": sensitive,
        "editable": editable,
        "today": timezone.localdate(),
        "checklist_items": CHECKLIST_ITEMS,
        "stage_changes": list(case.stage_changes.all()),
        "move_form": forms.get("move_form") or (
            # ?family= comes from the matching page's "choose" link and fills in the family.
            MoveStageForm(allowed=allowed, user=request.user,
                          initial={"expected_version": case.version, "family": request.GET.get("family")})
            if allowed and editable else None
        ),
        "end_form": forms.get("end_form") or (EndPlacementForm(region_id=case.child.region_id) if active and editable else None),
    }
    return context


@roles_required(*CASE_ROLES)
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = case_or_404(request.user, pk)
    context = _case_context(request, case)
    # Every opening of a case's page is in the access log, as for the API's detail.
    log_access(user=request.user, case_id=case.pk, child_id=case.child_id, request=request, saw_sensitive=context["sensitive"])
    return render(request, "web/cases/case_detail.html", context)


@roles_required(*CASE_ROLES)
@require_POST
def move_stage(request: HttpRequest, pk: int) -> HttpResponse:
    case = changeable_case_or_403(request.user, pk)
    allowed = sorted(ALLOWED_TRANSITIONS.get(case.stage, ()))
    form = MoveStageForm(request.POST, allowed=allowed, user=request.user)
    if form.is_valid():
        data = form.cleaned_data
        try:
            if data["to_stage"] == Stage.PLACED:
                # Placing writes the placement with its decision's number and date.
                place_child(
                    case=case, family=data["family"], actor=request.user, started_on=data["started_on"],
                    decision_document_number=data["decision_document_number"], decision_date=data["decision_date"],
                    reason=data["reason"], expected_version=data["expected_version"],
                )
            else:
                transition_case(
                    case=case, to_stage=data["to_stage"], actor=request.user, reason=data["reason"],
                    expected_version=data["expected_version"], form_of_care=data["form_of_care"] or None,
                    family=data["family"], outcome=data["outcome"] or None,
                )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("The case moved to the new stage."))
            return redirect("web:case", pk=case.pk)
    return render(request, "web/cases/case_detail.html", _case_context(request, case, move_form=form), status=400)



@roles_required(*CASE_ROLES)
@require_POST
def end_placement_view(request: HttpRequest, pk: int, placement_pk: int) -> HttpResponse:
    case = changeable_case_or_403(request.user, pk)
    placement = get_object_or_404(case.placements.all(), pk=placement_pk)
    form = EndPlacementForm(request.POST, region_id=case.child.region_id)
    if form.is_valid():
        data = form.cleaned_data
        try:
            end_placement(
                placement=placement, ended_on=data["ended_on"], end_reason=data["end_reason"],
                return_reason=data["return_reason"], notes=data["notes"], actor=request.user, home=data["home"],
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("The placement has ended."))
            return redirect("web:case", pk=case.pk)
    return render(request, "web/cases/case_detail.html", _case_context(request, case, end_form=form), status=400)


@roles_required(*CASE_ROLES)
def matching(request: HttpRequest, pk: int) -> HttpResponse:
    """The ranked families. A family outside the user's visibility is an anonymous profile (number,
    region, form of care, date) until chosen for acquaintance: matching.selectors' one policy,
    the same as the API's matches."""
    case = case_or_404(request.user, pk)
    candidates, error = [], None
    if case.stage in (Stage.MATCHING, Stage.ACQUAINTANCE):
        try:
            if case.stage == Stage.MATCHING:
                candidates = rank_families(case=case, limit=20, user=request.user)
        except DomainError as exc:
            error = exc.message
        for candidate in candidates:
            for factor in candidate.factors:
                factor["label"] = MATCH_FACTOR_LABELS.get(factor["factor"], factor["factor"])
    if case.stage != Stage.MATCHING:
        error = _("Families are ranked only for a case at the matching stage.")
    chosen = list(case.acquaintances.select_related("family", "chosen_by").prefetch_related("family__applicants"))
    return render(request, "web/cases/matching.html", {
        "case": case, "candidates": candidates, "error": error, "chosen": chosen,
        "editable": can_change(request.user, case),
    })


@roles_required(*CASE_ROLES)
@require_POST
def choose_for_acquaintance_view(request: HttpRequest, pk: int) -> HttpResponse:
    case = changeable_case_or_403(request.user, pk)
    try:
        family_id = int(request.POST.get("family", ""))
    except ValueError:
        family_id = 0
    try:
        acquaintance = choose_for_acquaintance(case=case, family_id=family_id, actor=request.user)
    except DomainError as error:
        if error.code == "permission_denied":
            raise PermissionDenied from error
        messages.error(request, str(error.message))
        return redirect("web:case-matching", pk=case.pk)
    messages.success(request, _("Family № %(n)s is chosen for acquaintance; its unit has been told.")
                     % {"n": acquaintance.family_id})
    return redirect("web:case-matching", pk=case.pk)
