"""Why a family's approval is suspended, kept as data on the family (``Family.suspension_kind`` and
the fields beside it, families.models) and written in each reader's language.

``suspension_text`` writes it in the active language with the date as the pages write it (the
family's page and history, the case's page, the API's ``suspension_reason``, the refusal of a
placement or of an approval request): "Ivanova Aigul: death on 2 November 2026", "carer check
failed for Ivanov Marat: conviction on 2 November 2026" ("carer check failed: conviction on ..." for a
failure recorded before the applicant was kept); a reason of the kind "other" (written by hand, or stored
before as a text not in these forms: families migration 0010) is shown as written."""

import datetime as dt
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from core.dates import date_text
from families.models import Applicant, ApplicantLeaving, CarerCheckFailure, SuspensionKind

APPLICANT_LEFT = gettext_noop("%(name)s: %(reason)s on %(date)s")
CARER_CHECK_FAILED = gettext_noop("carer check failed: %(reason)s on %(date)s")
CARER_CHECK_FAILED_FOR = gettext_noop("carer check failed for %(name)s: %(reason)s on %(date)s")


def applicant_left(applicant: Applicant) -> dict[str, Any]:
    """The suspension's fields when ``applicant`` left the family (their leaving recorded: the
    reason is theirs, ApplicantLeaving); the date is the suspension's (``suspended_on``)."""
    return {"suspension_kind": SuspensionKind.APPLICANT_LEFT, "suspension_code": applicant.left_family_reason,
            "suspension_applicant": applicant, "suspension_applicant_name": str(applicant)[:201], "suspension_note": ""}


def carer_check_failed(failure: str, applicant: Applicant | None = None) -> dict[str, Any]:
    """The suspension's fields when the carers' check failed for ``failure`` (CarerCheckFailure),
    concerning ``applicant`` (None: not recorded, a failure stored before it was kept)."""
    return {"suspension_kind": SuspensionKind.CARER_CHECK_FAILED, "suspension_code": failure,
            "suspension_applicant": applicant, "suspension_applicant_name": str(applicant)[:201] if applicant else "",
            "suspension_note": ""}


NO_REASON: dict[str, Any] = {"suspension_kind": "", "suspension_code": "", "suspension_applicant": None,
                             "suspension_applicant_name": "", "suspension_note": ""}


def suspension_needs(family: Any) -> tuple[bool, bool]:
    """What ``family``'s suspension still waits for (families.services._lift_suspension): (a new home
    study, a carers' check that passes). A home study issued on or after the suspension, for an
    applicant's leaving (or a reason written by hand); a check that passes while a failed one stands
    (its applicant's leaving clears it too). A failed check is never lifted by a home study alone
    (DOMAIN.md, carer checks: such a carer is removed or barred)."""
    if family.suspended_on is None:
        return False, False
    study = family.suspension_kind != SuspensionKind.CARER_CHECK_FAILED and (
        family.home_study_issued_on is None or family.home_study_issued_on < family.suspended_on)
    return study, bool(family.carer_check_failure)


# The badge (the family's page, a placement's family on the case's page): the reason, what lifts the
# suspension, and that the family is then approved again by a supervisor (lifted, it is under assessment:
# families.services._lift_suspension), not approved again by the check or the home study itself.
SUSPENDED_UNTIL = {
    (True, False): gettext_noop("The family's approval is suspended (%(reason)s) until a new home study; then a "
                                "supervisor must approve the family again."),
    (False, True): gettext_noop("The family's approval is suspended (%(reason)s) until a carers' check that passes; then "
                                "a supervisor must approve the family again."),
    (True, True): gettext_noop("The family's approval is suspended (%(reason)s) until a new home study and a carers' "
                               "check that passes; then a supervisor must approve the family again."),
}
SUSPENDED_REFUSAL = {
    (True, False): gettext_noop("The family's approval is suspended (%(reason)s) until a new home study."),
    (False, True): gettext_noop("The family's approval is suspended (%(reason)s) until a carers' check that passes."),
    (True, True): gettext_noop("The family's approval is suspended (%(reason)s) until a new home study and a carers' "
                               "check that passes."),
}


def suspended_until_text(family: Any, refusal: bool = False) -> str:
    """``family``'s suspension with what lifts it (suspension_needs), in the active language: "The
    family's approval is suspended (carer check failed for …) until a carers' check that passes; then a
    supervisor must approve the family again."; with
    ``refusal``, the sentence a refused placement or approval gives. "" when not suspended by a change."""
    if not family.suspension_kind or family.suspended_on is None:
        return ""
    needs = suspension_needs(family)
    texts = SUSPENDED_REFUSAL if refusal else SUSPENDED_UNTIL
    return _(texts.get(needs, texts[True, False])) % {"reason": suspension_text(family)}


def _date(day: dt.date | None) -> str:
    return date_text(day, "DATE_FORMAT") if day else "—"


def suspension_text(family: Any) -> str:
    """The reason ``family`` (a Family, or a version of it from its history: the same fields) is
    suspended, in the active language; "" for none. A code no longer among the choices (a version
    from the history) is shown as stored rather than refused."""
    kind = family.suspension_kind
    if kind == SuspensionKind.APPLICANT_LEFT:
        reason = dict(ApplicantLeaving.choices).get(family.suspension_code, family.suspension_code)
        return _(APPLICANT_LEFT) % {"name": family.suspension_applicant_name, "reason": reason,
                                    "date": _date(family.suspended_on)}
    if kind == SuspensionKind.CARER_CHECK_FAILED:
        reason = dict(CarerCheckFailure.choices).get(family.suspension_code, family.suspension_code)
        if family.suspension_applicant_name:
            return _(CARER_CHECK_FAILED_FOR) % {"name": family.suspension_applicant_name, "reason": reason,
                                                "date": _date(family.suspended_on)}
        return _(CARER_CHECK_FAILED) % {"reason": reason, "date": _date(family.suspended_on)}
    if kind == SuspensionKind.OTHER:
        return family.suspension_note
    return ""
