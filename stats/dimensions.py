"""The ways a statistic can be broken down or filtered, and the SQL that computes each one.

Every dimension is computed in the database from the counted record's *event date* (the date the
indicator is about: entry, placement start, snapshot date...) and the child's birth date, so that
ages are always "age at the event" and dates are only ever released as years or quarters.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from cases.models import CaseOutcome, EndReason
from core.choices import CarerRelationship, FormOfCare, Sex

# Age bands of the published statistics (DOMAIN: 0–2, 3–6, 7–10, 11–14, 15–17). A child recorded
# past 17 (a youth home) falls into "18+" rather than disappearing from the totals.
AGE_BANDS: tuple[tuple[str, int, int], ...] = (("0-2", 0, 2), ("3-6", 3, 6), ("7-10", 7, 10), ("11-14", 11, 14), ("15-17", 15, 17))
OVER_AGE_BAND = "18+"

# Value of form_of_care for a child in care who is not in a family placement at the date.
NO_FAMILY_PLACEMENT = "none"


@dataclass(frozen=True)
class Dimension:
    name: str
    label: str


DIMENSIONS: dict[str, Dimension] = {
    d.name: d
    for d in (
        Dimension("region", _("region of the child's registration")),
        Dimension("year", _("calendar year of the event")),
        # Said by an example, not a pattern: "YYYY-Qn" came out as "ЖЖЖЖ-Qn" / "ГГГГ-Qn" (a Cyrillic
        # pattern around a Latin Q) on the Kazakh and Russian pages. The values stay "2024-Q1" (format_quarter).
        Dimension("quarter", _("calendar quarter of the event (2024-Q1 is January to March 2024)")),
        Dimension("form_of_care", _("form of care")),
        Dimension("carer_relationship", _("carer's relationship to the child (not a relative, grandparent, ...)")),
        Dimension("age_band", _("age band at the event (0-2, 3-6, 7-10, 11-14, 15-17)")),
        Dimension("sex", _("sex")),
        Dimension("end_reason", _("why the placement ended")),
        Dimension("outcome", _("outcome of the closed case")),
    )
}


def age_band_sql(event: str, birth: str) -> str:
    age = f"date_part('year', age({event}, {birth}))"
    whens = " ".join(f"WHEN {age} <= {high} THEN '{name}'" for name, _low, high in AGE_BANDS)
    return f"(CASE {whens} ELSE '{OVER_AGE_BAND}' END)"


def dimension_sql(name: str, *, event: str, birth: str, extra: dict[str, str]) -> str:
    """The SQL expression of a dimension for one indicator's source: the source's own column where
    it has one (a snapshot may hold a dimension precomputed), else computed from the event date."""
    if name in extra:
        return extra[name]
    if name == "year":
        return f"EXTRACT(YEAR FROM {event})::int"
    if name == "quarter":
        # One integer per quarter (20231 for 2023-Q1): cheap to group, formatted on the way out.
        return f"(EXTRACT(YEAR FROM {event})::int * 10 + EXTRACT(QUARTER FROM {event})::int)"
    if name == "age_band":
        return age_band_sql(event, birth)
    if name == "region":
        return "c.region_id"
    if name == "sex":
        return "c.sex"
    raise KeyError(name)


def category_values(name: str) -> list[str]:
    """All values a categorical dimension can take, in the order tables show them."""
    if name == "sex":
        return list(Sex.values)
    if name == "age_band":
        return [band[0] for band in AGE_BANDS]
    if name == "form_of_care":
        return list(FormOfCare.values)
    if name == "carer_relationship":
        return list(CarerRelationship.values)
    if name == "end_reason":
        return list(EndReason.values)
    if name == "outcome":
        return list(CaseOutcome.values)
    raise KeyError(name)


def value_label(name: str, value: object, region_names: dict[int, tuple[str, str]]) -> str:
    """A human label for one dimension value (region name, form of care...)."""
    if name == "region":
        return region_names[value][1] if value in region_names else str(value)
    choices = {
        "sex": Sex,
        "form_of_care": FormOfCare,
        "carer_relationship": CarerRelationship,
        "end_reason": EndReason,
        "outcome": CaseOutcome,
    }.get(name)
    if choices is not None:
        if name == "form_of_care" and value == NO_FAMILY_PLACEMENT:
            return str(_("no family placement (in an institution)"))
        return str(dict(choices.choices).get(value, value))
    if name == "quarter":
        return format_quarter(int(value))
    return str(value)


def format_quarter(value: int) -> str:
    return f"{value // 10}-Q{value % 10}"


def parse_quarter(text: str) -> int:
    year, _sep, quarter = text.partition("-Q")
    number = int(year) * 10 + int(quarter)
    if not 1 <= int(quarter) <= 4:
        raise ValueError(text)
    return number
