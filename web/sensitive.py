"""What a user may do with one case on the pages, by the access app's rules."""

from access.selectors import cases_editable_by, sensitive_case_ids
from accounts.models import User
from cases.models import Case


def can_view_sensitive(user: User, case: Case) -> bool:
    return case.pk in sensitive_case_ids(user, [case.pk])


def can_change(user: User, case: Case) -> bool:
    return cases_editable_by(user).filter(pk=case.pk).exists()
