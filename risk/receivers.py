"""The risk app's answers to the visits app's signals (connected in RiskConfig.ready)."""

import datetime as dt

from cases.models import Placement
from risk.models import RiskAssessment
from risk.services import recompute_risk


def assess_at_placement_start(*, placement: Placement, today: dt.date, **_: object) -> None:
    """The placement's first assessment: the band at placement start, which calibration reads."""
    recompute_risk(placement=placement, reason=RiskAssessment.Reason.PLACEMENT_START, today=today)


def assess_after_visit(*, visit: object, placement: Placement, today: dt.date, **_: object) -> None:
    recompute_risk(placement=placement, reason=RiskAssessment.Reason.VISIT, visit=visit, today=today)
