"""Writes on consents, and the rule that a transfer needs the consent to share data (or a
supervisor's recorded override)."""

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from access.selectors import unit_ids_for
from accounts.models import User
from cases.models import Case
from cases.services import lock_case
from consents.models import Consent, ConsentKind, TransferOverride
from core.ages import age_on
from core.dates import day_text
from core.exceptions import DomainError
from documents.models import Document
from regions.models import Region


@transaction.atomic
def record_consent(
    *, case: Case, actor: User, kind: str, given_by: str, given_on: dt.date, agrees: bool = True, scope: str = "",
    region: Region | None = None, document: Document | None = None,
) -> Consent:
    # The case row first, and the actor's right checked on it (cases.services.lock_case).
    case = lock_case(case.pk, actor=actor)
    child = case.child
    if given_on > timezone.localdate():
        raise DomainError(_("A consent cannot be dated in the future."), field="given_on")
    if given_on < child.birth_date:
        raise DomainError(_("A consent cannot be dated before the child's birth."), field="given_on")
    min_age = settings.CONSENT_CHILD_VIEW_MIN_AGE
    if kind == ConsentKind.CHILD_VIEW and age_on(child.birth_date, given_on) < min_age:
        raise DomainError(
            _("The child's own view is recorded from the age of %(age)s; the child was %(now)s then.")
            % {"age": min_age, "now": age_on(child.birth_date, given_on)},
            field="given_on",
        )
    if region is not None and kind != ConsentKind.DATA_SHARING:
        raise DomainError(_("Only a consent to share data names a region."), field="region")
    if document is not None and document.case_id != case.pk and document.child_id != case.child_id:
        raise DomainError(_("The signed document must belong to this case or its child."), field="document")
    consent = Consent(
        case=case, kind=kind, given_by=given_by.strip(), given_on=given_on, agrees=agrees, scope=scope, region=region,
        document=document, recorded_by=actor,
    )
    consent.full_clean()
    consent.save()
    return consent


@transaction.atomic
def revoke_consent(*, consent: Consent, actor: User, reason: str, revoked_on: dt.date | None = None) -> Consent:
    lock_case(consent.case_id, actor=actor)  # case first, then the consent; the right checked on the locked case
    consent = Consent.objects.select_for_update().get(pk=consent.pk)
    revoked_on = revoked_on or timezone.localdate()
    if consent.revoked_on is not None:
        raise DomainError(_("This consent was already revoked on %(date)s.") % {"date": day_text(consent.revoked_on)}, field="revoked_on")
    if revoked_on > timezone.localdate():
        raise DomainError(_("A revocation cannot be dated in the future."), field="revoked_on")
    if revoked_on < consent.given_on:
        raise DomainError(_("A consent cannot be revoked before it was given."), field="revoked_on")
    if not reason.strip():
        raise DomainError(_("Say why the consent is revoked."), field="reason")
    consent.revoked_on = revoked_on
    consent.revoked_by = actor
    consent.revoke_reason = reason.strip()
    consent.full_clean()
    consent.save(update_fields=["revoked_on", "revoked_by", "revoke_reason"])
    return consent


def sharing_consent(*, case: Case, destination_region: Region | None = None, on: dt.date | None = None) -> Consent | None:
    """The consent to share data in force for this case (covering the destination region, when given)."""
    consents = Consent.objects.in_force(on).filter(case=case, kind=ConsentKind.DATA_SHARING)
    if destination_region is not None:
        consents = consents.filter(region__isnull=True) | consents.filter(region=destination_region)
    return consents.order_by("-given_on", "-id").first()


def ensure_transfer_allowed(
    *, case: Case, actor: User, override_reason: str | None = None, destination_region: Region | None = None
) -> TransferOverride | None:
    """Refuse a transfer to another region or agency without a consent to share data in force, unless a
    supervisor of the case's unit overrides it with a reason, which is recorded (and returned).
    Call it inside the transfer's transaction so a refused transfer leaves nothing behind."""
    if sharing_consent(case=case, destination_region=destination_region) is not None:
        return None
    reason = (override_reason or "").strip()
    if not reason:
        raise DomainError(
            _(
                "There is no consent to share this child's data with another agency. Record the consent first, "
                "or a supervisor may transfer the case anyway by stating a reason."
            ),
            field="override_reason",
            code="consent_missing",
        )
    if not actor.is_supervisor or case.responsible_unit_id not in unit_ids_for(actor):
        raise DomainError(
            _("Only a supervisor of the case's unit may transfer it without the consent to share data."), field="override_reason"
        )
    override = TransferOverride(case=case, actor=actor, reason=reason)
    override.full_clean()
    override.save()
    return override
