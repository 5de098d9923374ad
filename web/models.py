"""The supervisors' dashboard figures, precomputed per organisational unit (web.figures).

A regional supervisor's dashboard sums the rows of their units instead of counting a whole
region's cases, placements and visits on the request (seconds at national scale: bench/README.md).
The rows are a cache of what web.selectors computes live: rebuilt by the task
``web.refresh_dashboard_figures`` (beat, every DASHBOARD_FIGURES_REFRESH_SECONDS, and after the
nightly risk scoring and the daily sweep) and, for the units a supervisor's own action changed
(a reassignment, a transfer, a decision), right after that action commits.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from core.dates import local


class UnitFigures(models.Model):
    """One unit's figures for the cases it is responsible for, as of ``computed_at``.

    Shapes (JSON, ids and counts only; names are read when the page is drawn):
    - ``caseload``: ``[[worker_id or null, open_cases, placed, at_decision, overdue, high], ...]``
      per assigned worker of the unit's open cases (overdue visits and high risks of active placements);
    - ``by_month``: ``{"YYYY-MM-01": [placements started, placements ended by a return]}``;
    - ``calibration``: ``{"start": {band: [placements, returned]}, "visits": {band: [assessments, returned]}}``;
    - ``oldest_overdue``: ``[[planned_on "YYYY-MM-DD", visit_id], ...]``, the unit's oldest overdue
      visits (up to DASHBOARD_FIGURES_LIST_LENGTH);
    - ``highest_risk``: ``[[score, placement_id], ...]``, its active placements at high risk, highest first.
    """

    unit = models.OneToOneField("accounts.OrganisationalUnit", on_delete=models.CASCADE, primary_key=True,
                                related_name="+")
    day = models.DateField(help_text=_("The day the overdue visits were counted for."))
    computed_at = models.DateTimeField()
    caseload = models.JSONField(default=list)
    by_month = models.JSONField(default=dict)
    calibration = models.JSONField(default=dict)
    oldest_overdue = models.JSONField(default=list)
    highest_risk = models.JSONField(default=list)

    class Meta:
        verbose_name = _("unit's dashboard figures")
        verbose_name_plural = _("units' dashboard figures")

    def __str__(self) -> str:
        return f"{self.unit_id} @ {local(self.computed_at):%Y-%m-%d %H:%M}"
