"""Family pages: the list and search, registering a prospective family with one or two applicants,
the family's page (applicants, preferences, certificates, approval, history), editing it, recording a
change in the family (an applicant's death, divorce or departure, a failed carer check)."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from access.selectors import families_editable_by, family_rights, placements_visible_to, visible_family_ids
from accounts.models import User
from children.selectors import search_matches_first
from core.exceptions import DomainError
from families.models import Family
from families.reasons import suspension_needs
from families.selectors import family_history, family_list, family_record, search_families
from families.services import (
    applicant_age_refusal,
    applicant_ages,
    applicants_age_errors,
    approval_certificates_refusal,
    approval_expiry_limit,
    approval_request_refusal,
    carer_check_approval_refusal,
    carer_check_approval_warning,
    check_approval_decidable,
    create_family,
    decide_approval,
    default_approval_expiry,
    record_carer_check,
    request_approval,
    update_family,
)
from risk.services import record_family_change
from web import selectors
from web.forms import (
    APPLICANT_FORM_FIELDS,
    CARER_CHECK_FAILED,
    FAMILY_FORM_FIELDS,
    FamilyApprovalForm,
    FamilyChangeForm,
    FamilyForm,
    PassedCarerCheckForm,
    add_domain_error,
    add_family_error,
    applicant_forms,
)
from web.views.common import paginate, posted, query_without_page, roles_required
from web.views.documents import documents_context

FAMILY_ROLES = ("social_worker", "supervisor")


def family_or_404(user: User, pk: int, *, applicants: bool = True) -> Family:
    """The family ``pk`` with its region, unit and applicants, and what ``user`` may do with it
    (``rights``: access.selectors.family_rights, read by _may_edit); 404 when there is no such family
    or the user does not see it. ``applicants=False``: the row alone, for an action that shows none
    of the family (the approval's request and decision)."""
    family = family_record(pk) if applicants else Family.objects.filter(pk=pk).first()
    if family is None:
        raise Http404
    rights = family_rights(user, family_id=family.pk, responsible_unit_id=family.responsible_unit_id)
    if not rights.visible:
        raise Http404
    family.rights, family.rights_of = rights, user.pk
    return family


def _may_edit(user: User, family: Family) -> bool:
    """Whether ``user`` may change the family's record (families_editable_by)."""
    if getattr(family, "rights_of", None) == user.pk:
        return family.rights.change
    return families_editable_by(user).filter(pk=family.pk).exists()


@roles_required(*FAMILY_ROLES)
def families(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()
    rows = search_families(family_list(user=request.user), q, matches_first=search_matches_first(request.user))
    rows = rows.order_by("-applied_on", "-id")
    page = paginate(request, rows)
    context = {"page": page, "q": q, "query": query_without_page(request), "today": timezone.localdate()}
    template = "web/families/_family_table.html" if request.headers.get("HX-Request") else "web/families/family_list.html"
    return render(request, template, context)


def _valid(family_form: FamilyForm, people: list) -> bool:
    # Every form is validated, so each shows its own errors at once.
    valid = all([family_form.is_valid(), *[p.is_valid() for p in people]])
    # The applicants' ages on the application date (the service's rule), on the same submit: of the
    # dates each form could read.
    applied_on = None if family_form.has_error("applied_on") else family_form.cleaned_data.get("applied_on")
    found = applicants_age_errors([{} if p.is_blank() or p.has_error("birth_date") else p.cleaned_data for p in people],
                                  applied_on)
    for field, message in found.items():
        add_family_error(family_form, people, field, message)
    return valid and not found


def _applicants(people: list) -> list[dict]:
    return [{k: p.cleaned_data[k] for k in APPLICANT_FORM_FIELDS} for p in people if not p.is_blank()]


def _apply_error(family_form: FamilyForm, people: list, error: Exception) -> None:
    if isinstance(error, DomainError):
        for field, message in error.errors.items():
            add_family_error(family_form, people, field, str(message))
    elif hasattr(error, "error_dict"):
        for field, texts in error.message_dict.items():
            for text in texts:
                add_family_error(family_form, people, field, text)
    else:
        family_form.add_error(None, error.messages)


@roles_required(*FAMILY_ROLES)
def register_family(request: HttpRequest) -> HttpResponse:
    region = getattr(request.user.unit, "region", None)
    family_form = FamilyForm(posted(request), initial={"region": region.pk if region else None})
    people = applicant_forms(posted(request))
    if request.method == "POST":
        if _valid(family_form, people):
            try:
                family, warnings = create_family(actor=request.user, applicants=_applicants(people),
                                                 require_current_certificates=True, **family_form.cleaned_data)
            except (DomainError, ValidationError) as error:
                _apply_error(family_form, people, error)
            else:
                messages.success(request, _("The family is registered."))
                visible = set(family_list(user=request.user).filter(pk__in=[w.id for w in warnings]).values_list("pk", flat=True))
                for warning in warnings:
                    if warning.id in visible:
                        messages.warning(request, _("Possible duplicate: family № %(n)s has an applicant who may be the same "
                                                    "person.") % {"n": warning.id})
                if len(visible) < len(warnings):
                    messages.warning(request, _("An applicant may already be registered with a family of another unit; "
                                                "ask your supervisor."))
                return redirect("web:family", pk=family.pk)
        return render(request, "web/families/register.html", {"form": family_form, "people": people}, status=400)
    return render(request, "web/families/register.html", {"form": family_form, "people": people})


def _may_record_change(user: User, family: Family) -> bool:
    """Whether ``user`` may record a change in the family: the API's rule (CaseworkerOnly: not an
    administrator, who reads only) and the service's (families_editable_by, checked again under the lock)."""
    return not user.is_administrator and _may_edit(user, family)


def family_context(request: HttpRequest, family: Family, change_form: FamilyChangeForm | None = None,
                   passed_check_form: PassedCarerCheckForm | None = None) -> dict:
    """What the family page shows; the approval request and decisions add their own parts. ``change_form``:
    the change in the family refused, shown open with its errors; ``passed_check_form``: the carers' check
    that passed, refused, with its errors."""
    today = timezone.localdate()
    applicants = list(family.applicants.all())
    may_record_change = _may_record_change(request.user, family)
    return {
        "family": family, "today": today, "expired": set(family.expired_documents(today)),
        # The applicants still in the family (its name); those who died or left apart, kept in the record.
        "applicants": family.current_applicants(), "departed": family.departed_applicants(),
        "history": family_history(family),
        "editable": _may_edit(request.user, family),
        # The request offered only when the service would take it (a suspended family waits for a new home study).
        "approval_refusal": approval_request_refusal(family),
        # An applicant under age on the application date: said, with the way to correct it.
        "age_refusal": applicant_age_refusal(family),
        # What a suspension waits for (a home study after a leaving; a passed check after a failed one).
        **dict(zip(("needs_study", "needs_check"), suspension_needs(family), strict=True)),
        # An expired or missing certificate said before the click, not after it.
        "approval_certificates": approval_certificates_refusal(family, today),
        "change_form": (change_form or FamilyChangeForm(applicants=applicants)) if may_record_change else None,
        "change_form_open": change_form is not None,
        "passed_check_form": (passed_check_form or PassedCarerCheckForm()) if may_record_change else None,
        # The visit planned for each placed child (risk.services.record_family_change), as the setting has it.
        "change_visit_days": settings.FAMILY_CHANGE_VISIT_WITHIN_DAYS,
        "approval_decisions": list(family.approval_decisions.select_related("decided_by").order_by("-decided_at", "-id")),
        # may_add_document's rule for a family: whoever sees it and works on cases (not an administrator).
        **documents_context(request.user, "family", family.pk, may_add=not request.user.is_administrator),
    }


@roles_required(*FAMILY_ROLES)
def family_detail(request: HttpRequest, pk: int) -> HttpResponse:
    family = family_or_404(request.user, pk)
    return render(request, "web/families/family_detail.html", family_context(request, family))


@roles_required(*FAMILY_ROLES)
def edit_family(request: HttpRequest, pk: int) -> HttpResponse:
    family = family_or_404(request.user, pk)
    if not _may_edit(request.user, family):
        raise PermissionDenied
    initial = {name: getattr(family, name) for name in FAMILY_FORM_FIELDS}
    initial["region"] = family.region_id
    family_form = FamilyForm(posted(request), initial=initial, editing=True)
    # Only the applicants still in the family are edited; one who died or left is shown, kept as recorded,
    # and holds a place of the two (a couple one of whom left has one applicant's form; no one left, none).
    current, departed = family.current_applicants(), family.departed_applicants()
    people = applicant_forms(posted(request), initial=[{k: getattr(a, k) for k in APPLICANT_FORM_FIELDS}
                                                           for a in current],
                             count=2 if not departed else (1 if current else 0))
    if request.method == "POST":
        if _valid(family_form, people):
            changes = dict(family_form.cleaned_data)
            reason = changes.pop("reason", "")
            try:
                saved = update_family(family=family, actor=request.user, applicants=_applicants(people) if people else None,
                                      reason=reason, **changes)
            except (DomainError, ValidationError) as error:
                if isinstance(error, DomainError) and error.code == "permission_denied":
                    raise PermissionDenied from error
                _apply_error(family_form, people, error)
            else:
                messages.success(request, _("The family's record is saved; the change is in its history.") if saved.changed
                                 else _("Nothing was changed: the family's record stays as it was."))
                if family.suspended_on is not None and saved.suspended_on is None:
                    messages.success(request, _("The new home study lifts the suspension: the family is under "
                                                "assessment; send it for approval."))
                return redirect("web:family", pk=family.pk)
        return render(request, "web/families/edit.html", {"family": family, "form": family_form, "people": people,
                                                          "departed": departed}, status=400)
    return render(request, "web/families/edit.html", {"family": family, "form": family_form, "people": people,
                                                      "departed": departed})


# ---- approval: the social worker asks, a supervisor of the family's unit decides ----------------

APPROVALS_LIMIT = 100


def _waiting_item(family: Family, form: FamilyApprovalForm | None, today) -> dict:
    """One family of the supervisors' list with what its decision needs said before the click: the
    carers' check that refuses the approval (a failed one standing) or warns of it (none recorded), the
    expiry offered (default_approval_expiry: the usual term cut to the certificate that lapses first) and
    the last day allowed (approval_expiry_limit), the service's rules (decide_approval)."""
    limit = approval_expiry_limit(family)
    return {
        "family": family,
        "form": form or FamilyApprovalForm(initial={"expires_on": default_approval_expiry(family, today).isoformat()}),
        # Each applicant's age today, and the refusal of an applicant under age on the application date
        # (registered before the rule): the supervisor sees both before the click.
        "ages": applicant_ages(family, today),
        "age_refusal": applicant_age_refusal(family),
        "carer_refusal": carer_check_approval_refusal(family),
        "carer_warning": carer_check_approval_warning(family),
        "expiry_limit": limit[0] if limit else None,
        # The certificate that sets it, named as the refusal of a later expiry names it (decide_approval).
        "expiry_document": limit[1] if limit else "",
    }


def _approvals_context(request: HttpRequest, forms: dict | None = None) -> dict:
    forms = forms or {}
    today = timezone.localdate()
    waiting = list(selectors.families_waiting_for_approval(user=request.user)[:APPROVALS_LIMIT])
    decisions = selectors.recent_family_decisions(user=request.user)
    return {
        "today": today,
        "waiting": [_waiting_item(f, forms.get(f.pk), today) for f in waiting],
        "decisions": decisions,
        # Each family linked to its page where the supervisor sees it (one query for both lists).
        "visible_families": visible_family_ids(
            user=request.user, family_ids=[f.pk for f in waiting] + [d.family_id for d in decisions]),
    }


@roles_required("supervisor")
def family_approvals(request: HttpRequest) -> HttpResponse:
    """The supervisor's list of families of their unit waiting for approval, and the recent decisions."""
    return render(request, "web/families/approvals.html", _approvals_context(request))


@roles_required("supervisor")
@require_POST
def decide_family_approval(request: HttpRequest, pk: int) -> HttpResponse:
    """A supervisor approves or refuses a family waiting for approval (the API's POST
    /api/v1/families/<id>/approve/ and refuse/: the same service, the same answers). A family the
    supervisor sees that no longer waits (the request withdrawn by a suspension, or decided meanwhile)
    goes back to the list with a message saying why (families.services.approval_request_gone); 404 for
    a family the supervisor may not see (family_or_404), 403 for one they see but do not supervise."""
    family = family_or_404(request.user, pk, applicants=False)
    form = FamilyApprovalForm(request.POST)
    try:
        check_approval_decidable(family=family, actor=request.user)  # again under the lock, by decide_approval
        if form.is_valid():
            data = form.cleaned_data
            decide_approval(family=family, actor=request.user, approve=data["approve"], reason=data["reason"],
                            expires_on=data["expires_on"])
            done = _("Family № %(n)s approved.") if data["approve"] else _("Family № %(n)s refused.")
            messages.success(request, done % {"n": family.pk})
            return redirect("web:family-approvals")
    except DomainError as error:
        if error.code == "permission_denied":
            raise PermissionDenied from error
        if error.code == "stale":
            messages.warning(request, str(error.message))
            return redirect("web:family-approvals")
        add_domain_error(form, error)
    return render(request, "web/families/approvals.html", _approvals_context(request, {family.pk: form}), status=400)


@roles_required(*FAMILY_ROLES)
@require_POST
def request_family_approval(request: HttpRequest, pk: int) -> HttpResponse:
    """The worker sends the family to the supervisors of its unit for approval (from the family's page)."""
    family = family_or_404(request.user, pk, applicants=False)
    try:
        request_approval(family=family, actor=request.user)
    except DomainError as error:
        if error.code == "permission_denied":
            raise PermissionDenied from error
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("The family is sent to the supervisor for approval."))
    return redirect("web:family", pk=family.pk)


@roles_required(*FAMILY_ROLES)
@require_POST
def record_passed_carer_check(request: HttpRequest, pk: int) -> HttpResponse:
    """Record a carers' check that passed (the API's POST /api/v1/families/<id>/carer-check/): it clears a
    failed check recorded before it, which bars the request for approval (approval_request_refusal)."""
    family = family_or_404(request.user, pk)
    if not _may_record_change(request.user, family):
        raise PermissionDenied
    form = PassedCarerCheckForm(request.POST)
    if form.is_valid():
        try:
            checked = record_carer_check(family=family, checked_on=form.cleaned_data["on"], actor=request.user)
        except (DomainError, ValidationError) as error:
            if isinstance(error, DomainError) and error.code == "permission_denied":
                raise PermissionDenied from error
            # The service's refusals are of the check's date (its "on", the model's carer_checked_on).
            messages_of = error.errors.values() if isinstance(error, DomainError) else error.messages
            for message in messages_of:
                form.add_error("on", str(message))
        else:
            messages.success(request, _("The carers' check that passed is recorded.") if not checked.lifted else _(
                "The carers' check that passed is recorded and lifts the suspension: the family is under assessment; "
                "send it for approval."))
            return redirect("web:family", pk=family.pk)
    # Refused: the family's page again, the date's error beside it (not a banner naming no field).
    return render(request, "web/families/family_detail.html",
                  family_context(request, family, passed_check_form=form), status=400)


# ---- a change in the family: it suspends the approval (risk.services.record_family_change) -------

# Where a refusal of the services is shown: their field names, then the model's (Applicant.clean).
_CHANGE_ERROR_FIELDS = {"kind": "kind", "applicant": "applicant", "on": "on", "left_family_on": "on",
                        "suspended_on": "on", "carer_check_failed_on": "on", "carer_checked_on": "on"}


def _add_change_error(form: FamilyChangeForm, field: str | None, text: str) -> None:
    target = _CHANGE_ERROR_FIELDS.get(field or "")
    if target == "kind" and form.cleaned_data.get("kind") == "carer_check":
        target = "failure"
    form.add_error(target, text)


@roles_required(*FAMILY_ROLES)
def record_change(request: HttpRequest, pk: int) -> HttpResponse:
    """Record an applicant's death, divorce or departure, or a failed carer check (the API's
    POST /api/v1/risk/family-changes/): the family's approval is suspended until a new home study,
    its placed children get a visit and a new risk, the supervisors an alert. GET: the form on a page
    of its own; a refused POST shows the family's page with the form open and the errors beside the fields."""
    family = family_or_404(request.user, pk)
    if not _may_record_change(request.user, family):
        raise PermissionDenied
    applicants = list(family.applicants.all())
    if request.method != "POST":
        form = FamilyChangeForm(applicants=applicants)
        return render(request, "web/families/change.html", {"family": family, "change_form": form,
                                                            "change_visit_days": settings.FAMILY_CHANGE_VISIT_WITHIN_DAYS})
    form = FamilyChangeForm(request.POST, applicants=applicants)
    if form.is_valid():
        try:
            changed = record_family_change(family=family, kind=form.service_kind, applicant=form.chosen_applicant,
                                 on=form.cleaned_data["on"], actor=request.user)
        except DomainError as error:
            if error.code == "permission_denied":
                raise PermissionDenied from error
            for field, message in error.errors.items():
                _add_change_error(form, field, str(message))
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for field, texts in error.message_dict.items():
                    for text in texts:
                        _add_change_error(form, field, text)
            else:
                form.add_error(None, error.messages)
        else:
            # Children named only where some are placed in a case the user sees (never another unit's).
            placed = changed.active_placement_ids
            named = bool(placed) and placements_visible_to(request.user).filter(pk__in=placed).exists()
            if form.cleaned_data["kind"] == CARER_CHECK_FAILED:  # lifted by a check that passes, not a home study
                messages.success(request, _(
                    "The failed carer check is recorded: the family's approval is suspended until a carers' check that "
                    "passes, then a supervisor must approve the family again; its placed children will be visited, and "
                    "their social workers and the supervisors are told.") if named else _(
                    "The failed carer check is recorded: the family's approval is suspended until a carers' check that "
                    "passes, then a supervisor must approve the family again; the supervisors are told."))
            else:
                messages.success(request, _(
                    "The change is recorded: the family's approval is suspended until a new home study, then a "
                    "supervisor must approve the family again; its placed children will be visited, and their social "
                    "workers and the supervisors are told.") if named else _(
                    "The change is recorded: the family's approval is suspended until a new home study, then a "
                    "supervisor must approve the family again; the supervisors are told."))
            return redirect("web:family", pk=family.pk)
    return render(request, "web/families/family_detail.html", family_context(request, family, change_form=form), status=400)
