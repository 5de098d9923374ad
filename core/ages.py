"""The plausible ages of the people the registry holds: an applicant (a prospective adoptive parent,
guardian, trustee, foster or patronage carer) is an adult, not implausibly old; a child is registered
under 18. core.dates bounds every date to 1900..2100 and the past; these rules bound a person's birth
date by the date it is compared with (the application, the registration). The services ask them
(families.services, children.services), so the pages, the API and the import refuse alike, each
message beside its field; the ages are settings (AGE_OF_MAJORITY, APPLICANT_MAX_AGE).

Sources: DOMAIN.md (coming of age: 18) and Kazakhstan's Code on Marriage and Family (Кодекс РК
«О браке (супружестве) и семье», 26 December 2011 No. 518-IV): adoptive parents are adults of either
sex (Article 91), guardians and trustees only adult persons with legal capacity (Article 121), which
foster and patronage carers are (the foster family and patronage contracts are with guardians); a
child is a person under 18. Article 92 also asks an age difference of at least 16 years between an
adoptive parent and the child (the court may shorten it for good reasons; none for a step-parent):
a rule of a placement with a given child, not of the applicant's record, so not checked here.
The code names no upper age: APPLICANT_MAX_AGE (100) only refuses typos such as 1900 for 1990.
"""

import datetime as dt

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.utils.translation import gettext as _

from core.dates import day_text


def years_after(day: dt.date, years: int) -> dt.date:
    """``day`` moved ``years`` years (negative: back); 29 February to the 28th in a common year."""
    return day + relativedelta(years=years)


def age_on(birth_date: dt.date, on: dt.date) -> int:
    """A person's age in full years on ``on`` (negative before their birth)."""
    return on.year - birth_date.year - ((on.month, on.day) < (birth_date.month, birth_date.day))


def majority() -> int:
    return int(settings.AGE_OF_MAJORITY)


def applicant_age_errors(birth_date: dt.date | None, applied_on: dt.date | None) -> dict[str, str]:
    """What is wrong with an applicant born on ``birth_date`` who applies on ``applied_on``, as field →
    message ("birth_date", or "applied_on" for an application dated before the birth): under
    AGE_OF_MAJORITY (18) on the application date, or born more than APPLICANT_MAX_AGE (100) years
    before it. Empty when either date is missing (the field's own error says so) or both fit."""
    if birth_date is None or applied_on is None:
        return {}
    if applied_on < birth_date:
        return {"applied_on": _("The application date is before the applicant's birth date (%(date)s).")
                % {"date": day_text(birth_date)}}
    adult_on = years_after(birth_date, majority())
    if applied_on < adult_on:
        return {"birth_date": _("An applicant must be at least %(years)s on the application date (%(applied)s): this "
                                "person was %(age)s and comes of age on %(date)s.")
                % {"years": majority(), "applied": day_text(applied_on), "age": age_on(birth_date, applied_on),
                   "date": day_text(adult_on)}}
    oldest = int(settings.APPLICANT_MAX_AGE)
    if birth_date < years_after(applied_on, -oldest):
        return {"birth_date": _("An applicant born on %(date)s would be over %(years)s on the application date: "
                                "check the year of birth.") % {"date": day_text(birth_date), "years": oldest}}
    return {}


def child_age_errors(birth_date: dt.date | None, registered_on: dt.date) -> dict[str, str]:
    """What is wrong with the birth date of a child registered on ``registered_on``, as field → message:
    the child is AGE_OF_MAJORITY (18) or older that day (DOMAIN.md: a person who has come of age is
    not registered as a new child). A birth in the future and an entry into care before the birth are
    the model's own rules (core.dates.validate_not_future, Child.clean)."""
    if birth_date is None:
        return {}
    adult_on = years_after(birth_date, majority())
    if registered_on >= adult_on:
        return {"birth_date": _("A child is under %(years)s: a person born on %(date)s came of age on %(adult)s and is "
                                "not registered as a child. Check the year of birth.")
                % {"years": majority(), "date": day_text(birth_date), "adult": day_text(adult_on)}}
    return {}

