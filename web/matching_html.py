"""The matching page's table of ranked families written in Python.

Twenty rows of eight cells each, every number through ``floatformat`` and every factor's reason
behind its own number (a ``<details>``: a tap, Enter or Space opens it, no script), and the
paragraph of reasons under the table: through the template this was a good part of the
page's time at national scale (bench/README.md, "Matching"). The markup is the template's own,
character for character (tests/fixtures/matching_template.html keeps the template as it was; the
test renders both), in every language: the same translations, number and date formats, escaping.
"""

from django.template.defaultfilters import date as date_filter
from django.template.defaultfilters import floatformat
from django.urls import reverse
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from cases.models import Case


def candidate_rows(
    *, case: Case, candidates: list, factor_names: list[tuple[str, str]], editable: bool, csrf_token: str
) -> list[dict]:
    """The table's rows, one per candidate (matching.selectors.Candidate, each factor with its
    ``label``): ``{"candidate", "html", "why"}``, ``html`` the ``<tr>`` (a cell per ``(name, label)``
    of ``factor_names``, "—" for a factor left out) and ``why`` the paragraph of reasons. ``editable``:
    each row has the form choosing the family for acquaintance, posting ``csrf_token``. Each cell
    carries its column's heading (``data-label``), shown before it when a phone stacks the row as a card."""
    anonymous = conditional_escape(_("anonymous profile: the family belongs to another unit"))
    choose = conditional_escape(_("Choose for acquaintance"))
    action = reverse("web:case-acquaintance", args=[case.pk])
    csrf = format_html('<input type="hidden" name="csrfmiddlewaretoken" value="{}">', csrf_token)
    family_number = _("Family № %(n)s")
    family_head, _s, family_tail = reverse("web:family", args=[0]).rpartition("/0/")
    # The few distinct values of a page formatted once each: points, regions, forms of care, the
    # factors' labels (lazy translations) and the reasons (the same phrase recurs across families).
    numbers: dict[float, str] = {}
    regions: dict[int, str] = {}
    forms: dict[str, str] = {}
    labels: dict[str, str] = {}
    escaped: dict[str, str] = {}

    def escape_once(text: str) -> str:
        if text not in escaped:
            escaped[text] = conditional_escape(text)
        return escaped[text]

    def label(factor: dict) -> str:
        if factor["factor"] not in labels:
            labels[factor["factor"]] = conditional_escape(factor["label"])
        return labels[factor["factor"]]

    def one_decimal(value: float) -> str:
        if value not in numbers:
            numbers[value] = floatformat(value, 1)
        return numbers[value]

    # The columns' headings, as the table's head writes them (matching.html); the last column has none.
    heads = {name: conditional_escape(text) for name, text in (("number", "#"), ("family", _("Family")),
                                                               ("score", _("score")), ("applied", _("Applied on")))}
    column = {name: conditional_escape(text) for name, text in factor_names}
    missing = {name: SafeString(f'<td class="num" data-label="{column[name]}">—</td>') for name, _text in factor_names}
    rows = []
    for number, candidate in enumerate(candidates, 1):
        family = candidate.family
        points = {factor["factor"]: factor for factor in candidate.factors}
        # Every part escaped (escape_once) or a number (floatformat): the joined cells are safe.
        cells = mark_safe("".join(
            # Each factor's reason on its own: the number opens it (the summary names the factor for a
            # screen reader, the column's head being out of sight on a phone's card).
            f'<td class="num" data-label="{column[name]}"><details class="why"><summary>'
            f'<span class="sr-only">{column[name]}: </span>{one_decimal(factor["points"])}</summary>'
            f'<span class="reason">{escape_once(factor["explanation"])}</span></details></td>'
            if factor else missing[name]
            for name, factor in ((name, points.get(name)) for name, _text in factor_names)
        ))
        # The name under the number; none for a family with no applicant left, whose name is its number.
        if not candidate.name:
            name = format_html('<span class="muted">{}</span>', anonymous)
        else:
            name = conditional_escape(candidate.name) if family.named_by_applicants else ""
        if editable:
            choice = format_html(
                '\n        <form method="post" action="{}">{}\n          <input type="hidden" name="family" value="{}">\n'
                '          <button type="submit" class="secondary">{}</button>\n        </form>\n      ',
                action, csrf, family.pk, choose,
            )
        else:
            choice = ""
        html = format_html(
            '\n    <tr{}>\n      <td data-label="{}">{}</td>\n      <td data-label="{}">{}\n        {}\n'
            '        <div class="small muted">{} · {}</div></td>\n      <td class="num" data-label="{}"><strong>{}</strong></td>\n'
            '      {}\n      <td data-label="{}">{}</td>\n      <td>{}</td>\n    </tr>\n  ',
            mark_safe(' class="chosen"') if case.decision_family_id == family.pk else "", heads["number"], number,
            heads["family"],
            # {% blocktranslate %} wrote the translation as it is, only its number escaped.
            # A named family is one the user sees (matching.selectors.identified_family_ids): linked to its page.
            format_html('<a href="{}/{}/{}">{}</a>', family_head, family.pk, family_tail, mark_safe(family_number % {"n": family.pk}))
            if candidate.name else mark_safe(family_number % {"n": family.pk}), name,
            regions.get(family.region_id) or regions.setdefault(family.region_id, str(family.region)),
            forms.get(family.form_of_care) or forms.setdefault(family.form_of_care, family.get_form_of_care_display()),
            heads["score"], one_decimal(candidate.score), cells, heads["applied"],
            date_filter(family.applied_on, "SHORT_DATE_FORMAT"), choice,
        )
        why = format_html(
            "<p><strong>№&nbsp;{}</strong>: {}</p>", family.pk,
            mark_safe("; ".join(
                f'{label(factor)} {one_decimal(factor["points"])} ({escape_once(factor["explanation"])})'
                for factor in candidate.factors
            )),
        )
        rows.append({"candidate": candidate, "html": html, "why": why})
    return rows
