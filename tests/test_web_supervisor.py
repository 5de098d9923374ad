"""The supervisor's dashboard: overdue visits, high-risk placements, decisions to approve,
caseload and the charts."""

import datetime as dt

import pytest
from django.core.cache import caches
from django.urls import reverse
from django.utils import timezone

from cases.models import DecisionStatus, Stage
from cases.services import transition_case
from risk.models import PlacementRisk
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def decision_case(worker):
    """A case of the supervisor's unit waiting for the decision's approval."""
    case = factories.CaseFactory(assigned_worker=worker, responsible_unit=worker.unit, stage=Stage.ACQUAINTANCE,
                                 form_of_care="adoption", child__last_name="Serikova")
    family = factories.FamilyFactory(form_of_care="adoption")
    return transition_case(case=case, to_stage=Stage.DECISION, actor=worker, family=family)


def test_dashboard_is_for_supervisors_only(client, worker, analyst):
    client.force_login(worker)
    assert client.get(reverse("web:dashboard")).status_code == 403
    client.force_login(analyst)
    assert client.get(reverse("web:dashboard")).status_code == 403


def test_supervisor_lands_on_the_dashboard_after_signing_in(client, supervisor):
    response = client.post(reverse("web:login"), {"username": supervisor.username, "password": "pass-for-tests-1"})
    assert response["Location"] == reverse("web:home")
    assert client.get(reverse("web:home"))["Location"] == reverse("web:dashboard")


def test_dashboard_lists_overdue_visits_high_risk_placements_and_caseload(client, supervisor, worker):
    case = factories.CaseFactory(assigned_worker=worker, responsible_unit=worker.unit, stage=Stage.PLACED,
                                 child__last_name="Omarov")
    placement = factories.PlacementFactory(case=case)
    factories.VisitFactory(placement=placement, planned_on=timezone.localdate() - dt.timedelta(days=3))
    PlacementRisk.objects.create(placement=placement, score=70, band="high", factors=[], computed_on=timezone.localdate())
    astana_case = factories.CaseFactory(stage=Stage.PLACED, child__last_name="Faraway",
                                        child__region=factories.region_by_code("astana"))
    elsewhere = factories.PlacementFactory(case=astana_case)
    factories.VisitFactory(placement=elsewhere, planned_on=timezone.localdate() - dt.timedelta(days=3))
    client.force_login(supervisor)
    response = client.get(reverse("web:dashboard"))
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count("Omarov") == 2  # overdue visit and high-risk placement
    assert "Faraway" not in html
    assert worker.last_name in html
    # The worker's name written as on every other page (web_tags.person): first name, then last.
    assert f"{worker.first_name} {worker.last_name}</a>" in html
    assert f"{worker.last_name} {worker.first_name}" not in html
    assert "<svg" in html


def test_supervisor_approves_a_decision_from_the_dashboard(client, supervisor, decision_case):
    client.force_login(supervisor)
    page = client.get(reverse("web:dashboard"))
    assert b"Serikova" in page.content
    response = client.post(reverse("web:decision-review", args=[decision_case.pk]),
                           {"approve": "1", "reason": "", "expected_version": decision_case.version}, follow=True)
    decision_case.refresh_from_db()
    assert decision_case.decision_status == DecisionStatus.APPROVED
    assert decision_case.decision_reviewed_by == supervisor
    assert f"Decision on case №\u00a0{decision_case.pk} approved.".encode() in response.content


def test_the_decisions_waiting_carry_their_version_and_cost_no_query_per_case(client, supervisor, worker, decision_case):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(supervisor)
    with CaptureQueriesContext(connection) as one:
        html = client.get(reverse("web:dashboard")).content.decode()
    version = f'<input type="hidden" name="expected_version" value="{decision_case.version}" id="id_expected_version">'
    assert version in html and "Serikova" in html and f"Family №\u00a0{decision_case.decision_family_id}" in html
    assert f"{worker.first_name} {worker.last_name}" in html
    for name in ("Abenov", "Nurlanova"):
        case = factories.CaseFactory(assigned_worker=worker, responsible_unit=worker.unit, stage=Stage.ACQUAINTANCE,
                                     form_of_care="adoption", child__last_name=name)
        transition_case(case=case, to_stage=Stage.DECISION, actor=worker, family=factories.FamilyFactory(form_of_care="adoption"))
    caches["dashboard"].clear()
    with CaptureQueriesContext(connection) as three:
        html = client.get(reverse("web:dashboard")).content.decode()
    assert "Abenov" in html and "Nurlanova" in html and html.count('name="expected_version"') == 3
    assert len(three) == len(one)


def test_rejecting_without_a_reason_shows_the_error_next_to_the_reason(client, supervisor, decision_case):
    client.force_login(supervisor)
    response = client.post(reverse("web:decision-review", args=[decision_case.pk]),
                           {"approve": "0", "reason": "", "expected_version": decision_case.version})
    assert response.status_code == 400
    assert b"Say why the decision is rejected." in response.content
    # The refused row keeps its form (the version sent back); the others are drawn from their case.
    assert f'name="expected_version" value="{decision_case.version}"'.encode() in response.content
    decision_case.refresh_from_db()
    assert decision_case.decision_status == DecisionStatus.PENDING


def test_the_reason_box_says_when_it_is_required_in_a_label_not_a_cut_off_placeholder(client, supervisor, decision_case):
    client.force_login(supervisor)
    html = client.get(reverse("web:dashboard"), HTTP_ACCEPT_LANGUAGE="kk").content.decode()
    box = f"reason-{decision_case.pk}"
    assert f'<label for="{box}">Себебі (қабылдамағанда міндетті)</label>' in html
    assert f'<textarea name="reason" rows="1" id="{box}">' in html  # no placeholder: the label above says it


def test_a_supervisor_of_another_region_cannot_review_the_decision(client, decision_case):
    other = factories.UserFactory(role="supervisor", unit=factories.DistrictFactory(region=factories.region_by_code("astana")).parent)
    client.force_login(other)
    response = client.post(reverse("web:decision-review", args=[decision_case.pk]), {"approve": "1"})
    assert response.status_code == 404
    decision_case.refresh_from_db()
    assert decision_case.decision_status == DecisionStatus.PENDING


def test_placements_and_returns_chart_counts_by_month(client, supervisor, worker):
    case = factories.CaseFactory(assigned_worker=worker, responsible_unit=worker.unit, stage=Stage.PLACED)
    factories.PlacementFactory(case=case, started_on=timezone.localdate())
    client.force_login(supervisor)
    response = client.get(reverse("web:dashboard"))
    by_month = response.context["by_month"]
    assert by_month[-1]["placements"] == 1
    assert sum(r["placements"] for r in by_month) == 1


def _unit_with_high_risk_overdue_placements(worker, n, start):
    for i in range(n):
        case = factories.CaseFactory(assigned_worker=worker, responsible_unit=worker.unit, stage=Stage.PLACED,
                                     child__birth_date=dt.date(2014, 3, 1) + dt.timedelta(days=start + i))
        placement = factories.PlacementFactory(case=case)
        factories.VisitFactory(placement=placement, planned_on=timezone.localdate() - dt.timedelta(days=2))
        PlacementRisk.objects.create(placement=placement, score=70, band="high", factors=[], computed_on=timezone.localdate())


def test_dashboard_runs_a_constant_number_of_queries(client, supervisor, worker):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(supervisor)
    _unit_with_high_risk_overdue_placements(worker, 2, 0)
    with CaptureQueriesContext(connection) as small:
        client.get(reverse("web:dashboard"))
    _unit_with_high_risk_overdue_placements(worker, 8, 10)
    caches["dashboard"].clear()  # the figures are cached for a few minutes; count a first opening again
    with CaptureQueriesContext(connection) as large:
        response = client.get(reverse("web:dashboard"))
    assert len(response.context["overdue"]) == 10
    assert len(response.context["high"]) == 10
    assert len(large) == len(small)
    with CaptureQueriesContext(connection) as cached:
        again = client.get(reverse("web:dashboard"))
    assert len(cached) < len(large)
    assert [v["id"] for v in again.context["overdue"]] == [v["id"] for v in response.context["overdue"]]


def test_the_cached_figures_are_drawn_once_per_language_and_follow_new_figures(client, supervisor, worker):
    _unit_with_high_risk_overdue_placements(worker, 2, 0)
    client.force_login(supervisor)
    english = client.get(reverse("web:dashboard")).content.decode()
    russian = client.get(reverse("web:dashboard"), HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert "Caseload per social worker" in english and 'id="caseload-card"' in russian
    assert "Caseload per social worker" not in russian
    assert client.get(reverse("web:dashboard")).content.decode().count('id="caseload-card"') == 1
    _unit_with_high_risk_overdue_placements(worker, 1, 10)
    newest = str(PlacementRisk.objects.latest("pk").placement.child)
    assert newest not in english
    caches["dashboard"].clear()  # new figures (as after DASHBOARD_CACHE_SECONDS): drawn anew
    assert newest in client.get(reverse("web:dashboard")).content.decode()


def test_the_supervisors_own_reassignment_drops_the_cached_figures(client, supervisor, worker):
    colleague = factories.UserFactory(unit=worker.unit, last_name="Seitkali")
    case = factories.CaseFactory(assigned_worker=worker, responsible_unit=worker.unit, stage=Stage.AVAILABLE)
    client.force_login(supervisor)
    before = {r["worker_id"]: r["open_cases"] for r in client.get(reverse("web:dashboard")).context["caseload"]}
    assert before == {worker.pk: 1}
    client.post(reverse("web:cases-reassign"), {"case": [case.pk], "workers": [colleague.pk]})
    after = {r["worker_id"]: r["open_cases"] for r in client.get(reverse("web:dashboard")).context["caseload"]}
    assert after == {colleague.pk: 1}


def test_dashboard_says_there_are_more_overdue_visits_than_listed(client, supervisor, worker, monkeypatch):
    from web.views import units as dashboard_view

    monkeypatch.setattr(dashboard_view, "LIST_LIMIT", 2)
    _unit_with_high_risk_overdue_placements(worker, 3, 0)
    client.force_login(supervisor)
    html = client.get(reverse("web:dashboard")).content.decode()
    assert '<div class="n">2+</div>' in html
    assert "The 2 oldest; there are more." in html


def test_calibration_shows_returns_by_band_at_placement_start(client, supervisor, worker):
    from cases.services import end_placement
    from risk.services import recompute_risk

    case = factories.CaseFactory(assigned_worker=worker, responsible_unit=worker.unit, stage=Stage.PLACED)
    placement = factories.PlacementFactory(case=case, started_on=timezone.localdate() - dt.timedelta(days=100))
    recompute_risk(placement=placement, reason="placement_start")
    band = placement.risk_assessments.get().band
    end_placement(placement=placement, ended_on=timezone.localdate(), end_reason="returned", return_reason="family_conflict",
                  actor=worker, home=case.child.current_home)
    client.force_login(supervisor)
    rows = {r["band"]: r for r in client.get(reverse("web:dashboard")).context["calibration"]}
    assert (rows[band]["ended"], rows[band]["returned"], rows[band]["rate"]) == (1, 1, 100.0)
    assert all(r["ended"] == 0 for b, r in rows.items() if b != band)


def test_oldest_overdue_visits_are_those_not_done_before_today_on_active_placements_in_sight(supervisor, worker):
    from web.selectors import overdue_visits

    today = timezone.localdate()

    def placement(**case):
        made = factories.CaseFactory(assigned_worker=worker, responsible_unit=worker.unit, stage=Stage.PLACED, **case)
        return factories.PlacementFactory(case=made, child=made.child)

    first, second = placement(), placement()
    oldest = factories.VisitFactory(placement=second, planned_on=today - dt.timedelta(days=40))
    older = factories.VisitFactory(placement=first, planned_on=today - dt.timedelta(days=20))
    recent = factories.VisitFactory(placement=second, planned_on=today - dt.timedelta(days=1))
    factories.VisitFactory(placement=first, planned_on=today)  # due today: not overdue yet
    factories.VisitFactory(placement=first, planned_on=today - dt.timedelta(days=30), done_on=today, worker=worker)
    ended = placement()
    factories.VisitFactory(placement=ended, planned_on=today - dt.timedelta(days=90))
    ended.ended_on, ended.end_reason = today, "permanency"
    ended.save()
    elsewhere = factories.PlacementFactory(case=factories.CaseFactory(
        stage=Stage.PLACED, child__region=factories.region_by_code("astana")))
    factories.VisitFactory(placement=elsewhere, planned_on=today - dt.timedelta(days=99))
    assert overdue_visits(user=supervisor, limit=10, today=today) == [oldest, older, recent]
    assert overdue_visits(user=supervisor, limit=2, today=today) == [oldest, older]
    assert overdue_visits(user=worker, limit=10, today=today) == [oldest, older, recent]


def test_the_supervisors_case_list_is_titled_for_the_unit_not_as_their_own(client, supervisor):
    client.force_login(supervisor)
    html = client.get(reverse("web:my-cases")).content.decode()
    assert "<title>Cases of the unit · Otbasy</title>" in html
    assert "<h1>Cases of the unit" in html
    assert "My cases" not in html


@pytest.mark.parametrize("language", ["en", "ru"])
def test_the_decision_rows_written_in_python_are_those_the_template_wrote(rf, supervisor, worker, decision_case, language):
    """web.views.units._decision_rows writes the decisions' rows in Python: the page is the one the
    template wrote (kept as tests/fixtures/dashboard_template.html), also with a refused decision's
    form and its errors, which the template still draws."""
    from pathlib import Path

    from django.template import engines
    from django.template.loader import render_to_string
    from django.utils import translation

    from web.forms import DecisionReviewForm
    from web.views.units import _dashboard_context, _figures_html

    other = factories.CaseFactory(assigned_worker=worker, responsible_unit=worker.unit, stage=Stage.ACQUAINTANCE,
                                  form_of_care="guardianship", child__last_name="O'Neil <b>")
    transition_case(case=other, to_stage=Stage.DECISION, actor=worker, family=factories.FamilyFactory(form_of_care="guardianship"))
    old = engines["django"].from_string((Path(__file__).parent / "fixtures" / "dashboard_template.html").read_text())
    request = rf.get(reverse("web:dashboard"))
    request.user = supervisor
    refused = DecisionReviewForm({"approve": "0", "reason": "", "expected_version": decision_case.version})
    assert refused.is_valid()
    refused.add_error("reason", "Give a reason to reject.")  # as approve_decision's DomainError does
    with translation.override(language):
        for forms in (None, {decision_case.pk: refused}):
            context = _dashboard_context(request, forms)
            context["figures_html"] = _figures_html(supervisor, context)
            assert [item["html"] is None for item in context["waiting"]] == [bool(forms), False]
            page = render_to_string("web/units/dashboard.html", context, request)
            assert page == old.render(context, request)
            assert f'id="decision-{other.pk}"' in page and "O&#x27;Neil &lt;b&gt;" in page
