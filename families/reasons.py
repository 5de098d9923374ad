"""Why a family's approval is suspended (``Family.suspension_reason``), kept untranslated and written
in each reader's language.

The services store the English message with its values: the reason's English label and the date as
YYYY-MM-DD ("Ivanova Aigul: death on 2026-11-02"); ``suspension_text`` writes it in the active
language with the date as the pages write it (the family's page, the case's, the API, the refusal of
a placement). Any other text (written before, or by hand) is shown as stored."""

import datetime as dt
import functools
import re

from django.db import models
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from core.dates import date_text
from families.models import Applicant, ApplicantLeaving, CarerCheckFailure

APPLICANT_LEFT = gettext_noop("%(name)s: %(reason)s on %(date)s")
CARER_CHECK_FAILED = gettext_noop("carer check failed: %(reason)s on %(date)s")

# Each message as a pattern of its stored English form, with the choices its reason comes from.
_FORMS = (
    (CARER_CHECK_FAILED, CarerCheckFailure, re.compile(r"^carer check failed: (?P<reason>.+) on (?P<date>\d{4}-\d{2}-\d{2})$", re.S)),
    (APPLICANT_LEFT, ApplicantLeaving, re.compile(r"^(?P<name>.+): (?P<reason>[^:]+) on (?P<date>\d{4}-\d{2}-\d{2})$", re.S)),
)


# Both look-ups fixed for the process (the choices' English labels): made once, not per family shown
# (the families API writes the reason on every row of a page).
@functools.cache
def _english_label(choices: type[models.TextChoices], code: str) -> str:
    with translation.override("en"):
        return str(choices(code).label)


@functools.cache
def _codes_by_english_label(choices: type[models.TextChoices]) -> dict[str, str]:
    with translation.override("en"):
        return {str(label): value for value, label in choices.choices}


def applicant_left(applicant: Applicant, on: dt.date) -> str:
    """The stored reason when ``applicant`` left the family on ``on`` (their leaving recorded)."""
    return APPLICANT_LEFT % {
        "name": str(applicant),
        "reason": _english_label(ApplicantLeaving, applicant.left_family_reason),
        "date": on.isoformat(),
    }


def carer_check_failed(failure: str, on: dt.date) -> str:
    """The stored reason when the carers' check of ``on`` failed for ``failure`` (CarerCheckFailure)."""
    return CARER_CHECK_FAILED % {"reason": _english_label(CarerCheckFailure, failure), "date": on.isoformat()}


def suspension_text(stored: str) -> str:
    """A stored suspension reason in the active language ("" for none)."""
    if not stored:
        return ""
    for message, choices, pattern in _FORMS:
        found = pattern.match(stored)
        if found is None:
            continue
        code = _codes_by_english_label(choices).get(found["reason"])
        if code is None:
            continue
        try:
            day = dt.date.fromisoformat(found["date"])
        except ValueError:
            continue
        return _(message) % {**found.groupdict(), "reason": choices(code).label, "date": date_text(day, "DATE_FORMAT")}
    return stored
