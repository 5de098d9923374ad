"""Small helpers of the page templates: form rows with their errors, risk badges, the unread count."""

from django import forms, template
from django.utils.translation import gettext as _

register = template.Library()


@register.inclusion_tag("web/partials/field.html")
def field(bound: forms.BoundField) -> dict:
    """One form field with its label and, right below it, its errors."""
    return {"field": bound, "checkbox": isinstance(bound.field.widget, forms.CheckboxInput)}


@register.simple_tag
def unread_notifications(user: object) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    from notifications.models import Notification

    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


@register.inclusion_tag("web/partials/risk_badge.html")
def risk_badge(band: str | None, score: int | None = None) -> dict:
    from risk.models import Band

    labels = dict(Band.choices)
    return {"band": band or "none", "label": labels.get(band, _("not assessed")), "score": score}


@register.simple_tag
def cell_label(row: dict, dimension: str) -> str:
    """A published row's label for one dimension; "Total" where the row sums over it."""
    if row.get(dimension) is None:
        return _("Total")
    return str(row.get(f"{dimension}_label") or row[dimension])


@register.simple_tag
def cell_value(row: dict, measure: str) -> object:
    return row.get(measure)


@register.filter
def person(user: object) -> str:
    """A user's name, written the same way on every page: first and last name, else the username."""
    if user is None or not getattr(user, "pk", None):
        return "—"
    return user.get_full_name() or user.username
