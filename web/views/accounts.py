"""Account pages for administrators: the users (by unit, role, name), creating one, changing their
role or unit, deactivating them and resetting their password (accounts.services)."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts import services
from accounts.models import OrganisationalUnit, User
from core.exceptions import DomainError
from web.forms import BLANK, PLACEHOLDER, add_domain_error
from web.views.common import paginate, posted, query_without_page, roles_required


def units_in_tree_order() -> QuerySet[OrganisationalUnit]:
    """Every unit with its parent (for the full path), region by region."""
    return OrganisationalUnit.objects.select_related("parent").order_by("region__name_en", "kind", "name_en", "id")


class UserFilterForm(forms.Form):
    q = forms.CharField(label=gettext_lazy("Search"), required=False,
                        widget=forms.TextInput(attrs={"type": "search", "placeholder": gettext_lazy("Name or username")}))
    role = forms.ChoiceField(label=gettext_lazy("Role"), required=False, choices=BLANK + list(User.Role.choices))
    unit = forms.ModelChoiceField(label=gettext_lazy("Unit"), required=False, queryset=units_in_tree_order(), empty_label=PLACEHOLDER)


class UserForm(forms.Form):
    username = forms.CharField(label=gettext_lazy("Username"), max_length=150)
    first_name = forms.CharField(label=gettext_lazy("First name"), max_length=150)
    last_name = forms.CharField(label=gettext_lazy("Last name"), max_length=150)
    email = forms.EmailField(label=gettext_lazy("E-mail"), required=False)
    role = forms.ChoiceField(label=gettext_lazy("Role"), choices=User.Role.choices)
    unit = forms.ModelChoiceField(label=gettext_lazy("Unit"), queryset=units_in_tree_order(), empty_label=PLACEHOLDER)
    password = forms.CharField(label=gettext_lazy("Password"), required=False, widget=forms.PasswordInput,
                               help_text=gettext_lazy("Leave empty to make a temporary password, shown once."))

    def __init__(self, *args: object, editing: bool = False, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["username"]
            del self.fields["password"]


def _put_errors(form: forms.Form, error: Exception) -> None:
    if isinstance(error, DomainError):
        add_domain_error(form, error)
        return
    for field, messages_ in getattr(error, "message_dict", {"__all__": getattr(error, "messages", [str(error)])}).items():
        for message in messages_:
            form.add_error(field if field in form.fields else None, message)


@roles_required()
def user_list(request: HttpRequest) -> HttpResponse:
    form = UserFilterForm(request.GET or None)
    users = User.objects.select_related("unit__parent").order_by("last_name", "first_name", "id")
    if form.is_valid():
        data = form.cleaned_data
        for word in data["q"].split():
            users = users.filter(Q(last_name__icontains=word) | Q(first_name__icontains=word) | Q(username__icontains=word))
        if data["role"]:
            users = users.filter(role=data["role"])
        if data["unit"]:
            users = users.filter(unit=data["unit"])
    return render(request, "web/accounts/user_list.html",
                  {"form": form, "page": paginate(request, users), "query": query_without_page(request)})


@roles_required()
def user_create(request: HttpRequest) -> HttpResponse:
    form = UserForm(posted(request), initial={"unit": request.GET.get("unit")})
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        shown = not data["password"]
        data["password"] = data["password"] or services.temporary_password()
        try:
            user = services.create_user(actor=request.user, **data)
        except (DomainError, ValidationError) as error:
            _put_errors(form, error)
        else:
            messages.success(request, _("Account %(name)s created.") % {"name": user.username})
            if shown:
                messages.info(request, _("Temporary password for %(name)s: %(password)s — give it to them; it is not shown again.")
                              % {"name": user.username, "password": data["password"]})
            return redirect("web:user", pk=user.pk)
    return render(request, "web/accounts/user_form.html", {"form": form, "account": None}, status=400 if form.errors else 200)


@roles_required()
def user_detail(request: HttpRequest, pk: int) -> HttpResponse:
    account = get_object_or_404(User.objects.select_related("unit__parent"), pk=pk)
    initial = {"first_name": account.first_name, "last_name": account.last_name, "email": account.email, "role": account.role,
               "unit": account.unit_id}
    form = UserForm(posted(request), initial=initial, editing=True)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_user(actor=request.user, user=account, **form.cleaned_data)
        except (DomainError, ValidationError) as error:
            _put_errors(form, error)
        else:
            messages.success(request, _("Account %(name)s saved.") % {"name": account.username})
            return redirect("web:user", pk=account.pk)
    return render(request, "web/accounts/user_form.html", {"form": form, "account": account}, status=400 if form.errors else 200)


@roles_required()
@require_POST
def user_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Deactivate, activate, or reset the password of an account."""
    account = get_object_or_404(User, pk=pk)
    if action not in ("deactivate", "activate", "reset-password"):
        raise Http404
    try:
        if action == "deactivate":
            services.deactivate_user(actor=request.user, user=account)
            messages.success(request, _("Account %(name)s deactivated; their open cases now need a new worker.")
                             % {"name": account.username})
        elif action == "activate":
            services.activate_user(actor=request.user, user=account)
            messages.success(request, _("Account %(name)s activated.") % {"name": account.username})
        else:
            password = services.reset_password(actor=request.user, user=account)
            messages.info(request, _("New temporary password for %(name)s: %(password)s — give it to them; it is not shown again.")
                          % {"name": account.username, "password": password})
    except DomainError as error:
        messages.error(request, str(error.message))
    return redirect("web:user", pk=account.pk)
