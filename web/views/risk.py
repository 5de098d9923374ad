"""The risk score against history: the supervisors' calibration page, read from the last stored
backtest (``manage.py evaluate_risk --backtest``), never recomputed on a request."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from risk.models import Band
from risk.selectors import latest_backtest
from web.charts import bar_chart
from web.views.common import roles_required

GOAL_RETURNS_FLAGGED = 0.70  # issue 19: at least 70% of returns flagged 60 days ahead ...
GOAL_PLACEMENTS_FLAGGED = 0.20  # ... while at most 20% of placements are flagged


def _percent(value: float | None) -> float | None:
    return None if value is None else round(value * 100, 2)


@roles_required("supervisor")
def risk_backtest(request: HttpRequest) -> HttpResponse:
    backtest = latest_backtest()
    context: dict = {"backtest": backtest}
    if backtest is not None:
        labels = dict(Band.choices)
        horizons = []
        for horizon in sorted({c["horizon"] for c in backtest.calibration}):
            rows = [{**c, "label": labels.get(c["band"], c["band"]), "observed_pct": _percent(c["observed"]),
                     "predicted_pct": _percent(c["predicted"])}
                    for c in backtest.calibration if c["horizon"] == horizon]
            horizons.append({
                "days": horizon, "rows": rows,
                "chart": bar_chart([(str(r["label"]), [r["predicted_pct"], r["observed_pct"]]) for r in rows],
                                   [_("predicted, %"), _("observed, %")], width=420, mark_suppressed=False, unit="%"),
            })
        thresholds = [{**t, "placements_pct": _percent(t["placements_flagged"]), "returns_pct": _percent(t["returns_flagged_early"]),
                       "current": t["high_from"] == backtest.policy.get("high_from")} for t in backtest.thresholds]
        early, flagged = backtest.share_of_returns_flagged_early, backtest.share_of_placements_flagged
        context.update({
            "horizons": horizons, "thresholds": thresholds,
            "returns_pct": _percent(early), "placements_pct": _percent(flagged),
            "goal_met": early is not None and flagged is not None and early >= GOAL_RETURNS_FLAGGED
            and flagged <= GOAL_PLACEMENTS_FLAGGED,
            "goal_returns_pct": round(GOAL_RETURNS_FLAGGED * 100), "goal_placements_pct": round(GOAL_PLACEMENTS_FLAGGED * 100),
        })
    return render(request, "web/risk/backtest.html", context)
