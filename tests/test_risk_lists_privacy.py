"""Issue 14 (derived values carry their field's sensitivity), in the lists: the case list's risk badge
and risk filter and the supervisor dashboard's high-risk list and counts show a risk as the case page
does (risk.selectors.risk_as_seen / seen_risk). Without view_sensitive on a case, a risk that is high
only because of a sensitive factor (abuse or neglect, SDQ) reads as the band of the other factors, so
no badge, filter answer or count tells that the factor is there."""

import datetime as dt

import pytest
from django.urls import reverse

from access.services import share_case
from risk.models import PlacementRisk
from risk.selectors import risk_as_seen
from tests import factories
from web import selectors

pytestmark = pytest.mark.django_db

# 45 points from a sensitive factor: 50 in all (medium_from 30, high_from 55 in the default policy)
# reads 5, "low", without view_sensitive; with a safeguarding finding (which sets the band to high)
# it stays high for everyone.
ABUSE = {"factor": "abuse_or_neglect", "contribution": 45, "detail": "True"}
NON_KIN = {"factor": "non_kin", "contribution": 5, "detail": "none"}
HARM = {"factor": "last_visit_signs_of_harm", "contribution": 30, "detail": "True"}


@pytest.fixture
def risky(worker, supervisor):
    """Two placed cases of the worker, high-risk: one only through the sensitive factor, one also
    through a safeguarding finding; a colleague and a supervisor of another region hold view-only
    shares of both."""
    cases = []
    for factors, score in (([ABUSE, NON_KIN], 60), ([ABUSE, HARM, NON_KIN], 80)):
        case = factories.CaseFactory(assigned_worker=worker, responsible_unit=worker.unit, stage="placed")
        placement = factories.PlacementFactory(case=case, child=case.child,
                                               family=factories.FamilyFactory(responsible_unit=worker.unit))
        PlacementRisk.objects.create(placement=placement, score=score, band="high", factors=factors,
                                     computed_on=dt.date.today(), high_since=dt.date.today())
        cases.append(case)
    colleague = factories.UserFactory(unit=worker.unit)
    elsewhere = factories.UserFactory(role="supervisor",
                                      unit=factories.DistrictFactory(region=factories.region_by_code("astana")).parent)
    for case in cases:
        share_case(case=case, user=colleague, actor=supervisor)
        share_case(case=case, user=elsewhere, actor=supervisor)
    return {"abuse_only": cases[0], "forced": cases[1], "colleague": colleague, "elsewhere": elsewhere}


def _listed(client, user, **query) -> str:
    client.force_login(user)
    response = client.get(reverse("web:my-cases"), query)
    assert response.status_code == 200
    return response.content.decode()


def test_the_case_list_badge_and_filter_follow_what_a_view_only_share_may_see(client, worker, risky):
    abuse_only, forced = (f"/cases/{risky[k].pk}/" for k in ("abuse_only", "forced"))
    html = _listed(client, risky["colleague"])
    assert "Low · 15 points" in html and "High · 35 points" in html  # 60 - 45 and 80 - 45, the forced one still high
    high = _listed(client, risky["colleague"], risk="high")
    assert forced in high and abuse_only not in high
    assert abuse_only in _listed(client, risky["colleague"], risk="low")
    # The case page says the same as the list.
    seen = risk_as_seen(score=60, band="high", factors=[ABUSE, NON_KIN], sensitive=False)
    assert (seen.band, seen.score) == ("low", 15)
    # The assigned worker holds view_sensitive: the stored band and score.
    html = _listed(client, worker, risk="high")
    assert abuse_only in html and forced in html and "High · 60 points" in html


def test_the_dashboard_counts_and_lists_a_high_risk_only_as_the_supervisor_may_see_it(client, supervisor, risky):
    elsewhere = risky["elsewhere"]
    assert [r.placement.case_id for r in selectors.high_risk_placements(user=elsewhere)] == [risky["forced"].pk]
    assert [row["high"] for row in selectors.caseload(user=elsewhere)] == [1]
    client.force_login(elsewhere)
    html = client.get(reverse("web:dashboard")).content.decode()
    assert f"/cases/{risky['forced'].pk}/" in html and f"/cases/{risky['abuse_only'].pk}/" not in html
    # The case's own supervisor holds view_sensitive on both.
    assert {r.placement.case_id for r in selectors.high_risk_placements(user=supervisor)} == {
        risky["forced"].pk, risky["abuse_only"].pk}
    assert [row["high"] for row in selectors.caseload(user=supervisor)] == [2]
