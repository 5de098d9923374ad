"""Issue 18 (speed): the supervisor's dashboard reads its region-wide figures from rows precomputed per
unit (web.figures, refreshed by a Celery task and after the supervisor's own changes). The rows give
exactly what the live computation gives, stay inside the supervisor's units (plus what is shared with
them, as they may see it), and the page reads them without counting the region."""

import datetime as dt

import pytest
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from access.services import share_case
from cases.models import EndReason, Stage
from risk.models import PlacementRisk, RiskAssessment
from tests import factories
from web.figures import precomputed_figures, refresh_unit_figures
from web.models import UnitFigures
from web.tasks import REFRESH_AFTER, _refresh_after, refresh_dashboard_figures
from web.views.units import _calibration, live_figures

pytestmark = pytest.mark.django_db

ABUSE = {"factor": "abuse_or_neglect", "contribution": 45, "detail": "True"}
NON_KIN = {"factor": "non_kin", "contribution": 5, "detail": "none"}


@pytest.fixture(autouse=True)
def _no_cached_figures():
    caches["dashboard"].clear()
    yield
    caches["dashboard"].clear()


def _placed(worker, unit, *, last_name="", overdue_days=(), risk=None, started=None, stage=Stage.PLACED):
    """A case of ``unit`` with an active placement, visits not done ``overdue_days`` ago and a risk
    ``(score, band, factors)``."""
    today = timezone.localdate()
    closed = {"outcome": "reunified", "closed_on": today, "opened_on": today - dt.timedelta(days=400)} if stage == Stage.CLOSED else {}
    case = factories.CaseFactory(assigned_worker=worker, responsible_unit=unit, stage=stage, **closed,
                                 **({"child__last_name": last_name} if last_name else {}))
    placement = factories.PlacementFactory(case=case, child=case.child, started_on=started or today - dt.timedelta(days=200),
                                           family=factories.FamilyFactory(responsible_unit=unit))
    for days in overdue_days:
        factories.VisitFactory(placement=placement, planned_on=today - dt.timedelta(days=days))
    if risk:
        score, band, factors = risk
        PlacementRisk.objects.create(placement=placement, score=score, band=band, factors=factors, computed_on=today)
    return case, placement


@pytest.fixture
def region_data(worker, supervisor, district):
    """Two districts of the supervisor's region and one elsewhere: open and closed cases, overdue
    visits (one superseded by a later visit done, one of an ended placement), high risks, returns,
    calibration history, and a case of another region shared with the supervisor without
    view_sensitive whose risk is high only through a sensitive factor."""
    today = timezone.localdate()
    second = factories.DistrictFactory(region=district.region)
    colleague = factories.UserFactory(unit=second, last_name="Abenova")
    _placed(worker, district, last_name="Omarov", overdue_days=(40, 3), risk=(70, "high", [NON_KIN]))
    _placed(worker, district, overdue_days=(10,), risk=(40, "medium", [NON_KIN]))
    _placed(colleague, second, last_name="Sadykova", overdue_days=(20,), risk=(90, "high", [NON_KIN]))
    _placed(None, second, overdue_days=(5,))  # not assigned
    _placed(worker, district, overdue_days=(7,), stage=Stage.CLOSED)  # a closed case's placement still open
    _case, placement = _placed(worker, district, overdue_days=(30,))
    factories.VisitFactory(placement=placement, planned_on=today - dt.timedelta(days=2), done_on=today - dt.timedelta(days=2),
                           worker=worker)  # supersedes the visit 30 days ago
    factories.CaseFactory(assigned_worker=worker, responsible_unit=district, stage=Stage.DECISION)
    factories.CaseFactory(assigned_worker=colleague, responsible_unit=second, stage=Stage.AVAILABLE)
    # Ended placements: a return this month (counted), an earlier one, and calibration history.
    for reason, ended in ((EndReason.RETURNED, today), (EndReason.PERMANENCY, today - dt.timedelta(days=40))):
        ended_case = factories.CaseFactory(assigned_worker=colleague, responsible_unit=second, stage=Stage.AVAILABLE)
        ended_placement = factories.PlacementFactory(case=ended_case, child=ended_case.child, started_on=today - dt.timedelta(days=300),
                                                     ended_on=ended, end_reason=reason,
                                                     return_reason="family_conflict" if reason == EndReason.RETURNED else "",
                                                     family=factories.FamilyFactory(responsible_unit=second))
        factories.VisitFactory(placement=ended_placement, planned_on=today - dt.timedelta(days=60))  # not overdue: ended
        RiskAssessment.objects.create(placement=ended_placement, assessed_on=ended_placement.started_on, score=60, band="high",
                                      reason=RiskAssessment.Reason.PLACEMENT_START)
        RiskAssessment.objects.create(placement=ended_placement, assessed_on=today - dt.timedelta(days=50), score=20,
                                      band="low", reason=RiskAssessment.Reason.VISIT)
    # Elsewhere: never in this supervisor's figures, except the one case shared with them.
    astana = factories.DistrictFactory(region=factories.region_by_code("astana"))
    astana_worker = factories.UserFactory(unit=astana)
    astana_supervisor = factories.UserFactory(role="supervisor", unit=astana)
    _placed(astana_worker, astana, last_name="Faraway", overdue_days=(50,), risk=(95, "high", [NON_KIN]))
    shared, _shared_placement = _placed(astana_worker, astana, last_name="Shared", overdue_days=(60,),
                                        risk=(60, "high", [ABUSE, NON_KIN]))
    share_case(case=shared, user=supervisor, actor=astana_supervisor)
    return {"second": second, "colleague": colleague, "astana": astana, "shared": shared,
            "district_supervisor": factories.UserFactory(role="supervisor", unit=district)}


def _comparable(figures: dict) -> dict:
    return {
        "overdue": [v.pk for v in figures["overdue"]],
        "high": [(r.placement_id, r.seen_score, r.seen_band) for r in figures["high"]],
        "caseload": [(r["worker"], r["open_cases"], r["placed"], r["waiting"], r["overdue"], r["high"])
                     for r in figures["caseload"]],
        "by_month": figures["by_month"],
        "calibration": _calibration(figures["calibration"]),
    }


def test_the_precomputed_figures_equal_the_live_computation(region_data, supervisor):
    today = timezone.localdate()
    assert refresh_unit_figures(today=today) == UnitFigures.objects.count()
    for user in (supervisor, region_data["district_supervisor"]):
        precomputed = precomputed_figures(user=user, today=today)
        assert precomputed is not None
        assert _comparable(precomputed) == _comparable(live_figures(user, today))
    figures = _comparable(precomputed_figures(user=supervisor, today=today))
    # What the seeded data says, so that equal does not mean equally empty.
    assert len(figures["overdue"]) == 7  # the superseded visit and the ended placement's are not overdue
    assert [band for _p, _s, band in figures["high"]] == ["high", "high"]  # the shared one reads low
    assert sum(r[4] for r in figures["caseload"]) == 6  # the closed case's visit is not in the caseload
    assert figures["by_month"][-1]["returns"] == 1
    assert [(r["band"], r["ended"], r["returned"]) for r in figures["calibration"] if r["ended"]] == [("high", 2, 1)]


def test_a_few_units_figures_equal_those_of_the_whole_country_refresh(region_data, supervisor):
    from accounts.models import OrganisationalUnit
    from web.figures import compute_unit_figures

    everything = compute_unit_figures()
    units = list(OrganisationalUnit.objects.values_list("pk", flat=True))
    assert compute_unit_figures(unit_ids=units) == everything
    one = region_data["second"].pk
    assert compute_unit_figures(unit_ids=[one]) == {one: everything[one]}
    assert everything[one]["calibration"] and everything[one]["by_month"] and everything[one]["oldest_overdue"]
    two = [region_data["second"].pk, region_data["astana"].pk]
    assert compute_unit_figures(unit_ids=two) == {unit: everything[unit] for unit in two}
    # The refresh on commit after an action: the cases, then one statement for the rest (UNITS_SQL).
    with CaptureQueriesContext(connection) as queries:
        compute_unit_figures(unit_ids=[one])
    assert len([q for q in queries.captured_queries if "cases_case" in q["sql"]]) == 2
    assert len(queries.captured_queries) == 2


def test_a_district_supervisor_sees_only_their_units_rows(region_data, supervisor):
    today = timezone.localdate()
    refresh_unit_figures(today=today)
    district_figures = precomputed_figures(user=region_data["district_supervisor"], today=today)
    workers = {r["worker"] for r in district_figures["caseload"]}
    assert region_data["colleague"] not in workers
    assert {v.placement.case.responsible_unit_id for v in district_figures["overdue"]} == {region_data["district_supervisor"].unit_id}
    names = {str(v.placement.child) for v in district_figures["overdue"]}
    assert not any("Sadykova" in n or "Faraway" in n or "Shared" in n for n in names)
    regional = {str(v.placement.child) for v in precomputed_figures(user=supervisor, today=today)["overdue"]}
    assert any("Sadykova" in n for n in regional) and any("Shared" in n for n in regional)
    assert not any("Faraway" in n for n in regional)


def test_a_case_transferred_away_after_the_refresh_drops_out_of_the_lists(region_data, supervisor, worker, district):
    today = timezone.localdate()
    refresh_unit_figures(today=today)
    omarov = factories.CaseFactory._meta.model.objects.get(child__last_name="Omarov")
    # Moved without the refresh that the transfer page triggers: the row still lists it.
    type(omarov).objects.filter(pk=omarov.pk).update(responsible_unit=region_data["astana"])
    figures = precomputed_figures(user=supervisor, today=today)
    assert "Omarov" not in " ".join(str(v.placement.child) for v in figures["overdue"])
    assert omarov.pk not in [r.placement.case_id for r in figures["high"]]


def test_the_dashboard_reads_the_rows_and_counts_nothing_region_wide(client, region_data, supervisor,
                                                                     django_assert_max_num_queries):
    today = timezone.localdate()
    refresh_unit_figures(today=today)
    client.force_login(supervisor)
    client.get(reverse("web:dashboard"))
    caches["dashboard"].clear()
    with CaptureQueriesContext(connection) as cold:
        response = client.get(reverse("web:dashboard"))
    assert response.status_code == 200
    # Nothing grouped over the region's placements, visits or risks: only over the one case shared
    # with the supervisor from elsewhere, which no row of theirs holds.
    grouped = [q["sql"] for q in cold.captured_queries if "GROUP BY" in q["sql"] or "COUNT(" in q["sql"].upper()]
    region_wide = [sql for sql in grouped if any(t in sql for t in ("visits_visit", "risk_placementrisk", "cases_placement"))]
    shared_only = f'"id" IN ({region_data["shared"].pk})'
    assert region_wide and all(shared_only in sql for sql in region_wide)
    html = response.content.decode()
    as_of = timezone.localtime(UnitFigures.objects.order_by("computed_at").first().computed_at)
    assert f"as of {as_of:%H:%M}" in html
    assert "cases that need a new worker are shown as they are now" in html
    # The listed visits and risks are read with only the fields shown: each still names its child
    # and worker (no deferred field read row by row: the counts below stay constant).
    listed = [*response.context["overdue"], *response.context["high"]]
    assert len(listed) == 9 and all(item["child"] in html for item in listed)
    assert "Sadykova" in html and f"{region_data['colleague'].first_name} Abenova" in html
    # More cases in the region, refreshed: the same number of queries, cold and warm.
    for i in range(6):
        _placed(region_data["colleague"], region_data["second"], overdue_days=(i + 1,), risk=(80 + i, "high", [NON_KIN]))
    refresh_unit_figures(today=today)
    caches["dashboard"].clear()
    with django_assert_max_num_queries(len(cold)):
        client.get(reverse("web:dashboard"))
    with CaptureQueriesContext(connection) as warm:
        again = client.get(reverse("web:dashboard"))
    assert len(warm) < len(cold)
    assert len(again.context["overdue"]) == 13


def test_the_rows_of_another_day_are_not_used(region_data, supervisor):
    today = timezone.localdate()
    refresh_unit_figures(today=today - dt.timedelta(days=1))
    assert precomputed_figures(user=supervisor, today=today) is None


def test_the_supervisors_own_reassignment_refreshes_their_units_row(client, region_data, supervisor, worker, district,
                                                                    django_capture_on_commit_callbacks):
    refresh_unit_figures()
    newcomer = factories.UserFactory(unit=district, last_name="Newcomer")
    client.force_login(supervisor)
    before = {r["worker_id"]: r["open_cases"] for r in client.get(reverse("web:dashboard")).context["caseload"]}
    assert before[worker.pk] == 4 and newcomer.pk not in before
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("web:cases-reassign"), {"all_of_worker": worker.pk, "workers": [newcomer.pk]})
    assert response.status_code == 302
    after = {r["worker_id"]: r for r in client.get(reverse("web:dashboard")).context["caseload"]}
    assert worker.pk not in after
    assert after[newcomer.pk]["open_cases"] == 4 and after[newcomer.pk]["overdue"] == 3 and after[newcomer.pk]["high"] == 1


def test_a_deactivated_worker_shows_as_needing_a_new_worker_at_once(client, region_data, supervisor, worker):
    refresh_unit_figures()
    worker.is_active = False
    worker.save()
    client.force_login(supervisor)
    response = client.get(reverse("web:dashboard"))
    row = next(r for r in response.context["caseload"] if r["worker_id"] == worker.pk)
    assert not row["worker_active"]
    assert "needs a new worker" in response.content.decode()


def test_the_refresh_task_writes_every_units_row_and_follows_the_nightly_jobs(region_data, monkeypatch):
    from accounts.models import OrganisationalUnit

    assert refresh_dashboard_figures.apply().get() == OrganisationalUnit.objects.count()
    assert UnitFigures.objects.filter(day=timezone.localdate()).count() == OrganisationalUnit.objects.count()
    queued = []
    monkeypatch.setattr(refresh_dashboard_figures, "delay", lambda: queued.append(True))
    for name in [*sorted(REFRESH_AFTER), "stats.refresh_statistics"]:
        _refresh_after(sender=type("Task", (), {"name": name})())
    assert len(queued) == len(REFRESH_AFTER)



def test_approving_or_rejecting_a_decision_or_a_family_asks_first_in_the_readers_language(client, supervisor, worker):
    from cases.services import transition_case

    case = factories.CaseFactory(assigned_worker=worker, responsible_unit=worker.unit, stage=Stage.ACQUAINTANCE,
                                 form_of_care="adoption")
    transition_case(case=case, to_stage=Stage.DECISION, actor=worker, family=factories.FamilyFactory(form_of_care="adoption"))
    # Its carers checked: the question is the plain one (with none recorded it starts with the warning).
    family = factories.FamilyFactory(responsible_unit=worker.unit, approval_requested_at=timezone.now(),
                                     carer_checked_on=timezone.localdate())
    client.force_login(supervisor)
    dashboard = client.get(reverse("web:dashboard"), HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert f'data-confirm="Одобрить решение по делу №\u00a0{case.pk}?"' in dashboard  # the one word for approval (02f1753)
    assert f'data-confirm="Отклонить решение по делу №\u00a0{case.pk}?"' in dashboard
    approvals = client.get(reverse("web:family-approvals")).content.decode()
    assert f'value="1" data-confirm="Approve family №\u00a0{family.pk}?"' in approvals
    assert f'value="0" class="danger" data-confirm="Refuse family №\u00a0{family.pk}?"' in approvals


@pytest.mark.parametrize("language", ["en", "ru", "kk"])
def test_the_figures_drawn_in_python_are_those_the_template_drew(client, region_data, supervisor, worker, language):
    """web.figures_html writes the figures' part (five tables, two charts) in Python: the same HTML
    as the template it replaced (kept as tests/fixtures/dashboard_figures_template.html) in each
    language, with the lists full or empty, "there are more" or not, and a deactivated worker."""
    from pathlib import Path

    from django.template import engines
    from django.utils import translation

    from web.figures_html import draw_figures
    from web.views.units import FIGURE_PARTS

    refresh_unit_figures()
    worker.is_active = False  # the caseload's "needs a new worker" badge
    worker.save()
    client.force_login(supervisor)
    response = client.get(reverse("web:dashboard"), HTTP_ACCEPT_LANGUAGE=language)
    parts = {name: response.context[name] for name in FIGURE_PARTS}  # the rows of figures_html.shown()
    # What the template was given: the figures with their model instances.
    figures = precomputed_figures(user=supervisor, today=timezone.localdate())
    objects = {**parts, "overdue": figures["overdue"], "high": figures["high"], "caseload": figures["caseload"]}
    assert [v["id"] for v in parts["overdue"]] == [v.pk for v in objects["overdue"]]
    assert parts["overdue"] and parts["high"] and parts["caseload"] and any(r["rate"] for r in parts["calibration"])
    template = engines["django"].from_string(
        (Path(__file__).parent / "fixtures" / "dashboard_figures_template.html").read_text())
    with translation.override(language):
        drawn = draw_figures(**parts)
        assert drawn in response.content.decode()
        for more in (False, True):
            parts.update(overdue_more=more, high_more=more)
            objects.update(overdue_more=more, high_more=more)
            assert draw_figures(**parts) == template.render(objects)
        empty = {"overdue": [], "high": [], "caseload": []}
        assert draw_figures(**{**parts, **empty}) == template.render({**objects, **empty})
        # What the supervisor follows: each listed child's case page, the badges, the worker's flag.
        for visit in objects["overdue"]:
            assert f'<a href="/cases/{visit.placement.case_id}/">{visit.placement.child}</a>' in drawn
        assert drawn.count('<span class="badge high"') == len(parts["high"]) + 1  # and the calibration's row
        assert translation.gettext("needs a new worker") in drawn


def test_the_chart_drawn_in_python_is_the_partial_templates(client):
    """web.charts.svg_bar_chart against web/partials/bar_chart.html, with suppressed, missing and not
    applicable values."""
    from django.template.loader import render_to_string

    from web.charts import NA, bar_chart, svg_bar_chart

    groups = [("01.26", [3, None]), ("02.26", [12.5, 0]), ("<b>", [None, 7]), ("03.26", [NA, 1])]
    for suppressed in (True, False):
        chart = bar_chart(groups, ["placements", "returns & more"], mark_suppressed=suppressed)
        assert svg_bar_chart(chart, "A <title>") == render_to_string("web/partials/bar_chart.html",
                                                                    {"chart": chart, "title": "A <title>"})
