"""The analyst's statistics page: one of stats' published indicators, broken down and filtered,
as a chart and a table with suppressed cells marked, and downloads in CSV and XLSX.

The page builds the same query string as the statistics API and passes it through the API's own
parser (stats.params.parse_request) and publisher (stats.release.published_statistics), so it
shows exactly what the API would answer, with the same disclosure control; the download links
are that API with ?format=csv or xlsx."""

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
from regions.models import Region
from stats.dimensions import AGE_BANDS, DIMENSIONS
from stats.indicators import INDICATORS
from web.charts import bar_chart
from web.forms import BLANK, add_domain_error
from web.views.common import roles_required

MAX_SERIES = 6
FILTERS = ("region", "sex", "age_band", "form_of_care", "carer_relationship", "end_reason", "outcome", "year_from", "year_to",
           "as_of")


class StatisticsForm(forms.Form):
    indicator = forms.ChoiceField(label=gettext_lazy("Indicator"))
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
        self.fields["indicator"].choices = [(i.name, i.title) for i in INDICATORS.values()]
        self.fields["breakdown"].choices = [(d.name, d.label) for d in DIMENSIONS.values()]
        self.fields["region"].choices = [("", _("the whole country"))] + [(r.code, r.name) for r in Region.objects.all()]

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


def _chart(result: dict) -> dict | None:
    """Bars of the indicator's headline measure (its first rate, else its first count) per row."""
    measures = result["measures"]
    headline = next((m for m in measures if m["kind"] == "rate"), None) or next((m for m in measures if m["kind"] == "count"), None)
    dims = result["breakdown"]
    if headline is None or not dims:
        return None

    def label(row: dict, dim: str) -> str:
        return str(_("Total") if row.get(dim) is None else (row.get(f"{dim}_label") or row[dim]))

    name = headline["name"]
    if len(dims) == 1:
        return {"chart": bar_chart([(label(r, dims[0]), [r[name]]) for r in result["rows"]], [headline["label"]]), "measure": headline}
    # Colours for the breakdown with fewer values, groups along the other one.
    levels = [list(dict.fromkeys(label(r, d) for r in result["rows"])) for d in dims]
    group_dim, series_dim = (0, 1) if len(levels[1]) <= len(levels[0]) else (1, 0)
    series = levels[series_dim]
    if len(series) > MAX_SERIES:
        # Too many colours to read either way: chart the first breakdown's totals.
        totals = [t for t in result["totals"] if t.get(dims[0]) is not None]
        return {"chart": bar_chart([(label(t, dims[0]), [t[name]]) for t in totals], [headline["label"]]), "measure": headline}
    by_group: dict[str, dict[str, object]] = {}
    for r in result["rows"]:
        by_group.setdefault(label(r, dims[group_dim]), {})[label(r, dims[series_dim])] = r[name]
    groups = [(group, [values.get(s) for s in series]) for group, values in by_group.items()]
    return {"chart": bar_chart(groups, series), "measure": headline}


@roles_required("analyst")
def statistics(request: HttpRequest) -> HttpResponse:
    from stats.params import parse_request
    from stats.release import published_statistics

    form = StatisticsForm(request.GET or None, initial={"indicator": "return_rate", "breakdown": ["year"]})
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
            chart = _chart(result)
            api = reverse("stats:indicator", kwargs={"indicator": indicator.name})
            downloads = {fmt: f"{api}?{query.urlencode()}{'&' if query else ''}format={fmt}" for fmt in ("csv", "xlsx")}
    context = {"form": form, "result": result, "chart": chart, "downloads": downloads, "last_suppressed": settings.STATS_SUPPRESSION_K - 1}
    if form.errors and status == 200:  # the form's own field errors
        status = 400
    return render(request, "web/statistics/statistics.html", context, status=status)
