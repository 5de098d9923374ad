"""A risk score is the sum of its factors' weights (risk.models.RiskWeight), with no upper bound:
the pages write it as points ("High · 105 points"), never a bare "High · 105" that reads as a score
out of 100 — on the case page, in the case list and on the supervisor's dashboard, in kk/ru/en."""

import datetime as dt

import pytest
from django.conf import settings

from risk.models import PlacementRisk
from tests import factories

pytestmark = pytest.mark.django_db

HARM = {"factor": "last_visit_signs_of_harm", "contribution": 30, "detail": "True"}
TEENAGER = {"factor": "age_at_placement", "contribution": 75, "detail": "15"}

SHOWN = {"en": "High · 105 points", "ru": "Высокий · 105 баллов", "kk": "Жоғары · 105 ұпай"}


@pytest.fixture
def case(worker):
    case = factories.CaseFactory(assigned_worker=worker, responsible_unit=worker.unit, stage="placed")
    placement = factories.PlacementFactory(case=case, child=case.child, family=factories.FamilyFactory(responsible_unit=worker.unit))
    PlacementRisk.objects.create(placement=placement, score=105, band="high", factors=[TEENAGER, HARM],
                                 computed_on=dt.date.today(), high_since=dt.date.today())
    return case


@pytest.mark.parametrize("language", ["en", "ru", "kk"])
def test_the_score_is_written_as_points_on_the_case_page_the_list_and_the_dashboard(client, worker, supervisor, case, language):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    pages = [(worker, f"/cases/{case.pk}/"), (worker, "/cases/"), (supervisor, "/unit/")]
    for user, page in pages:
        client.force_login(user)
        html = client.get(page).content.decode()
        assert SHOWN[language] in html, (language, page)
        assert "· 105<" not in html, (language, page)


def test_one_point_is_singular():
    from django.utils import translation

    from web.templatetags.web_tags import risk_points

    with translation.override("en"):
        assert risk_points(1) == "1 point" and risk_points(55) == "55 points"
    with translation.override("ru"):
        assert [risk_points(n) for n in (1, 3, 5, 21, 105)] == ["1 балл", "3 балла", "5 баллов", "21 балл", "105 баллов"]
