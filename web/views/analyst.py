"""The analyst's statistics page: one of stats' published indicators, broken down and filtered,
as a chart and a table with suppressed cells marked, and downloads in CSV and XLSX.

The numbers come from stats.release.published_statistics, the same function the statistics API
answers with, so the page publishes nothing the API would not (small cells suppressed)."""

import datetime as dt

from django import forms
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from regions.models import Region
from stats.dimensions import DIMENSIONS
from stats.indicators import INDICATORS, QuerySpec
from web.charts import bar_chart
from web.views.common import roles_required

MAX_BREAKDOWNS = 2
MAX_SERIES = 6


def suppression_k() -> int:
    return int(getattr(settings, "STATS_SUPPRESSION_K", getattr(settings, "STATS_MIN_CELL", 10)))


class StatisticsForm(forms.Form):
    indicator = forms.ChoiceField(label=gettext_lazy("Indicator"))
    breakdown = forms.MultipleChoiceField(
        label=gettext_lazy("Break down by (at most two)"), required=False, widget=forms.CheckboxSelectMultiple,
    )
    region = forms.ModelChoiceField(label=gettext_lazy("Region"), required=False, queryset=Region.objects.all(),
                                    empty_label=gettext_lazy("the whole country"))
    year_from = forms.IntegerField(label=gettext_lazy("From year"), required=False, min_value=1990, max_value=2100)
    year_to = forms.IntegerField(label=gettext_lazy("To year"), required=False, min_value=1990, max_value=2100)
    as_of = forms.DateField(label=gettext_lazy("As of"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["indicator"].choices = [(i.name, i.title) for i in INDICATORS.values()]
        self.fields["breakdown"].choices = [(d.name, d.label) for d in DIMENSIONS.values()]

    def clean(self) -> dict:
        data = super().clean()
        indicator = INDICATORS.get(data.get("indicator", ""))
        breakdown = data.get("breakdown") or []
        if indicator is not None:
            unknown = [d for d in breakdown if d not in indicator.breakdowns]
            if unknown:
                self.add_error("breakdown", _("This indicator cannot be broken down by: %(dims)s.")
                               % {"dims": ", ".join(str(DIMENSIONS[d].label) for d in unknown)})
        if len(breakdown) > MAX_BREAKDOWNS:
            self.add_error("breakdown", _("Choose at most two breakdowns."))
        if data.get("year_from") and data.get("year_to") and data["year_from"] > data["year_to"]:
            self.add_error("year_to", _("The last year must not be before the first."))
        if data.get("as_of") and data["as_of"] > timezone.localdate():
            self.add_error("as_of", _("Choose a date that is not in the future."))
        return data

    def spec(self) -> QuerySpec:
        data = self.cleaned_data
        # Keep the breakdowns in the indicator's own order, so rows are the first of them.
        indicator = INDICATORS[data["indicator"]]
        breakdown = tuple(d for d in indicator.breakdowns if d in (data.get("breakdown") or []))
        return QuerySpec(
            indicator=indicator.name, breakdown=breakdown, as_of=data.get("as_of") or timezone.localdate(),
            regions=(data["region"].pk,) if data.get("region") else (),
            year_from=data.get("year_from"), year_to=data.get("year_to"),
        )


def _chart(result: dict) -> object | None:
    """Bars of the indicator's headline measure (its first rate, else its first count) per row."""
    measures = result["measures"]
    headline = next((m for m in measures if m["kind"] == "rate"), None) or next((m for m in measures if m["kind"] == "count"), None)
    if headline is None or not result["breakdown"]:
        return None
    dims = result["breakdown"]

    def label(row: dict, dim: str) -> str:
        return str(row.get(f"{dim}_label") or row.get(dim) or _("Total"))

    if len(dims) == 1:
        groups = [(label(r, dims[0]), [r[headline["name"]]]) for r in result["rows"]]
        return {"chart": bar_chart(groups, [headline["label"]]), "measure": headline}
    series_levels = list(dict.fromkeys(label(r, dims[1]) for r in result["rows"]))
    if len(series_levels) > MAX_SERIES:
        # Too many colours to read: chart the row totals instead.
        totals = [t for t in result["totals"] if t.get(dims[0]) is not None and t.get(dims[1]) is None]
        groups = [(label(t, dims[0]), [t[headline["name"]]]) for t in totals]
        return {"chart": bar_chart(groups, [headline["label"]]), "measure": headline}
    by_row: dict[str, dict[str, object]] = {}
    for r in result["rows"]:
        by_row.setdefault(label(r, dims[0]), {})[label(r, dims[1])] = r[headline["name"]]
    groups = [(row, [values.get(s) for s in series_levels]) for row, values in by_row.items()]
    return {"chart": bar_chart(groups, series_levels), "measure": headline}


def _download_links(request: HttpRequest) -> dict[str, str]:
    """Links to the statistics API with the same query and format=csv/xlsx."""
    try:
        base = reverse("stats-indicator", args=[request.GET.get("indicator")])
    except NoReverseMatch:
        base = reverse("web:statistics")
    params = request.GET.copy()
    links = {}
    for fmt in ("csv", "xlsx"):
        params["format"] = fmt
        links[fmt] = f"{base}?{params.urlencode()}"
    return links


@roles_required("analyst")
def statistics(request: HttpRequest) -> HttpResponse:
    form = StatisticsForm(request.GET or None, initial={"indicator": "return_rate", "breakdown": ["year"]})
    result = chart = None
    if form.is_bound and form.is_valid():
        from stats.release import published_statistics

        result = published_statistics(spec=form.spec(), suppress=True, k=suppression_k(), epsilon=None)
        chart = _chart(result)
    context = {
        "form": form, "result": result, "chart": chart, "downloads": _download_links(request) if result else None,
        "indicators": INDICATORS.values(), "k": suppression_k(), "today": timezone.localdate(),
        "year_now": dt.date.today().year,
    }
    return render(request, "web/analyst/statistics.html", context)
