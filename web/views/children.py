"""Child pages: registering a child (the IIN checked as typed, likely duplicates shown before
saving), the child's page with its cases, siblings and change history, editing the record, and the
sibling group."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.forms import DateField
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from access.selectors import child_rights, children_editable_by, children_visible_to, sensitive_child_ids
from accounts.models import User
from audit.services import log_access
from cases.models import Case
from children.models import Child, ChildrensHome
from children.selectors import child_history, child_list, search_children, search_matches_first
from children.services import (
    DUPLICATES_CONFIRMED_REASON,
    add_sibling,
    create_child,
    remove_from_sibling_group,
    update_child,
)
from core.exceptions import DomainError
from core.iin import birth_date_and_sex, validate_iin, validate_iin_matches
from documents.selectors import case_file_url
from registry.duplicates import child_duplicates
from web.forms import (
    CHILD_FORM_FIELDS,
    AddSiblingForm,
    ChildEditForm,
    ChildRegisterForm,
    add_domain_error,
    add_validation_error,
)
from web.views.common import paginate, posted, query_without_page, roles_required
from web.views.documents import documents_context

CHILD_ROLES = ("social_worker", "supervisor")


def child_or_404(user: User, pk: int) -> Child:
    """The child ``pk`` with its region, home and sibling group, and what ``user`` may do with it
    (``rights``: access.selectors.child_rights, read by _may_edit and _sees_sensitive); 404 when there
    is no such child or the user does not see it."""
    child = Child.objects.select_related("region", "current_home", "sibling_group").filter(pk=pk).first()
    if child is None:
        raise Http404
    rights = child_rights(user, child.pk)
    if not rights.visible:
        raise Http404
    child.rights, child.rights_of = rights, user.pk
    return child


def _may_edit(user: User, child: Child) -> bool:
    if getattr(child, "rights_of", None) == user.pk:
        return child.rights.change
    return children_editable_by(user).filter(pk=child.pk).exists()


def _sees_sensitive(user: User, child: Child) -> bool:
    """Whether ``user`` may see the child's sensitive fields (view_sensitive on one of its cases)."""
    if getattr(child, "rights_of", None) == user.pk:
        return child.rights.sensitive
    return child.pk in sensitive_child_ids(user, [child.pk])


@roles_required(*CHILD_ROLES)
def children(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()
    rows = search_children(child_list(user=request.user), q, matches_first=search_matches_first(request.user))
    rows = rows.order_by("last_name", "first_name", "id")
    page = paginate(request, rows)
    context = {"page": page, "q": q, "query": query_without_page(request)}
    template = "web/children/_child_table.html" if request.headers.get("HX-Request") else "web/children/child_list.html"
    return render(request, template, context)


def _duplicates_for_page(user: User, data: dict) -> tuple[list[Child], int]:
    """Likely duplicates of the child being registered: the ones the user sees (to open them) and
    how many more exist that they may not see (said as a number only: no name leaves its unit)."""
    warnings = child_duplicates(last_name=data["last_name"], first_name=data["first_name"],
                                patronymic=data.get("patronymic", ""), birth_date=data["birth_date"], iin=data.get("iin"))
    ids = [w.id for w in warnings]
    visible = list(child_list(user=user).filter(pk__in=ids).order_by("last_name", "first_name", "id")) if ids else []
    return visible, len(ids) - len(visible)


@roles_required(*CHILD_ROLES)
def register_child(request: HttpRequest) -> HttpResponse:
    region = getattr(request.user.unit, "region", None)
    form = ChildRegisterForm(posted(request), initial={"region": region.pk if region else None})
    context: dict = {"form": form, "duplicates": [], "hidden_duplicates": 0}
    if request.method == "POST":
        if form.is_valid():
            data = dict(form.cleaned_data)
            if data.get("iin") and Child.objects.filter(iin=data["iin"]).exists():
                # A child's IIN is unique: no confirmation can register it twice (registry's rule).
                form.add_error("iin", _("A child with this IIN is already registered."))
                context["duplicates"] = list(child_list(user=request.user).filter(iin=data["iin"]))
                return render(request, "web/children/register.html", context, status=400)
            visible, hidden = _duplicates_for_page(request.user, data)
            confirmed = data.pop("confirm_new")
            reason = data.pop("duplicate_reason").strip()
            if (visible or hidden) and not confirmed:
                # Shown before anything is saved: open the existing record or confirm a new one.
                context.update(duplicates=visible, hidden_duplicates=hidden, asks_confirmation=True)
                return render(request, "web/children/register.html", context, status=200)
            history_reason = DUPLICATES_CONFIRMED_REASON % {"reason": reason} if reason else ""
            try:
                child, _warnings = create_child(actor=request.user, history_reason=history_reason[:100], **data)
            except DomainError as error:
                add_domain_error(form, error)
                if "iin" in error.errors:
                    context["duplicates"] = list(child_list(user=request.user).filter(iin=data.get("iin")))
            except ValidationError as error:
                add_validation_error(form, error)
            else:
                messages.success(request, _("The child is registered and their case opened."))
                return redirect("web:child", pk=child.pk)
        return render(request, "web/children/register.html", context, status=400)
    return render(request, "web/children/register.html", context)


@roles_required(*CHILD_ROLES)
@require_GET
def iin_check(request: HttpRequest) -> HttpResponse:
    """The IIN as typed (htmx): what is wrong with it, or the birth date and sex it encodes and
    whether they agree with the ones typed; and whether a child with this IIN is already registered
    (the same answer registration gives)."""
    iin = request.GET.get("iin", "").strip()
    context: dict = {"iin": iin}
    if iin:
        try:
            validate_iin(iin)
        except ValidationError as error:
            context["error"] = error.messages[0]
        else:
            encoded_date, encoded_sex = birth_date_and_sex(iin)
            context.update(encoded_date=encoded_date, encoded_sex=dict(Child._meta.get_field("sex").choices)[encoded_sex])
            try:
                birth_date = DateField(required=False).clean(request.GET.get("birth_date"))
            except ValidationError:
                birth_date = None
            sex = request.GET.get("sex") or None
            context["mismatches"] = list(validate_iin_matches(iin, birth_date=birth_date, sex=sex).values())
            taken = Child.objects.filter(iin=iin)
            exclude = request.GET.get("child", "")
            if exclude.isdigit():
                taken = taken.exclude(pk=int(exclude))
            context["taken"] = taken.exists()
    return render(request, "web/children/_iin_check.html", context)


@roles_required(*CHILD_ROLES)
@require_GET
def home_options(request: HttpRequest) -> HttpResponse:
    """The children's homes of one region as <option>s, for the home picker (htmx)."""
    region = request.GET.get("region", "")
    homes = ChildrensHome.objects.filter(region_id=region).order_by(ChildrensHome.name_in_language(), "id") if region.isdigit() else []
    return render(request, "web/children/_home_options.html", {"homes": homes})


def _child_context(request: HttpRequest, child: Child, sibling_form: AddSiblingForm | None = None) -> dict:
    sensitive = _sees_sensitive(request.user, child)
    cases = list(Case.objects.filter(pk__in=_visible_case_ids(request.user, child)).select_related("assigned_worker")
                 .order_by("-opened_on", "-id"))
    siblings, hidden_siblings = [], 0
    if child.sibling_group_id:
        members = list(Child.objects.filter(sibling_group_id=child.sibling_group_id).exclude(pk=child.pk)
                       .values_list("pk", flat=True))
        siblings = list(children_visible_to(request.user).filter(pk__in=members).order_by("birth_date", "id")) if members else []
        hidden_siblings = len(members) - len(siblings)
    editable = _may_edit(request.user, child)
    return {
        "child": child, "sensitive": sensitive, "cases": cases, "siblings": siblings, "hidden_siblings": hidden_siblings,
        "history": child_history(child, sensitive=sensitive), "editable": editable,
        "sibling_form": sibling_form or (AddSiblingForm() if editable else None),
        # may_add_document's rule for a child is _may_edit's (a case of the child one may change), but
        # an administrator, who corrects a child's record, adds no document.
        "today": timezone.localdate(),
        "case_file_url": case_file_url(request.user, child),
        **documents_context(request.user, "child", child.pk, sensitive=sensitive,
                            may_add=editable and not request.user.is_administrator),
    }


@roles_required(*CHILD_ROLES)
def child_detail(request: HttpRequest, pk: int) -> HttpResponse:
    child = child_or_404(request.user, pk)
    context = _child_context(request, child)
    log_access(user=request.user, child_id=child.pk, request=request, saw_sensitive=context["sensitive"])
    return render(request, "web/children/child_detail.html", context)


def _visible_case_ids(user: User, child: Child) -> list[int]:
    from access.selectors import cases_visible_to

    return list(cases_visible_to(user).filter(child_id=child.pk).values_list("pk", flat=True))


@roles_required(*CHILD_ROLES)
def edit_child(request: HttpRequest, pk: int) -> HttpResponse:
    child = child_or_404(request.user, pk)
    if not _may_edit(request.user, child):
        raise PermissionDenied
    sensitive = _sees_sensitive(request.user, child)
    initial = {name: getattr(child, name) for name in CHILD_FORM_FIELDS}
    initial["region"], initial["current_home"] = child.region_id, child.current_home_id
    form = ChildEditForm(posted(request), initial=initial, sensitive=sensitive)
    if request.method == "POST":
        if form.is_valid():
            changes = {k: v for k, v in form.cleaned_data.items() if k != "reason"}
            try:
                saved = update_child(child=child, actor=request.user, reason=form.cleaned_data["reason"], **changes)
            except DomainError as error:
                if error.code == "permission_denied" and error.field not in form.fields:
                    raise PermissionDenied from error
                add_domain_error(form, error)
            except ValidationError as error:
                add_validation_error(form, error)
            else:
                messages.success(request, _("The child's record is saved; the change is in its history.") if saved.changed
                                 else _("Nothing was changed: the child's record stays as it was."))
                return redirect("web:child", pk=child.pk)
        return render(request, "web/children/edit.html", {"child": child, "form": form}, status=400)
    return render(request, "web/children/edit.html", {"child": child, "form": form})


@roles_required(*CHILD_ROLES)
@require_POST
def add_sibling_view(request: HttpRequest, pk: int) -> HttpResponse:
    child = child_or_404(request.user, pk)
    if not _may_edit(request.user, child):
        raise PermissionDenied
    form = AddSiblingForm(request.POST)
    if form.is_valid():
        key = form.cleaned_data["sibling"].strip()
        lookup = Q(iin=key) if len(key) == 12 else Q(pk=int(key)) if key.isdigit() else Q(pk__in=[])
        sibling = children_visible_to(request.user).filter(lookup).first()
        if sibling is None:
            form.add_error("sibling", _("No child you can see has this number or IIN."))
        else:
            try:
                add_sibling(child=child, sibling=sibling, actor=request.user)
            except DomainError as error:
                add_domain_error(form, error)
            else:
                messages.success(request, _("The children are recorded as siblings."))
                return redirect(reverse("web:child", args=[child.pk]) + "#siblings")
    return render(request, "web/children/child_detail.html", _child_context(request, child, sibling_form=form), status=400)


@roles_required(*CHILD_ROLES)
@require_POST
def leave_sibling_group(request: HttpRequest, pk: int) -> HttpResponse:
    child = child_or_404(request.user, pk)
    if not _may_edit(request.user, child):
        raise PermissionDenied
    try:
        remove_from_sibling_group(child=child, actor=request.user)
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("The child is no longer in the sibling group."))
    return redirect(reverse("web:child", args=[child.pk]) + "#siblings")
