"""Kazakhstan's individual identification number (IIN).

Twelve digits: YYMMDD birth date, a century-and-sex digit (1/2: 1800s, 3/4: 1900s, 5/6: 2000s;
odd is male, even is female), a four-digit registration number and a check digit.
"""

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from core.dates import day_text

FIRST_WEIGHTS = tuple(range(1, 12))
SECOND_WEIGHTS = (3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2)
CENTURY_BY_DIGIT = {1: 1800, 2: 1800, 3: 1900, 4: 1900, 5: 2000, 6: 2000}


def check_digit(first_eleven: str) -> int | None:
    """The twelfth digit for these eleven, or None when no check digit exists (both sums give 10)."""
    digits = [int(c) for c in first_eleven]
    remainder = sum(w * d for w, d in zip(FIRST_WEIGHTS, digits, strict=True)) % 11
    if remainder == 10:
        remainder = sum(w * d for w, d in zip(SECOND_WEIGHTS, digits, strict=True)) % 11
    return None if remainder == 10 else remainder


def birth_date_and_sex(iin: str) -> tuple[dt.date, str]:
    """The birth date and sex ("M"/"F") encoded in a well-formed IIN. Raises ValueError otherwise."""
    digit = int(iin[6])
    if digit not in CENTURY_BY_DIGIT:
        raise ValueError("century digit")
    year = CENTURY_BY_DIGIT[digit] + int(iin[0:2])
    return dt.date(year, int(iin[2:4]), int(iin[4:6])), ("M" if digit % 2 else "F")


def validate_iin(iin: str) -> None:
    """Validate an IIN's form and check digit; the message says what is wrong."""
    if not isinstance(iin, str) or len(iin) != 12 or not iin.isdigit():
        raise ValidationError(_("An IIN is exactly 12 digits."), code="iin_format")
    if int(iin[6]) not in CENTURY_BY_DIGIT:
        raise ValidationError(
            _("The 7th digit of an IIN gives century and sex and must be 1 to 6."), code="iin_century"
        )
    try:
        birth_date_and_sex(iin)
    except ValueError:
        raise ValidationError(_("The first six digits of the IIN are not a valid date."), code="iin_date") from None
    if check_digit(iin[:11]) != int(iin[11]):
        raise ValidationError(_("The IIN's check digit is wrong; check the number for a typo."), code="iin_checksum")


def validate_iin_matches(iin: str, *, birth_date: dt.date | None, sex: str | None) -> dict[str, str]:
    """Field errors where a valid IIN disagrees with the recorded birth date or sex."""
    errors: dict[str, str] = {}
    encoded_date, encoded_sex = birth_date_and_sex(iin)
    if birth_date is not None and encoded_date != birth_date:
        errors["birth_date"] = _("The birth date does not match the IIN, which encodes %(date)s.") % {
            "date": day_text(encoded_date)
        }
    if sex is not None and sex and encoded_sex != sex:
        errors["sex"] = _("The sex does not match the IIN's 7th digit.")
    return errors


def make_iin(birth_date: dt.date, sex: str, serial: int) -> str | None:
    """Build a valid IIN (used by demo data and tests); None when this serial has no check digit."""
    century_digit = {1800: 1, 1900: 3, 2000: 5}[birth_date.year // 100 * 100] + (0 if sex == "M" else 1)
    first = f"{birth_date:%y%m%d}{century_digit}{serial % 10000:04d}"
    digit = check_digit(first)
    return None if digit is None else f"{first}{digit}"
