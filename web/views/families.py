"""Family pages: the supervisor's list of families waiting for approval, and approving or refusing one."""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.exceptions import DomainError
from families.services import decide_approval
from web import selectors
from web.forms import FamilyApprovalForm, add_domain_error
from web.views.common import roles_required

LIST_LIMIT = 100


def _approvals_context(request: HttpRequest, forms: dict | None = None) -> dict:
    forms = forms or {}
    waiting = list(selectors.families_waiting_for_approval(user=request.user)[:LIST_LIMIT])
    return {
        "today": timezone.localdate(),
        "waiting": [{"family": f, "form": forms.get(f.pk) or FamilyApprovalForm()} for f in waiting],
        "decisions": selectors.recent_family_decisions(user=request.user),
    }


@roles_required("supervisor")
def family_approvals(request: HttpRequest) -> HttpResponse:
    return render(request, "web/families/approvals.html", _approvals_context(request))


@roles_required("supervisor")
@require_POST
def decide_family_approval(request: HttpRequest, pk: int) -> HttpResponse:
    family = selectors.families_waiting_for_approval(user=request.user).filter(pk=pk).first()
    if family is None:
        raise Http404
    form = FamilyApprovalForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            decide_approval(family=family, actor=request.user, approve=data["approve"], reason=data["reason"],
                            expires_on=data["expires_on"])
        except DomainError as error:
            add_domain_error(form, error)
        else:
            if data["approve"]:
                messages.success(request, _("Family № %(n)s approved.") % {"n": family.pk})
            else:
                messages.success(request, _("Family № %(n)s refused.") % {"n": family.pk})
            return redirect("web:family-approvals")
    return render(request, "web/families/approvals.html", _approvals_context(request, {family.pk: form}), status=400)
