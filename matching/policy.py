"""Matching weights: policy data, not literals in the query. Override any of them with the
MATCHING_WEIGHTS setting (a dict with the same keys)."""

from django.conf import settings

from core.choices import FormOfCare

DEFAULT_WEIGHTS: dict[str, float] = {
    "form_of_care_exact": 30,  # the family seeks exactly the case's form of care
    "form_of_care_compatible": 15,  # a close form (guardianship for a trusteeship case, etc.)
    "age_in_range": 20,  # child's age inside the family's accepted range
    "age_penalty_per_year": 5,  # points lost per year outside the range
    "sex_preferred": 10,  # the family prefers this sex
    "sex_any": 8,  # the family has no preference
    "siblings_accepted": 15,  # the family takes the whole sibling group still in care
    "health_accepted": 15,  # the family takes on the child's health needs
    "same_region": 10,
    "waiting_max": 10,  # points for the longest wait ...
    "waiting_cap_days": 730,  # ... reached after this many days since the application
}

# Family forms of care that can serve a case seeking a given form, besides the same form.
# (Relatives are not a form of care: a relative applies as guardian, trustee, adoptive or foster
# parent, and the placement records the relationship.)
COMPATIBLE_FORMS: dict[str, tuple[str, ...]] = {
    FormOfCare.GUARDIANSHIP: (FormOfCare.TRUSTEESHIP,),
    FormOfCare.TRUSTEESHIP: (FormOfCare.GUARDIANSHIP,),
    FormOfCare.FOSTER_FAMILY: (FormOfCare.PROFESSIONAL_FOSTER_FAMILY, FormOfCare.PATRONAGE),
    FormOfCare.PROFESSIONAL_FOSTER_FAMILY: (FormOfCare.FOSTER_FAMILY, FormOfCare.PATRONAGE),
    FormOfCare.PATRONAGE: (FormOfCare.FOSTER_FAMILY, FormOfCare.PROFESSIONAL_FOSTER_FAMILY),
    FormOfCare.ADOPTION: (),
}


def weights() -> dict[str, float]:
    return {**DEFAULT_WEIGHTS, **getattr(settings, "MATCHING_WEIGHTS", {})}
