"""What a user may do with one case on the pages, by the access app's rules."""

from access.selectors import cases_editable_by, sensitive_case_ids
from accounts.models import User
from cases.models import Case


def can_view_sensitive(user: User, case: Case) -> bool:
    """Whether ``user`` holds view_sensitive on ``case``: as read with the case for this user
    (``may_view_sensitive``, web.selectors.visible_case_or_none), else asked (one query)."""
    known = getattr(case, "may_view_sensitive", None)
    if known is not None and getattr(case, "rights_of", None) == user.pk:
        return bool(known)
    return case.pk in sensitive_case_ids(user, [case.pk])


def can_change(user: User, case: Case) -> bool:
    """Whether ``user`` may change ``case``: as read with the case for this user (``may_change``,
    web.selectors.visible_case_or_none), else asked (one query)."""
    known = getattr(case, "may_change", None)
    if known is not None and getattr(case, "rights_of", None) == user.pk:
        return bool(known)
    return cases_editable_by(user).filter(pk=case.pk).exists()
