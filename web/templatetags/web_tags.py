"""Small helpers of the page templates: form rows with their errors, risk badges, the unread count."""

import re

from django import forms, template
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.urls import Resolver404, resolve
from django.utils import translation
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from cases.wording import stage_reason

register = template.Library()


@register.simple_tag
def field(bound: forms.BoundField) -> str:
    """One form field with its label and, right below it, its errors (the markup of
    web/partials/field.html, written here: a template per field was a good part of a form page's
    time, bench/bench_record_pages.py)."""
    checkbox = isinstance(bound.field.widget, forms.CheckboxInput)
    errors = bound.errors
    if isinstance(bound.field.widget, forms.RadioSelect):
        return _radio_field(bound)
    classes = "form-row" + (" checkbox" if checkbox else "") + (" has-error" if errors else "")
    widget, label = str(bound), str(checkbox_label(bound) if checkbox else bound.label_tag())
    parts = [format_html('<div class="{}">\n  ', classes),
             mark_safe(f"{widget} {label}" if checkbox else f"{label}{widget}")]
    parts.extend(_help_and_errors(bound))
    parts.append(mark_safe("\n</div>"))
    return mark_safe("".join(parts))


def _help_and_errors(bound: forms.BoundField) -> list[str]:
    """A field's help text and its errors (the list the widget's aria-describedby names), as HTML parts."""
    parts = []
    if bound.help_text:
        parts.append(format_html('\n  <div class="small muted">{}</div>', bound.help_text))
    if bound.errors:
        parts.append(format_html('\n  <ul class="errorlist" id="{}_errors">{}</ul>', bound.auto_id,
                                 format_html_join("", "<li>{}</li>", ((e,) for e in bound.errors))))
    return parts


def _radio_field(bound: forms.BoundField) -> str:
    """A yes/no question answered by radio buttons: a fieldset whose legend is the question (a label
    names one input; the legend names the group), its errors below, tied to the group."""
    errors = bound.errors
    described = format_html(' aria-describedby="{}_errors"', bound.auto_id) if errors else ""
    parts = [format_html('<fieldset class="form-row radio{}" id="{}_row"{}>\n  <legend>{}</legend>\n  {}',
                         " has-error" if errors else "", bound.auto_id, described, bound.label, str(bound))]
    parts.extend(_help_and_errors(bound))
    parts.append(mark_safe("\n</fieldset>"))
    return mark_safe("".join(parts))


@register.filter(name="long_text")
def long_text_filter(text: str | None) -> str:
    """A free text with its line breaks, clamped with "Read all" when long (core.text.long_text)."""
    from core.text import long_text

    return long_text(text)


@register.filter
def errors_above(form: forms.BaseForm) -> list[str]:
    """The errors a form shows above its fields: its own (non-field) errors, then those of fields with
    no visible input to stand beside: hidden fields (``expected_version``: "changed by someone else")
    and the fields named in the form's ``errors_above`` (a choice made with the submit buttons)."""
    if not form or not form.is_bound:
        return []
    errors = [str(e) for e in form.non_field_errors()]
    names = [b.name for b in form.hidden_fields()] + list(getattr(form, "errors_above", ()))
    return errors + [str(e) for name in names if name in form.fields for e in form.errors.get(name, ())]


@register.filter
def checkbox_label(bound: forms.BoundField) -> str:
    """A checkbox's label, written after its box, without the form's suffix: "The child was seen in
    person", not "The child was seen in person:" (a colon leads to a field, not away from one)."""
    return bound.label_tag(label_suffix="")


@register.simple_tag(takes_context=True)
def unread_notifications(context: dict, user: object) -> int:
    """The user's unread notifications (the header's count). A view that read the signed-in user's
    count with its own statement passes it as ``unread_count`` (web.views.cases: "My cases")."""
    if not getattr(user, "is_authenticated", False):
        return 0
    known = context.get("unread_count")
    request = context.get("request")
    if known is not None and request is not None and getattr(request, "user", None) is user:
        return known
    from notifications.selectors import unread_count

    return unread_count(user)


def risk_points(score: float) -> str:
    """A risk score as every page writes it, "105 points": the score is the sum of its factors'
    weights (risk.models.RiskWeight), with no upper bound and the bands from RiskBands (by default
    medium from 30, high from 55), so a bare "High · 105" read as a score out of 100."""
    # A score computed on the page (a sum of weights) may come as a float or Decimal; plural forms
    # are chosen by whole numbers only (gettext refuses a float), and a score is one.
    points = round(score)
    return ngettext("%(n)s point", "%(n)s points", points) % {"n": points}


@register.inclusion_tag("web/partials/risk_badge.html")
def risk_badge(band: str | None, score: int | None = None) -> dict:
    from risk.models import Band

    labels = dict(Band.choices)
    return {"band": band or "none", "label": labels.get(band, _("not assessed")), "score": score,
            "points": None if score is None else risk_points(score)}


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


# A stage change's reason in the reader's language: the pages' timeline and the case-file PDF word it alike.
register.filter("stage_reason", stage_reason)


@register.filter
def suspension_reason(family: object) -> str:
    """Why ``family`` (a Family) is suspended, in the reader's language (families.reasons); "" for none."""
    from families.reasons import suspension_text

    return suspension_text(family) if family else ""


@register.filter
def suspended_until(family: object) -> str:
    """``family``'s suspension with what lifts it, in the reader's language ("The family's approval is
    suspended until a carers' check that passes: …"; families.reasons.suspended_until_text); "" for none."""
    from families.reasons import suspended_until_text

    return suspended_until_text(family) if family else ""


@register.filter
def approval_not_in_force(family: object, on: object) -> str:
    """Why ``family``'s approval, approved and in date, is not in force on ``on`` (its home study or
    training certificate missing or expired: families.services.approval_not_in_force), in the reader's
    language; "" when it is in force."""
    from families.services import approval_not_in_force as text

    return text(family, on) if family else ""


@register.filter
def approval_not_in_force_short(family: object, on: object) -> str:
    """approval_not_in_force as a list's badge ("not in force: home study missing or expired")."""
    from families.services import approval_not_in_force as text

    return text(family, on, short=True) if family else ""


# The action a page's form stands for, by URL name, for history rows whose reason is the request
# line that wrote them (audit.models.AuditedHistoricalRecords stores "POST /families/new/").
_ACTIONS = {
    "family-new": gettext_lazy("Family registration"),
    "family-edit": gettext_lazy("Family record edited"),
    "family-approval-request": gettext_lazy("Approval requested"),
    "family-approval-decide": gettext_lazy("Approval decided"),
    "family-change": gettext_lazy("Change in the family recorded"),  # a death, a departure or a failed carers' check
    "family-carer-check": gettext_lazy("Passed carers' check recorded"),
    "child-new": gettext_lazy("Child registration"),
    "child-edit": gettext_lazy("Child record edited"),
    "child-sibling-add": gettext_lazy("Joined a sibling group"),
    "child-sibling-leave": gettext_lazy("Left the sibling group"),
    "child-document-upload": gettext_lazy("Document uploaded"),
    "family-document-upload": gettext_lazy("Document uploaded"),
    "case-document-upload": gettext_lazy("Document uploaded"),
    "case-move": gettext_lazy("Stage changed"),
    "case-matching": gettext_lazy("Matching"),
    "case-acquaintance": gettext_lazy("Family chosen for acquaintance"),
    "visit-record": gettext_lazy("Visit recorded"),
    "visit-unscheduled": gettext_lazy("Unscheduled visit recorded"),
    "placement-end": gettext_lazy("Placement ended"),
    "placement-convert": gettext_lazy("Converted to trusteeship"),
    "placement-move": gettext_lazy("Moved to another family"),
    "case-reentry": gettext_lazy("Back in care"),
    "case-reassign": gettext_lazy("Case reassigned"),
    "cases-reassign": gettext_lazy("Case reassigned"),
    "case-transfer": gettext_lazy("Case transferred"),
    "decision-review": gettext_lazy("Decision reviewed"),
}
_REQUEST_LINE = re.compile(r"^(GET|POST|PUT|PATCH|DELETE) (/\S*)$")


def _stored_reason(text: str) -> str:
    """A reason a service wrote untranslated in the reader's language: a message id alone
    (access.services.REASSIGNED_REASON, "Imported from the registry file.", the visits' reasons) or
    with its values (children.services' *_REASON); any other text as it is."""
    from children.services import DUPLICATES_CONFIRMED_REASON, LEFT_SIBLING_GROUP_REASON, SIBLING_GROUP_REASON

    translated = _(text)
    if translated != text:
        return translated
    for pattern, message in (
        (r"^Sibling group (?P<id>\d+)$", SIBLING_GROUP_REASON),
        (r"^Removed from sibling group (?P<id>\d+)$", LEFT_SIBLING_GROUP_REASON),
        (r"^Registered despite possible duplicates: (?P<reason>.*)$", DUPLICATES_CONFIRMED_REASON),
    ):
        found = re.match(pattern, text, re.S)
        if found:
            return _(message) % found.groupdict()
    return text


@register.filter
def history_reason(text: str | None) -> str:
    """A history row's reason as a person reads it: a reason someone gave is shown as given; a
    request line ("POST /families/2192/approval/request/") becomes the action's name in the reader's
    language, "through the API" or "in the administration", else nothing."""
    if not text:
        return ""
    match = _REQUEST_LINE.match(text)
    if match is None:
        return _stored_reason(text)
    path = match[2]
    if path.startswith("/api/"):
        return str(_("Through the API"))
    if path.startswith("/admin/"):
        return str(_("In the administration"))
    try:
        name = resolve(path).url_name
    except Resolver404:
        return ""
    return str(_ACTIONS.get(name, ""))


# (model, field, language) -> {stored value: its label translated, as text}
_CHOICE_LABELS: dict[tuple[type, str, str | None], dict] = {}


def choice_label(obj: object, field_name: str) -> object:
    """The label of a model field's stored choice (``get_<field>_display()``, "" for a blank value)
    in the current language, from a dictionary built once per field and language: Django's
    get_FIELD_display rebuilds and hashes the whole choice list on every call, a tenth of the case
    page's time for its ~200 labels, and a lazy label is translated again each time it is written
    (bench/bench_record_pages.py). A value outside the choices is returned as it is."""
    model = obj.__class__  # the model's class also through a lazy object (the template's request user)
    key = (model, field_name, translation.get_language())
    labels = _CHOICE_LABELS.get(key)
    if labels is None:
        labels = _CHOICE_LABELS[key] = {value: str(label) for value, label in model._meta.get_field(field_name).flatchoices}
    value = getattr(obj, field_name)
    return labels.get(value, value if value is not None else "")


@receiver(setting_changed)
def _forget_choice_labels(**kwargs: object) -> None:
    """Tests that change the languages (override_settings) start from an empty memory."""
    _CHOICE_LABELS.clear()


@register.filter
def choice(obj: object, field_name: str) -> object:
    """``{{ visit|choice:"kind" }}``: as ``{{ visit.get_kind_display }}``, faster (choice_label)."""
    return choice_label(obj, field_name)


@register.filter
def nav_current(section: str) -> str:
    """A header link's attributes from what its page put in the section's block: ``"active"`` marks
    the current section, for the eye (the class) and for screen readers (``aria-current``)."""
    section = str(section).strip()
    if not section:
        return ""
    return format_html(' class="{}" aria-current="page"', section)


@register.simple_tag(takes_context=True)
def site_header(context: template.Context) -> str:
    """base.html's ``<header>``: drawn once per role, language and section, the request's own values
    put in (web.header.header_html)."""
    from web.header import header_html

    return header_html(context)


@register.simple_tag
def chart_svg(chart: object, title: str) -> str:
    """The SVG of horizontal bars (web.charts.HorizontalChart: the statistics' regions, and every
    bar chart's phone drawing), written by web.charts.svg_horizontal_chart, the one drawing of them."""
    from web.charts import svg_horizontal_chart

    return svg_horizontal_chart(chart, title)


@register.filter
def chart_number(value: float, unit: str = "") -> str:
    """A chart's number with its unit (web.charts.number): "12.5%"."""
    from web.charts import number

    return number(value, unit)
