"""web.renderers.FastTemplates writes the common form templates in Python: the markup must be the
same as Django's own templates, character for character, for every kind of field the pages use."""

import datetime as dt

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils.safestring import mark_safe

from web.forms import DateInput
from web.renderers import FastTemplates


class Everything(forms.Form):
    text = forms.CharField(label="Name <b>", max_length=20, widget=forms.TextInput(attrs={"placeholder": 'a "quoted" <x>',
                                                                                        "autofocus": True, "data-off": False}))
    number = forms.IntegerField(label="How many?", required=False)
    email = forms.EmailField(required=False)
    password = forms.CharField(widget=forms.PasswordInput(render_value=True))
    hidden = forms.IntegerField(widget=forms.HiddenInput())
    date = forms.DateField(widget=DateInput(), required=False)
    plain_date = forms.DateField(required=False)
    flag = forms.BooleanField(required=False)
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    pick = forms.ChoiceField(choices=[("", "—"), ("a", "A & B"), ("b", mark_safe("<i>B</i>"))])
    grouped = forms.ChoiceField(choices=[("Group <1>", [("x", "X"), ("y", "Y")]), ("z", "Z")], required=False)
    many = forms.MultipleChoiceField(choices=[(1, "one"), (2, "two")], required=False)
    file = forms.FileField(required=False)


def _render(renderer: object, data: dict | None) -> list[str]:
    form = Everything(data, renderer=renderer, initial={"text": "O'Brien & Co", "date": dt.date(2026, 1, 2), "flag": True,
                                                         "notes": "line 1\nline <2>", "pick": "b", "grouped": "y",
                                                         "many": [2], "hidden": 7, "password": "secret"})
    if data is not None:
        form.is_valid()
    return [str(form[name]) + str(form[name].label_tag()) for name in form.fields] + [form.as_div()]


@pytest.mark.parametrize("data", [None, {"text": "<script>", "number": "x", "flag": "on", "pick": "zz", "many": ["1", "2"],
                                         "notes": "", "date": "2026-13-01"}])
def test_the_fast_renderer_writes_djangos_markup(data):
    assert _render(FastTemplates(), data) == _render(DjangoTemplates(), data)


@pytest.mark.parametrize("data", [None, {"text": "", "flag": "on", "pick": "zz"}])
def test_the_field_tag_writes_the_field_template(data):
    """web_tags.field (Python) and web/partials/field.html (the template it replaced, still used by
    includes): the same markup, but for the whitespace between tags."""
    import re

    from django import forms as django_forms
    from django.template.loader import render_to_string

    from web.templatetags.web_tags import field

    form = Everything(data)
    form.fields["number"].help_text = "Between 1 & 9"
    if data is not None:
        form.is_valid()

    def squeeze(html: str) -> str:
        return re.sub(r">\s+<", "><", html).strip()

    for name in form.fields:
        bound = form[name]
        template = render_to_string("web/partials/field.html", {
            "field": bound, "checkbox": isinstance(bound.field.widget, django_forms.CheckboxInput)})
        assert squeeze(field(bound)) == squeeze(template), name


@pytest.mark.django_db
@pytest.mark.parametrize("selected", [None, "first", "second"])
def test_a_long_select_of_a_models_rows_writes_djangos_select(region, selected):
    """web.forms.LongSelect with its choices read as (id, name) rows writes what it wrote from model
    instances, which is Django's Select over the same ModelChoiceField but for the blank space between
    the tags: the empty choice, names to escape, the selection."""
    import re

    from children.models import ChildrensHome
    from tests import factories
    from web.forms import long_select

    homes = [factories.ChildrensHomeFactory(name=name, region=region)
             for name in ("Дом <№1> & \"Сад\"", "Home 'B'", "Алматы балалар үйі №2")]
    value = {None: None, "first": homes[0].pk, "second": homes[2].pk}[selected]

    def rendered(label_field: object, fast: bool, renderer: object = None) -> str:
        field = forms.ModelChoiceField(queryset=ChildrensHome.objects.filter(region=region).order_by("name_ru", "id"),
                                       empty_label="— none <here> —", required=False)
        if fast:
            long_select(field, label_field=label_field)
        return field.widget.render("home", value, attrs={"id": "id_home"}, renderer=renderer)

    from_rows = rendered(ChildrensHome.name_in_language(), fast=True)
    assert from_rows == rendered(None, fast=True)
    django_select = rendered(None, fast=False, renderer=DjangoTemplates())
    assert re.sub(r">\s+<", "><", from_rows) == re.sub(r">\s+<", "><", django_select)
    assert from_rows.count("<option") == 4 and from_rows.count(" selected") == 1


def test_the_renderers_escape_is_djangos_conditional_escape():
    """web.renderers.conditional_escape (without Django's lazy wrapper) gives Django's text for plain,
    unsafe, safe, lazy and non-text values."""
    from django.utils.html import conditional_escape as django_escape
    from django.utils.translation import gettext_lazy

    from web.renderers import conditional_escape

    for value in ("plain", 'a "quoted" <x> & \'y\'', mark_safe("<i>safe</i>"), gettext_lazy("Filter"),
                  mark_safe(gettext_lazy("Filter")), 42, None, "Қазақ <тіл>"):
        assert conditional_escape(value) == str(django_escape(value)), value


def test_a_checkbox_label_has_no_colon_after_it(region):
    """The visit form said "The child was seen in person:" after its box, and so did every checklist
    item; a colon leads to a field, and a checkbox's label comes after it."""
    from web.forms import RecordVisitForm
    from web.templatetags.web_tags import field

    form = RecordVisitForm()
    html = field(form["check_child_healthy"])
    assert "receives medical care</label>" in html and "care:</label>" not in html
    assert "Date of the visit:</label>" in field(form["done_on"])
