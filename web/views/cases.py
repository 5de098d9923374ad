"""Case pages: the case list (a worker's own cases, a supervisor's unit), the case page with its stage,
placement and matching forms."""

import datetime as dt

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from access.selectors import cases_supervised_by, families_visible_to, unit_ids_for
from access.services import assign_case, reassign_case, reassign_cases, transfer_case
from accounts.models import User
from audit.services import log_access
from cases.models import Case, Stage
from cases.selectors import case_notes
from cases.services import (
    ALLOWED_TRANSITIONS,
    add_case_note,
    birthday,
    convert_to_trusteeship,
    end_placement,
    form_of_care_rule,
    move_child,
    moves_offered,
    open_next_case,
    place_child,
    transition_case,
)
from core.choices import FormOfCare
from core.exceptions import DomainError
from matching.selectors import rank_families
from matching.services import choose_for_acquaintance
from risk.models import Factor
from risk.selectors import risk_as_seen
from visits.models import CHECKLIST_ITEMS
from web import selectors
from web.forms import (
    BLANK,
    CaseFilterForm,
    CaseNoteForm,
    ConvertToTrusteeshipForm,
    EndPlacementForm,
    MoveFamilyForm,
    MoveStageForm,
    ReassignCaseForm,
    ReassignCasesForm,
    ReentryForm,
    TransferCaseForm,
    add_domain_error,
)
from web.sensitive import can_change, can_view_sensitive
from web.templatetags.web_tags import person
from web.views.access import access_context
from web.views.common import forget_dashboard, paginate, query_without_page, roles_required
from web.views.consents import consents_context
from web.views.documents import documents_context

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


def _case_list_context(request: HttpRequest, reassign_form: ReassignCasesForm | None = None) -> dict:
    supervising = request.user.is_supervisor
    workers = selectors.unit_workers(user=request.user) if supervising else None
    form = CaseFilterForm(request.GET or None, workers=workers)
    filters = form.cleaned_data if form.is_valid() else {}
    cases = selectors.my_cases(
        user=request.user, q=filters.get("q", ""), stage=filters.get("stage", ""), risk=filters.get("risk", ""),
        overdue=filters.get("overdue", False), order=filters.get("order") or "recent", worker=filters.get("worker"),
        open_only=filters.get("open_only", False), needs_worker=filters.get("needs_worker", False),
    )
    page = paginate(request, cases)
    if supervising and reassign_form is None:
        reassign_form = ReassignCasesForm(workers=workers)
    # A supervisor sees the cases of the units they supervise, not cases of their own.
    heading = _("Cases of the unit") if request.user.is_supervisor else _("My cases")
    return {"form": form, "page": page, "query": query_without_page(request), "today": timezone.localdate(),
            "reassign_form": reassign_form, "filtered_worker": filters.get("worker"), "heading": heading}


@roles_required(*CASE_ROLES)
def my_cases(request: HttpRequest) -> HttpResponse:
    context = _case_list_context(request)
    # HTMX asks only for the table when a filter changes.
    template = "web/cases/_case_table.html" if request.headers.get("HX-Request") else "web/cases/case_list.html"
    return render(request, template, context)


@roles_required("supervisor")
@require_POST
def reassign_cases_view(request: HttpRequest) -> HttpResponse:
    """Reassign the ticked cases, or every open case of one worker, to one or several colleagues
    (access.services.reassign_cases: one transaction, round-robin)."""
    workers = selectors.unit_workers(user=request.user)
    form = ReassignCasesForm(request.POST, workers=workers)
    if form.is_valid():
        data = form.cleaned_data
        ids = list(data["case"])
        if data["all_of_worker"] is not None:
            ids += list(cases_supervised_by(request.user).filter(assigned_worker=data["all_of_worker"])
                        .exclude(stage=Stage.CLOSED).values_list("pk", flat=True))
        try:
            moved = reassign_cases(case_ids=ids, workers=list(data["workers"]), actor=request.user, reason=data["reason"])
        except DomainError as error:
            add_domain_error(form, error)
        else:
            forget_dashboard(request.user)
            messages.success(request, ngettext("%(n)s case reassigned.", "%(n)s cases reassigned.", len(moved)) % {"n": len(moved)})
            back = request.POST.get("next", "")
            return redirect(back if back.startswith("/") and not back.startswith("//") else reverse("web:my-cases"))
    return render(request, "web/cases/case_list.html", _case_list_context(request, reassign_form=form), status=400)


def _risk_factors(factors: list[dict]) -> list[dict]:
    labels = dict(Factor.choices)
    return [{**f, "label": labels.get(f.get("factor"), f.get("factor"))} for f in factors]


def case_timeline(case: Case, *, placements: list, visits: dict, sensitive: bool) -> list[dict]:
    """The case's stage changes, decision reviews, recorded visits and notes in one list, newest
    first: ``{"at": datetime or date, "kind", "title", "text", "who", "sensitive"}``."""
    local = timezone.localtime
    items = [{"at": local(c.changed_at), "kind": "stage", "title": c.get_to_stage_display(), "text": c.reason, "who": c.actor}
             for c in case.stage_changes.all()]
    # Every review of a decision (cases.DecisionReview), not only the last one on the case row.
    for review in case.decision_reviews.all():
        items.append({"at": local(review.reviewed_at), "kind": "decision",
                      "title": _("Decision approved") if review.approved else _("Decision rejected"),
                      "text": review.reason, "who": review.actor})
    for placement in placements:
        for visit in visits.get(placement.pk, []):
            if visit.done_on:
                items.append({"at": visit.done_on, "kind": "visit", "title": visit.get_kind_display(),
                              "text": visit.concerns if sensitive else "", "who": visit.worker})
    for note in case_notes(case=case, sensitive=sensitive):
        items.append({"at": note.written_on, "kind": "note", "title": note.get_kind_display(), "text": note.text,
                      "who": note.author, "sensitive": note.sensitive})

    def key(item: dict) -> dt.datetime:
        at = item["at"]
        return at.replace(tzinfo=None) if isinstance(at, dt.datetime) else dt.datetime.combine(at, dt.time.max)

    return sorted(items, key=key, reverse=True)


def _case_context(request: HttpRequest, case: Case, **forms: object) -> dict:
    placements = selectors.case_placements(case)
    visits = selectors.placement_visits(placements)
    active = next((p for p in placements if p.ended_on is None), None)
    risk = getattr(active, "risk", None) if active else None
    allowed = moves_offered(case)
    sensitive = can_view_sensitive(request.user, case)
    # Without view_sensitive, the factors from sensitive fields and their points are left out.
    risk_seen = risk_as_seen(score=getattr(risk, "score", None), band=getattr(risk, "band", None),
                             factors=getattr(risk, "factors", None), sensitive=sensitive)
    editable = can_change(request.user, case)
    # The earliest visit still to do: not done and not superseded by a later one done (then missed).
    next_visit = next((v for v in visits.get(active.pk, []) if v.done_on is None and not v.superseded), None) if active else None
    today = timezone.localdate()
    # An open guardianship of a child who has turned 14 is due for conversion to a trusteeship.
    convert_from = None
    if active and editable and active.form_of_care == FormOfCare.GUARDIANSHIP:
        rule = form_of_care_rule(FormOfCare.TRUSTEESHIP)
        turns = birthday(case.child.birth_date, rule.min_age if rule and rule.min_age is not None else 14)
        convert_from = turns if turns <= today else None
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
        "timeline": case_timeline(case, placements=placements, visits=visits, sensitive=sensitive),
        "note_form": forms.get("note_form") or (CaseNoteForm() if editable else None),
        "move_form": forms.get("move_form") or (
            # ?family= comes from the matching page's "choose" link and fills in the family.
            MoveStageForm(allowed=allowed, user=request.user, initial={
                "expected_version": case.version,
                "family": request.GET.get("family") or case.decision_family_id,
                "to_stage": request.GET.get("to_stage") or (Stage.DECISION if case.stage == Stage.ACQUAINTANCE else None),
            })
            if allowed and editable else None
        ),
        "end_form": forms.get("end_form") or (EndPlacementForm(region_id=case.child.region_id) if active and editable else None),
        "convert_from": convert_from,
        "convert_form": forms.get("convert_form") or (
            ConvertToTrusteeshipForm(initial={"expected_version": case.version}) if convert_from else None

        ),
        "move_family_form": forms.get("move_family_form") or (
            MoveFamilyForm(families=families_visible_to(request.user)) if active and editable else None
        ),
        # A closed case not yet followed by another: the child may come back into care.
        "reentry_form": forms.get("reentry_form") or (
            ReentryForm() if editable and case.stage == Stage.CLOSED and not Case.objects.filter(follows=case).exists() else None
        ),
        **documents_context(request.user, "case", case.pk),
        **consents_context(request.user, case, editable=editable, **forms),
        **access_context(request.user, case, **forms),
    }
    if request.user.is_supervisor and case.responsible_unit_id in unit_ids_for(request.user) and case.stage != Stage.CLOSED:
        workers = selectors.unit_workers(user=request.user).filter(unit_id=case.responsible_unit_id)
        context["reassign_form"] = forms.get("reassign_form") or ReassignCaseForm(workers=workers.exclude(pk=case.assigned_worker_id))
        context["transfer_form"] = forms.get("transfer_form") or TransferCaseForm(exclude_unit=case.responsible_unit_id)
    return context


def render_case_page(request: HttpRequest, case: Case, status: int = 200, **forms: object) -> HttpResponse:
    """The case page again, with the forms given (a refused form shows its errors beside its fields)."""
    return render(request, "web/cases/case_detail.html", _case_context(request, case, **forms), status=status)


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
    # Validated against every move of the stage, so that a move the guards refuse gets the service's
    # own message; the menu shown again offers only the moves the guards accept now.
    form = MoveStageForm(request.POST, allowed=sorted(ALLOWED_TRANSITIONS.get(case.stage, ())), user=request.user)
    if form.is_valid():
        data = form.cleaned_data
        try:
            if data["to_stage"] == Stage.PLACED:
                # Placing writes the placement with its decision's number and date.
                place_child(
                    case=case, family=data["family"], actor=request.user, started_on=data["started_on"],
                    decision_document_number=data["decision_document_number"], decision_date=data["decision_date"],
                    reason=data["reason"], expected_version=data["expected_version"],
                    carer_relationship=data["carer_relationship"],
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
    form.fields["to_stage"].choices = BLANK + [(s, Stage(s).label) for s in moves_offered(case)]
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
@require_POST
def convert_to_trusteeship_view(request: HttpRequest, pk: int, placement_pk: int) -> HttpResponse:
    case = changeable_case_or_403(request.user, pk)
    placement = get_object_or_404(case.placements.all(), pk=placement_pk)
    form = ConvertToTrusteeshipForm(request.POST)
    if form.is_valid():
        try:
            convert_to_trusteeship(placement=placement, actor=request.user, on=form.cleaned_data["on"],
                                   expected_version=form.cleaned_data["expected_version"])
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("The guardianship is now a trusteeship; the placement goes on."))
            return redirect("web:case", pk=case.pk)
    return render(request, "web/cases/case_detail.html", _case_context(request, case, convert_form=form), status=400)


@roles_required(*CASE_ROLES)
@require_POST
def move_family_view(request: HttpRequest, pk: int, placement_pk: int) -> HttpResponse:
    case = changeable_case_or_403(request.user, pk)
    placement = get_object_or_404(case.placements.all(), pk=placement_pk)
    form = MoveFamilyForm(request.POST, families=families_visible_to(request.user))
    if form.is_valid():
        data = form.cleaned_data
        try:
            move_child(placement=placement, actor=request.user, **data)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("The child moved to the new family; the case continues."))
            return redirect("web:case", pk=case.pk)
    return render(request, "web/cases/case_detail.html", _case_context(request, case, move_family_form=form), status=400)


@roles_required(*CASE_ROLES)
@require_POST
def reentry_view(request: HttpRequest, pk: int) -> HttpResponse:
    case = changeable_case_or_403(request.user, pk)
    form = ReentryForm(request.POST)
    if form.is_valid():
        try:
            new = open_next_case(child=case.child, actor=request.user, responsible_unit=case.responsible_unit,
                                 **form.cleaned_data)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("A new case is open; it follows the closed one."))
            return redirect("web:case", pk=new.pk)
    return render(request, "web/cases/case_detail.html", _case_context(request, case, reentry_form=form), status=400)


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
    # A case past matching (a family just chosen, say) is no error: a neutral note of where it is.
    stage_note = None
    if case.stage != Stage.MATCHING:
        stage_note = _("This case is at the stage “%(stage)s”; families are ranked only at the matching stage.") % {
            "stage": case.get_stage_display()}
    chosen = list(case.acquaintances.select_related("family", "chosen_by").prefetch_related("family__applicants"))
    # One compact table: a column per factor, so ten families compare on one screen.
    factor_names = [(name, MATCH_FACTOR_LABELS[name]) for name in MATCH_FACTOR_LABELS]
    rows = [{"candidate": c, "points": {f["factor"]: f for f in c.factors}} for c in candidates]
    for row in rows:
        row["cells"] = [row["points"].get(name) for name, _label in factor_names]
    return render(request, "web/cases/matching.html", {
        "case": case, "candidates": candidates, "rows": rows, "factor_names": factor_names, "error": error,
        "stage_note": stage_note, "chosen": chosen, "editable": can_change(request.user, case),
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


@roles_required(*CASE_ROLES)
@require_POST
def add_note(request: HttpRequest, pk: int) -> HttpResponse:
    case = changeable_case_or_403(request.user, pk)
    form = CaseNoteForm(request.POST)
    if form.is_valid():
        try:
            add_case_note(case=case, actor=request.user, **form.cleaned_data)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("The note is written."))
            return redirect(reverse("web:case", args=[case.pk]) + "#timeline")
    return render(request, "web/cases/case_detail.html", _case_context(request, case, note_form=form), status=400)
def _supervised_case_or_404(user: User, pk: int) -> Case:
    case = case_or_404(user, pk)
    if case.responsible_unit_id not in unit_ids_for(user):
        raise PermissionDenied
    return case


@roles_required("supervisor")
@require_POST
def reassign_case_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Give one case to another social worker of its unit (or assign an unassigned one)."""
    case = _supervised_case_or_404(request.user, pk)
    workers = selectors.unit_workers(user=request.user).filter(unit_id=case.responsible_unit_id)
    form = ReassignCaseForm(request.POST, workers=workers)
    if form.is_valid():
        service = assign_case if case.assigned_worker_id is None else reassign_case
        try:
            service(case=case, worker=form.cleaned_data["worker"], actor=request.user)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            forget_dashboard(request.user)
            messages.success(request, _("The case is now with %(name)s.") % {"name": person(form.cleaned_data["worker"])})
            return redirect("web:case", pk=case.pk)
    return render(request, "web/cases/case_detail.html", _case_context(request, case, reassign_form=form), status=400)


@roles_required("supervisor")
@require_POST
def transfer_case_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Transfer a case to another unit: with the consent to share in force, or the supervisor's
    recorded override reason (consents.services.ensure_transfer_allowed)."""
    case = _supervised_case_or_404(request.user, pk)
    form = TransferCaseForm(request.POST, exclude_unit=case.responsible_unit_id)
    if form.is_valid():
        try:
            transfer_case(case=case, unit=form.cleaned_data["unit"], actor=request.user,
                          override_reason=form.cleaned_data["override_reason"])
        except DomainError as error:
            add_domain_error(form, error)
        else:
            forget_dashboard(request.user)
            messages.success(request, _("The case was transferred to %(unit)s.") % {"unit": form.cleaned_data["unit"]})
            # The case may now be out of this supervisor's sight.
            if selectors.visible_case_or_none(user=request.user, pk=case.pk) is None:
                return redirect("web:my-cases")
            return redirect("web:case", pk=case.pk)
    return render(request, "web/cases/case_detail.html", _case_context(request, case, transfer_form=form), status=400)
