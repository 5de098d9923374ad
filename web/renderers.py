"""The form renderer of every form: Django's templates, with the few templates every form field goes
through written in Python (bench/bench_record_pages.py: Django renders each field through three or
four small templates, input + attrs + label, and one template per <option>: most of a form page's time
at national scale, 28 fields taking a third of the case page).

The markup is Django's own, character for character, for the templates handled here (Django 5.2's
django/forms/templates); any other template, or a project override of one, goes through Django."""

import html
from collections.abc import Callable

from django.forms.renderers import DjangoTemplates
from django.utils.safestring import SafeString, mark_safe


def conditional_escape(value: object) -> str:
    """django.utils.html.conditional_escape's text (safe text as it is, anything else through
    html.escape, as django.utils.html.escape does) without its lazy-text wrapper and SafeString: it
    runs for each value of each <option> (a regional supervisor's case list: ~150 workers' options)."""
    if hasattr(value, "__html__"):
        return value.__html__()
    return html.escape(str(value))


def _attrs(attrs: dict) -> str:
    # django/forms/widgets/attrs.html: False leaves the attribute out, True writes its name alone.
    if not attrs:
        return ""
    return "".join(
        f" {conditional_escape(name)}" if value is True else f' {conditional_escape(name)}="{conditional_escape(str(value))}"'
        for name, value in attrs.items() if value is not False
    )


def _input(context: dict) -> str:
    widget = context["widget"]
    value = "" if widget["value"] is None else f' value="{conditional_escape(str(widget["value"]))}"'
    kind, name = conditional_escape(widget["type"]), conditional_escape(widget["name"])
    return f'<input type="{kind}" name="{name}"{value}{_attrs(widget["attrs"])}>'


def _textarea(context: dict) -> str:
    widget = context["widget"]
    value = conditional_escape(widget["value"]) if widget["value"] else ""
    return f'<textarea name="{conditional_escape(widget["name"])}"{_attrs(widget["attrs"])}>\n{value}</textarea>'


def _option(option: dict) -> str:
    return (f'<option value="{conditional_escape(str(option["value"]))}"{_attrs(option["attrs"])}>'
            f'{conditional_escape(option["label"])}</option>\n')  # the template's own trailing newline


def _select(context: dict) -> str:
    widget = context["widget"]
    parts = [f'<select name="{conditional_escape(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, group_choices, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{conditional_escape(group_name)}">')
        for option in group_choices:
            if option["template_name"] != "django/forms/widgets/select_option.html":
                return ""  # a custom option template: Django renders the whole select
            parts.append(f"\n  {_option(option)}")
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return "".join(parts)


def _label(context: dict) -> str:
    if not context["use_tag"]:
        return conditional_escape(context["label"])
    tag = context["tag"]
    return f"<{tag}{_attrs(context['attrs'])}>{conditional_escape(context['label'])}</{tag}>"


_INPUTS = ("text", "number", "email", "url", "password", "hidden", "date", "datetime", "time", "checkbox", "search", "tel",
           "color", "input", "file")
FAST: dict[str, Callable[[dict], str]] = {
    **{f"django/forms/widgets/{name}.html": _input for name in _INPUTS},
    "django/forms/widgets/textarea.html": _textarea,
    "django/forms/widgets/select.html": _select,
    "django/forms/label.html": _label,
}


class FastTemplates(DjangoTemplates):
    """DjangoTemplates, with FAST's templates written in Python."""

    def render(self, template_name: str, context: dict, request: object = None) -> SafeString:
        fast = FAST.get(template_name)
        if fast is not None:
            html = fast(context)
            if html:
                return mark_safe(html)
        return super().render(template_name, context, request)
