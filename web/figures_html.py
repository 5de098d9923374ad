"""The supervisor's dashboard's region-wide figures as HTML (five tables, two charts), written in
Python once per cached set of figures and language (web.views.units).

Drawing them with a template (web/units/_figures.html until issue 18's cold follow-up) was ~95 ms
of a cold dashboard at national scale: 100 rows with a {% url %}, 51 risk-badge inclusion tags, a
date filter and a person filter each, and the two SVG charts' ~30 bars with five filters each
(bench/README.md). Here each row is one format_html, the case pages' address is reversed once, and
the markup, translations and date formats are those the template wrote (tests/test_dashboard_figures.py
compares the two).
"""

from collections.abc import Iterable
from typing import Any

from django.template.defaultfilters import capfirst, floatformat
from django.urls import reverse
from django.utils import dateformat, formats
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from web.charts import svg_bar_chart
from web.templatetags.web_tags import person, risk_points


def shown(figures: dict) -> dict:
    """The dashboard's figures (web.views.units._figures: precomputed or live) with the lists and the
    caseload reduced to plain values, what the page shows and the cache keeps: pickling their ~150
    model instances was ~8 ms of a cold dashboard at national scale and unpickling them ~4 ms of a
    warm one. Nothing here depends on the language. Rows: ``overdue`` ``{"id", "planned_on",
    "case_id", "child", "worker"}``; ``high`` ``{"placement_id", "case_id", "child", "band", "score",
    "high_since", "worker"}`` (band and score as the user may see them); ``caseload`` ``{"worker_id"
    (None: not assigned), "worker" (name), "worker_active", "open_cases", "placed", "overdue",
    "high", "waiting"}``. Names as every page writes them (web_tags.person, Child.__str__)."""
    caseload = []
    for row in figures["caseload"]:
        worker = row["worker"]
        caseload.append({
            "worker_id": worker.pk if worker else None, "worker": person(worker) if worker else "",
            "worker_active": worker.is_active if worker else True,
            **{key: row[key] for key in ("open_cases", "placed", "overdue", "high", "waiting")},
        })
    return {
        **figures,
        "overdue": [{"id": v.pk, "planned_on": v.planned_on, "case_id": v.placement.case_id,
                     "child": str(v.placement.child), "worker": person(v.placement.case.assigned_worker)}
                    for v in figures["overdue"]],
        "high": [{"placement_id": r.placement_id, "case_id": r.placement.case_id, "child": str(r.placement.child),
                  "band": r.seen_band, "score": r.seen_score, "high_since": r.high_since,
                  "worker": person(r.placement.case.assigned_worker)}
                 for r in figures["high"]],
        "caseload": caseload,
    }


def _case_url() -> Any:
    """A function of a case's number giving its page's address: reverse() once, not per row."""
    head, _sentinel, tail = reverse("web:case", args=[0]).rpartition("/0/")
    return lambda pk: f"{head}/{pk}/{tail}"


def _day_text() -> Any:
    """core.dates.day_text for dates, with the language's format looked up once, not per row."""
    short = formats.get_format("SHORT_DATE_FORMAT")
    return lambda day: dateformat.format(day, short)


class _Badges:
    """web/partials/risk_badge.html (the risk_badge tag) per band and score, each drawn once; an
    unknown or missing band reads "not assessed". The template's closing newline is kept: the page
    is the same, byte for byte."""

    def __init__(self) -> None:
        from risk.models import Band

        self.labels = {value: str(label) for value, label in Band.choices}
        self.drawn: dict[tuple, SafeString] = {}

    def __call__(self, band: str | None, score: int | None = None) -> SafeString:
        if (band, score) not in self.drawn:
            label = self.labels.get(band) or _("not assessed")
            self.drawn[band, score] = (
                format_html('<span class="badge {}" title="{}">{}</span>\n', band or "none", label, capfirst(label))
                if score is None else
                format_html('<span class="badge {}" title="{}">{} · {}</span>\n', band or "none", label, capfirst(label),
                            risk_points(score)))
        return self.drawn[band, score]


def _rate(value: float | None) -> str:
    return "—" if value is None else floatformat(value, 1)


def _join(rows: Iterable[str]) -> SafeString:
    return mark_safe("".join(rows))  # each row escaped by format_html


def _overdue_rows(overdue: list[dict], case_url: Any, day: Any) -> SafeString:
    if not overdue:
        return format_html('<tr><td colspan="3" class="muted">{}</td></tr>', _("No overdue visit."))
    return _join(
        format_html('\n        <tr><td>{}</td><td><a href="{}">{}</a></td><td>{}</td></tr>\n      ',
                    day(v["planned_on"]), case_url(v["case_id"]), v["child"], v["worker"])
        for v in overdue
    )


def _high_rows(high: list[dict], case_url: Any, day: Any, badge: _Badges) -> SafeString:
    if not high:
        return format_html('<tr><td colspan="4" class="muted">{}</td></tr>', _("No high-risk placement."))
    return _join(
        format_html('\n        <tr><td><a href="{}">{}</a></td><td>{}</td><td>{}</td><td>{}</td></tr>\n      ',
                    case_url(r["case_id"]), r["child"], badge(r["band"], r["score"]),
                    day(r["high_since"]) if r["high_since"] else "—", r["worker"])
        for r in high
    )


def _caseload_rows(caseload: list[dict]) -> SafeString:
    if not caseload:
        return format_html('<tr><td colspan="6" class="muted">{}</td></tr>', _("No open case."))
    my_cases = reverse("web:my-cases")
    needs_new = format_html(' <span class="badge overdue">{}</span>', _("needs a new worker"))
    unassigned = format_html('<a href="{}?needs_worker=on"><em>{}</em></a>', my_cases, _("not assigned"))
    rows = []
    for row in caseload:
        if row["worker_id"]:
            who = format_html('<a href="{}?worker={}&amp;open_only=on">{}</a>{}', my_cases, row["worker_id"],
                              row["worker"], "" if row["worker_active"] else needs_new)
        else:
            who = unassigned
        rows.append(format_html(
            '\n        <tr><td>{}</td>\n          <td class="num">{}</td><td class="num">{}</td><td class="num">{}</td>'
            '<td class="num">{}</td><td class="num">{}</td></tr>\n      ',
            who, row["open_cases"], row["placed"], row["overdue"], row["high"], row["waiting"]))
    return _join(rows)


def _calibration_rows(calibration: list[dict], badge: _Badges) -> SafeString:
    return _join(
        format_html('<tr><td>{}</td><td class="num">{}</td><td class="num">{}</td><td class="num">{}</td>'
                    '<td class="num">{}</td><td class="num">{}</td></tr>',
                    badge(r["band"]), r["ended"], r["returned"], _rate(r["rate"]), r["visits"],
                    _rate(r["visit_rate"]))
        for r in calibration
    )


FRAME = """
<div class="grid">
  <section class="card">
    <h2>{overdue_title}</h2>
    <div class="table-scroll"><table>
      <thead><tr><th>{planned_on}</th><th>{child}</th><th>{worker}</th></tr></thead>
      <tbody>{overdue_rows}</tbody>
    </table></div>
    {overdue_more}
  </section>
  <section class="card">
    <h2>{high_title}</h2>
    <div class="table-scroll"><table>
      <thead><tr><th>{child}</th><th>{risk}</th><th>{high_since}</th><th>{worker}</th></tr></thead>
      <tbody>{high_rows}</tbody>
    </table></div>
    {high_more}
  </section>
</div>

<div class="spaced">
  <section class="card" id="caseload-card">
    <h2>{caseload_title}</h2>
    <div class="table-scroll"><table id="caseload">
      <thead><tr><th>{worker}</th>{caseload_head}</tr></thead>
      <tbody>{caseload_rows}</tbody>
    </table></div>
  </section>
  <section class="card calibration" id="calibration">
    <h2>{calibration_title}</h2>
    <p class="small muted">{calibration_note}</p>
    {calibration_chart}
    <div class="table-scroll"><table>
      <thead><tr><th>{band}</th>{calibration_head}</tr></thead>
      <tbody>{calibration_rows}</tbody>
    </table></div>
  </section>
</div>

<section class="card spaced">
  <h2>{month_title}</h2>
  {month_chart}
  <div class="table-scroll"><table class="small">
    <thead><tr><th>{month}</th>{months}</tr></thead>
    <tbody>
      <tr><td>{placements}</td>{placements_cells}</tr>
      <tr><td>{returns}</td>{returns_cells}</tr>
    </tbody>
  </table></div>
</section>
"""


def draw_figures(*, overdue: list, overdue_more: bool, high: list, high_more: bool, caseload: list[dict],
                 calibration: list[dict], calibration_chart: Any, by_month: list[dict], month_chart: Any) -> SafeString:
    """The figures' part of the dashboard in the current language. ``overdue``, ``high``,
    ``caseload``: the rows of shown() (the first LIST_LIMIT of the lists); ``calibration``:
    web.views.units._calibration's rows; ``by_month``: ``{"month", "placements", "returns"}``; the
    charts: web.charts.Chart."""
    case_url, day, badge = _case_url(), _day_text(), _Badges()
    calibration_title, month_title = _("Calibration of the risk score"), _("Placements and returns by month")
    texts = {
        "overdue_title": _("Overdue visits"), "planned_on": _("Planned on"), "child": _("Child"),
        "worker": _("Social worker"), "high_title": _("High-risk placements"), "risk": _("Risk of return"),
        "high_since": _("High since"), "caseload_title": _("Caseload per social worker"),
        "open_cases": _("Open cases"), "placed": _("Placed"), "high_risk": _("High risk"),
        "at_decision": _("At decision"), "calibration_title": calibration_title,
        "calibration_note": _("Share of ended placements that ended in a return, by the risk band at placement start "
                              "and at each visit."),
        "band": _("Band"), "ended": _("Ended placements"), "returned": _("Returned"), "at_start": _("at start"),
        "visits": _("Visits"), "at_visits": _("at visits"), "month_title": month_title, "month": _("Month"),
        "placements": _("Placements"), "returns": _("Returns"),
    }
    parts = {name: conditional_escape(text) for name, text in texts.items()}
    # {% blocktranslate %} wrote the translation as it is (only its number escaped).
    more = '<p class="small muted">{}</p>'
    number_column = '<th class="num">{}</th>'
    parts.update(
        caseload_head=_join(format_html(number_column, parts[name])
                            for name in ("open_cases", "placed", "overdue_title", "high_risk", "at_decision")),
        calibration_head=_join(format_html(number_column, text) for text in (
            parts["ended"], parts["returned"], mark_safe(f"% {parts['at_start']}"), parts["visits"],
            mark_safe(f"% {parts['at_visits']}"))),
        overdue_rows=_overdue_rows(overdue, case_url, day),
        overdue_more=format_html(more, mark_safe(ngettext(
            "The %(n)s oldest; there are more.", "The %(n)s oldest; there are more.", len(overdue)) % {"n": len(overdue)}))
        if overdue_more else "",
        high_rows=_high_rows(high, case_url, day, badge),
        high_more=format_html(more, mark_safe(ngettext(
            "The %(n)s highest score; there are more.", "The %(n)s highest scores; there are more.", len(high)) % {"n": len(high)}))
        if high_more else "",
        caseload_rows=_caseload_rows(caseload),
        calibration_chart=svg_bar_chart(calibration_chart, calibration_title),
        calibration_rows=_calibration_rows(calibration, badge),
        month_chart=svg_bar_chart(month_chart, month_title),
        months=_join(format_html(number_column, formats.date_format(r["month"], "m.y")) for r in by_month),
        placements_cells=_join(format_html('<td class="num">{}</td>', r["placements"]) for r in by_month),
        returns_cells=_join(format_html('<td class="num">{}</td>', r["returns"]) for r in by_month),
    )
    return mark_safe(FRAME.format(**parts))  # every part escaped above
