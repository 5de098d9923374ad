"""The analyst's statistics page: one of stats' published indicators, broken down and filtered,
as a chart and a table with suppressed cells marked, and downloads in CSV and XLSX.

The page builds the same query string as the statistics API and passes it through the API's own
parser (stats.params.parse_request) and publisher (stats.release.published_statistics), so it
shows exactly what the API would answer, with the same disclosure control; the download links
are that API with ?format=csv or xlsx."""

import datetime as dt

from django import forms
from django.conf import settings
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases.models import CaseOutcome, EndReason
from core.choices import CarerRelationship, FormOfCare, Sex
from core.dates import PAST_DATE
from core.exceptions import DomainError
from core.names import alphabetical
from regions.models import Region
from stats.dimensions import AGE_BANDS, DIMENSIONS
from stats.indicators import INDICATORS
from web.charts import NA, ChartValue, bar_chart, grid_chart, horizontal_bar_chart, labels_fit_under_bars
from web.forms import BLANK, add_domain_error
from web.views.common import roles_required

MAX_SERIES = 6
FILTERS = ("region", "sex", "age_band", "form_of_care", "carer_relationship", "end_reason", "outcome", "year_from", "year_to",
           "as_of")


class IndicatorSelect(forms.Select):
    """The indicators by the names that fit a phone's select (Indicator.label: the longest titles ran to
    700 px in kk and ru, cut at 375 px), each option with its full title as its ``title``; the result's
    heading says it in full too."""

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None) -> dict:
        option = super().create_option(name, value, label, selected, index, subindex=subindex, attrs=attrs)
        indicator = INDICATORS.get(str(value))
        if indicator is not None and str(indicator.label) != str(indicator.title):
            option["attrs"]["title"] = indicator.title
        return option


class StatisticsForm(forms.Form):
    indicator = forms.ChoiceField(label=gettext_lazy("Indicator"), widget=IndicatorSelect)
    breakdown = forms.MultipleChoiceField(label=gettext_lazy("Break down by"), required=False,
                                          widget=forms.CheckboxSelectMultiple)
    region = forms.ChoiceField(label=gettext_lazy("Region"), required=False)
    sex = forms.ChoiceField(label=gettext_lazy("Sex"), required=False, choices=BLANK + list(Sex.choices))
    age_band = forms.ChoiceField(label=gettext_lazy("Age band"), required=False,
                                 choices=BLANK + [(b[0], b[0]) for b in AGE_BANDS])
    form_of_care = forms.ChoiceField(label=gettext_lazy("Form of care"), required=False, choices=BLANK + list(FormOfCare.choices))
    carer_relationship = forms.ChoiceField(label=gettext_lazy("Carer's relationship to the child"), required=False,
                                           choices=BLANK + list(CarerRelationship.choices))
    end_reason = forms.ChoiceField(label=gettext_lazy("Why the placement ended"), required=False,
                                   choices=BLANK + list(EndReason.choices))
    outcome = forms.ChoiceField(label=gettext_lazy("Outcome"), required=False, choices=BLANK + list(CaseOutcome.choices))
    year_from = forms.IntegerField(label=gettext_lazy("From year"), required=False)
    year_to = forms.IntegerField(label=gettext_lazy("To year"), required=False)
    as_of = forms.DateField(validators=PAST_DATE, label=gettext_lazy("As of"), required=False,
                            widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["indicator"].choices = [(i.name, i.label) for i in INDICATORS.values()]
        self.fields["breakdown"].choices = [(d.name, d.label) for d in DIMENSIONS.values()]
        # In the reader's alphabet (the regions' own order is by their English names).
        regions = sorted(Region.objects.all(), key=lambda r: alphabetical(r.name))
        self.fields["region"].choices = [("", _("the whole country"))] + [(r.code, r.name) for r in regions]

    def clean(self) -> dict:
        """The breakdowns the indicator takes and the year range in order, said with the fields' and
        breakdowns' names in the reader's language (the API's messages name its parameters and codes:
        year_from, end_reason)."""
        cleaned = super().clean()
        indicator = INDICATORS.get(cleaned.get("indicator", ""))
        chosen = cleaned.get("breakdown") or []
        if indicator is not None and any(d not in indicator.breakdowns for d in chosen):
            self.add_error("breakdown", _("%(indicator)s cannot be broken down by %(refused)s; choose from: %(allowed)s.") % {
                "indicator": indicator.title,
                "refused": ", ".join(str(DIMENSIONS[d].label) for d in chosen if d not in indicator.breakdowns),
                "allowed": ", ".join(str(DIMENSIONS[d].label) for d in indicator.breakdowns),
            })
        year_from, year_to = cleaned.get("year_from"), cleaned.get("year_to")
        if year_from is not None and year_to is not None and year_from > year_to:
            self.add_error("year_from", _("The first year must not be after the last year."))
        return cleaned

    def api_query(self) -> QueryDict:
        """The statistics API's query string for what the user chose (filters the indicator does
        not take are left out rather than refused: the form shows them all)."""
        indicator = INDICATORS[self.cleaned_data["indicator"]]
        query = QueryDict(mutable=True)
        if self.cleaned_data["breakdown"]:
            query["breakdown"] = ",".join(self.cleaned_data["breakdown"])
        for name in FILTERS:
            value = self.cleaned_data.get(name)
            if value in (None, "") or name not in indicator.filters:
                continue
            query[name] = value.isoformat() if name == "as_of" else str(value)
        return query


def _regions_in_readers_alphabet(result: dict) -> dict:
    """The published result with its rows and totals in the reader's alphabet of the region names
    (core.names.alphabetical; the API's order is the region codes'), every other breakdown and the
    kinds of totals kept in their published order. Only for the page: the API and CSV keep theirs."""
    dims = result["breakdown"]
    if "region" not in dims:
        return result

    def ordered(rows: list[dict]) -> list[dict]:
        # A rank by first appearance keeps the published order of what is not a region name.
        ranks: dict[object, dict] = {d: {} for d in ("kind", *dims)}
        for row in rows:
            ranks["kind"].setdefault(tuple(row.get(d) is None for d in dims), len(ranks["kind"]))
            for d in dims:
                ranks[d].setdefault(row.get(d), len(ranks[d]))

        def key(row: dict) -> tuple:
            kind = ranks["kind"][tuple(row.get(d) is None for d in dims)]
            return (kind, *(alphabetical(str(row.get("region_label") or "")) if d == "region" else ranks[d][row.get(d)]
                            for d in dims))
        return sorted(rows, key=key)

    return result | {"rows": ordered(result["rows"]), "totals": ordered(result["totals"])}


def _bars(groups: list[tuple[str, list[ChartValue]]], series: list[str], *, whole: bool, unit: str) -> dict:
    """Vertical bars where every label fits under its bars (years), else horizontal bars with the
    labels on the left (20 regions, long Russian and Kazakh names). ``whole``: a count, its axis
    marked in whole numbers; ``unit``: written after every number ("%")."""
    if labels_fit_under_bars([label for label, _ in groups]):
        return {"kind": "bars", "chart": bar_chart(groups, series, whole=whole, unit=unit)}
    return {"kind": "hbars", "chart": horizontal_bar_chart(groups, series, whole=whole, unit=unit)}


def _unit(result: dict, measure: dict) -> str:
    """"%" for a rate per 100 (the return, re-entry, permanency and placed-within rates), else
    nothing (a count, moves per 1,000 days)."""
    indicator = INDICATORS[result["indicator"]]
    found = next((m for m in indicator.measures if m.name == measure["name"]), None)
    return "%" if found is not None and found.kind == "rate" and found.per == 100 else ""


def _chart(result: dict) -> dict | None:
    """The indicator's headline measure (its first rate, else its first count) drawn per row.

    One breakdown: a bar per value. Two: grouped bars, a colour per value of the breakdown with
    fewer values (at most MAX_SERIES, with a legend), else a shaded grid with a row per value of
    one and a column per value of the other (region × year). Shape: {"kind": "bars" | "hbars" |
    "grid", "chart": web.charts.Chart | HorizontalChart | GridChart, "measure": the measure's dict,
    "dimensions": the breakdowns' labels in the chart's order (what the reader sees where)}."""
    measures = result["measures"]
    headline = next((m for m in measures if m["kind"] == "rate"), None) or next((m for m in measures if m["kind"] == "count"), None)
    dims = result["breakdown"]
    if headline is None or not dims:
        return None

    def label(row: dict, dim: str) -> str:
        return str(_("Total") if row.get(dim) is None else (row.get(f"{dim}_label") or row[dim]))

    name, whole, unit = headline["name"], headline["kind"] == "count", _unit(result, headline)

    def value(row: dict) -> ChartValue:
        # None is hidden (✕) only where the row says so; else a rate of zero cases: not applicable ("—").
        given = row[name]
        return NA if given is None and name not in row.get("suppressed", ()) else given

    if len(dims) == 1:
        drawn = _bars([(label(r, dims[0]), [value(r)]) for r in result["rows"]], [headline["label"]], whole=whole,
                      unit=unit)
        return drawn | {"measure": headline, "dimensions": [result["dimensions"][dims[0]]]}
    levels = [list(dict.fromkeys(label(r, d) for r in result["rows"])) for d in dims]
    if min(len(level) for level in levels) > MAX_SERIES:
        # A grid: the breakdown with the longer names in the rows (regions), the other across (years, quarters).
        along, across = (0, 1) if max(map(len, levels[0])) >= max(map(len, levels[1])) else (1, 0)
    else:
        # Grouped bars along the breakdown with more values, a colour for each value of the other.
        along, across = (0, 1) if len(levels[1]) <= len(levels[0]) else (1, 0)
    values = {(label(r, dims[along]), label(r, dims[across])): value(r) for r in result["rows"]}
    order = [result["dimensions"][dims[along]], result["dimensions"][dims[across]]]
    if len(levels[across]) > MAX_SERIES:
        chart = grid_chart(levels[along], levels[across], values, unit=unit)
        return {"kind": "grid", "chart": chart, "measure": headline, "dimensions": order}
    groups = [(group, [values.get((group, s)) for s in levels[across]]) for group in levels[along]]
    return _bars(groups, levels[across], whole=whole, unit=unit) | {"measure": headline, "dimensions": order}


@roles_required("analyst")
def statistics(request: HttpRequest) -> HttpResponse:
    from stats.params import parse_request
    from stats.release import published_statistics

    # A first visit shows the headline indicator by year at once, not an empty page under the form.
    form = StatisticsForm(request.GET or QueryDict("indicator=return_rate&breakdown=year"))
    result = chart = downloads = None
    status = 200
    if form.is_bound and form.is_valid():
        indicator = INDICATORS[form.cleaned_data["indicator"]]
        query = form.api_query()
        try:
            spec, options = parse_request(indicator, query, request.user)
            result = published_statistics(spec=spec, suppress=options.suppress, k=settings.STATS_SUPPRESSION_K,
                                          epsilon=options.epsilon, user=request.user)
        except DomainError as error:
            add_domain_error(form, error)
            status = 503 if error.code == "unavailable" else 400  # this installation, not the input
        else:
            result = _regions_in_readers_alphabet(result)
            chart = _chart(result)
            api = reverse("stats:indicator", kwargs={"indicator": indicator.name})
            downloads = {fmt: f"{api}?{query.urlencode()}{'&' if query else ''}format={fmt}" for fmt in ("csv", "xlsx")}
    # The date the figures stand at, written in the reader's language like every other date of the pages
    # (the result keeps ISO 8601 for the API and the downloads).
    as_of = dt.date.fromisoformat(result["as_of"]) if result else None
    context = {"form": form, "result": result, "chart": chart, "downloads": downloads, "as_of": as_of,
               "last_suppressed": settings.STATS_SUPPRESSION_K - 1}
    if form.errors and status == 200:  # the form's own field errors
        status = 400
    return render(request, "web/statistics/statistics.html", context, status=status)
