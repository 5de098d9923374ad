"""Consents on the case page: recording one (given or refused) and revoking it, through
consents.services; only a user who may change the case may."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import User
from cases.models import Case
from consents.models import Consent
from consents.services import record_consent, revoke_consent
from core.exceptions import DomainError
from web.forms import ConsentForm, RevokeConsentForm, add_domain_error
from web.views.common import roles_required

CONSENT_ROLES = ("social_worker", "supervisor")


def consents_context(user: User, case: Case, *, editable: bool, **forms: object) -> dict:
    return {
        "consents": list(Consent.objects.filter(case=case).select_related("region", "recorded_by", "revoked_by")
                         .order_by("-given_on", "-id")),
        # Built only when a POST refused it; else opened on demand (web.views.cases.case_form).
        "consent_form": forms.get("consent_form"),
        "offer_consent": editable,
        "revoke_form": forms.get("revoke_form") or (RevokeConsentForm() if editable else None),
        "revoke_consent_id": forms.get("revoke_consent_id"),
    }


def _render_case(request: HttpRequest, case: Case, **forms: object) -> HttpResponse:
    from web.views.cases import render_case_page

    return render_case_page(request, case, status=400, **forms)


@roles_required(*CONSENT_ROLES)
@require_POST
def record(request: HttpRequest, pk: int) -> HttpResponse:
    from web.views.cases import changeable_case_or_403

    case = changeable_case_or_403(request.user, pk)
    form = ConsentForm(request.POST)
    if form.is_valid():
        try:
            record_consent(case=case, actor=request.user, **form.cleaned_data)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("The consent is recorded."))
            return redirect(reverse("web:case", args=[case.pk]) + "#consents")
    return _render_case(request, case, consent_form=form)


@roles_required(*CONSENT_ROLES)
@require_POST
def revoke(request: HttpRequest, pk: int, consent_pk: int) -> HttpResponse:
    from web.views.cases import changeable_case_or_403

    case = changeable_case_or_403(request.user, pk)
    consent = get_object_or_404(Consent, pk=consent_pk, case=case)
    form = RevokeConsentForm(request.POST)
    if form.is_valid():
        try:
            revoke_consent(consent=consent, actor=request.user, reason=form.cleaned_data["reason"],
                           revoked_on=form.cleaned_data["revoked_on"])
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("The consent is revoked."))
            return redirect(reverse("web:case", args=[case.pk]) + "#consents")
    return _render_case(request, case, revoke_form=form, revoke_consent_id=consent.pk)
