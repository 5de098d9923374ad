"""What a user may do with one case on the pages, by the access app's rules."""

from django.db.models import BooleanField, Exists, OuterRef, QuerySet, Value

from access.selectors import cases_editable_by, sensitive_case_ids, sensitive_case_rows
from accounts.models import User
from cases.models import Case


def _exists(rows: QuerySet[Case]) -> Exists | Value:
    # An empty queryset (an administrator, an analyst) compiles to no SQL: a constant instead.
    return Value(False, output_field=BooleanField()) if rows.query.is_empty() else Exists(rows.filter(pk=OuterRef("pk")))


def with_case_rights(cases: QuerySet[Case], user: User) -> QuerySet[Case]:
    """The cases with what this user may do with each, in the same query as the rows (the case page
    asked each in a query of its own): ``may_change`` (cases_editable_by) and ``may_view_sensitive``
    (view_sensitive: sensitive_case_ids' rule), read by can_change and can_view_sensitive."""
    return cases.annotate(may_change=_exists(cases_editable_by(user)), may_view_sensitive=_exists(sensitive_case_rows(user)))


def can_view_sensitive(user: User, case: Case) -> bool:
    known = getattr(case, "may_view_sensitive", None)
    if known is not None and getattr(case, "rights_of", None) == user.pk:
        return bool(known)
    return case.pk in sensitive_case_ids(user, [case.pk])


def can_change(user: User, case: Case) -> bool:
    known = getattr(case, "may_change", None)
    if known is not None and getattr(case, "rights_of", None) == user.pk:
        return bool(known)
    return cases_editable_by(user).filter(pk=case.pk).exists()
