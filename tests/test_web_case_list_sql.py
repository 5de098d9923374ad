""""My cases" in one hand-written statement (web.selectors.case_list_page, issue 20 goal 4) answers
exactly what the ORM's my_cases paginated by Paginator answers: the same rows, in the same order, with
the same next visit, overdue mark and risk as the user may see it, the same total and page number, for
every role, kind of access (own, unit, shares with and without view_sensitive, group grants, expired
grants), filter, order and page (bench/README.md has the timings; nothing is timed here)."""

import datetime as dt
import itertools

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.paginator import Paginator
from django.urls import reverse
from django.utils import timezone

from access.models import CaseGroupObjectPermission
from access.services import grant_case_permissions, share_case
from cases.models import Case, Stage
from core.ordering import with_total_order
from notifications.models import Notification
from regions.models import Region
from risk.models import PlacementRisk
from tests import factories
from web.selectors import case_list_page, case_rows, my_cases

pytestmark = pytest.mark.django_db

ABUSE = {"factor": "abuse_or_neglect", "contribution": 45, "detail": "True"}
NON_KIN = {"factor": "non_kin", "contribution": 5, "detail": "none"}
HARM = {"factor": "last_visit_signs_of_harm", "contribution": 30, "detail": "True"}


def _placed(case: Case, *, risk: tuple[list, int, str] | None, visits: list[tuple[int, int | None, str]]) -> None:
    """An active placement of ``case`` with this risk (factors, score, band) and these visits
    (days from today planned, days from today done or None, kind)."""
    today = timezone.localdate()
    placement = factories.PlacementFactory(case=case, child=case.child,
                                           family=factories.FamilyFactory(responsible_unit=case.responsible_unit))
    if risk is not None:
        factors, score, band = risk
        PlacementRisk.objects.create(placement=placement, score=score, band=band, factors=factors, computed_on=today)
    for planned, done, kind in visits:
        factories.VisitFactory(placement=placement, planned_on=today + dt.timedelta(days=planned), kind=kind,
                               done_on=None if done is None else today + dt.timedelta(days=done),
                               worker=None if done is None else case.assigned_worker)


@pytest.fixture
def world(worker, supervisor, district, region):
    """A worker's own cases (risks with a sensitive factor, forced high, plain; overdue, future and
    missed visits; a closed case; ties on the stage date), a colleague's cases shared with the
    worker in every way, an unassigned case of the unit, a case of another region granted to the
    worker, and users of every role."""
    colleague = factories.UserFactory(role="social_worker", unit=district)
    elsewhere = factories.DistrictFactory(region=Region.objects.exclude(pk=region.pk).order_by("code").first())
    stranger = factories.UserFactory(role="supervisor", unit=elsewhere)
    administrator = factories.UserFactory(role="administrator", unit=district)
    tie = timezone.now() - dt.timedelta(days=3)

    def case(worker_, unit=district, **kwargs) -> Case:
        return factories.CaseFactory(assigned_worker=worker_, responsible_unit=unit, **kwargs)

    own = [case(worker, stage=Stage.PLACED, stage_entered_at=tie) for _ in range(4)]
    _placed(own[0], risk=([ABUSE, NON_KIN], 60, "high"), visits=[(-5, None, "scheduled"), (20, None, "scheduled")])
    _placed(own[1], risk=([ABUSE, HARM, NON_KIN], 80, "high"), visits=[(10, None, "scheduled")])
    _placed(own[2], risk=([NON_KIN], 35, "medium"), visits=[(-9, None, "scheduled"), (-2, -1, "scheduled")])  # missed
    _placed(own[3], risk=None, visits=[(-3, None, "annual_report"), (-1, 0, "scheduled")])
    own += [case(worker, stage=Stage.AVAILABLE), case(worker, stage=Stage.MATCHING, stage_entered_at=tie),
            case(worker, stage=Stage.CLOSED, outcome="reunified", closed_on=timezone.localdate())]
    theirs = [case(colleague, stage=Stage.PLACED) for _ in range(5)]
    _placed(theirs[0], risk=([ABUSE, NON_KIN], 60, "high"), visits=[(-4, None, "scheduled")])
    _placed(theirs[1], risk=([ABUSE, HARM, NON_KIN], 80, "high"), visits=[(4, None, "scheduled")])
    _placed(theirs[2], risk=([ABUSE], 50, "medium"), visits=[])
    share_case(case=theirs[0], user=worker, actor=supervisor)  # view only
    share_case(case=theirs[1], user=worker, actor=supervisor, include_sensitive=True)
    grant_case_permissions(users=[worker], case_ids=[theirs[3].pk], codenames=["view_case"],
                           expires_at=timezone.now() - dt.timedelta(minutes=1))  # expired
    group = Group.objects.create(name="team")
    worker.groups.add(group)
    CaseGroupObjectPermission.objects.create(group=group, content_object=theirs[2],
                                             permission=Permission.objects.get(codename="view_case"))
    unassigned = case(None, stage=Stage.REGISTERED)
    far = case(None, unit=elsewhere, stage=Stage.PLACED)
    _placed(far, risk=([ABUSE, NON_KIN], 60, "high"), visits=[(-1, None, "scheduled")])
    grant_case_permissions(users=[worker], case_ids=[far.pk], codenames=["view_case"])
    share_case(case=theirs[0], user=stranger, actor=supervisor)
    return {"worker": worker, "colleague": colleague, "supervisor": supervisor, "stranger": stranger,
            "administrator": administrator, "own": own, "theirs": theirs, "unassigned": unassigned, "far": far}


def _orm_page(user, number, per_page, **filters):
    page = Paginator(with_total_order(my_cases(user=user, **filters)), per_page).get_page(number)
    return page.paginator.count, page.number, case_rows(page.object_list)


FILTERS = [
    {"order": order, "stage": stage, "risk": risk, "overdue": overdue, "open_only": open_only}
    for order, stage, risk, overdue, open_only in itertools.product(
        ("recent", "visit"), ("", Stage.PLACED), ("", "high", "low"), (False, True), (False, True))
]


@pytest.mark.parametrize("who", ["worker", "colleague", "supervisor", "stranger", "administrator"])
def test_the_one_statement_page_equals_the_orm_page_for_every_filter_order_and_page(world, who):
    user = world[who]
    for filters in FILTERS:
        for number in (1, 2, 9, 0, "x"):
            expected = _orm_page(user, number, 3, **filters)
            got = case_list_page(user=user, page=number, per_page=3, **filters)
            assert (got.total, got.number, got.rows) == expected, (who, filters, number)


def test_the_rows_carry_the_risk_as_each_user_may_see_it(world):
    shown = {row.pk: (row.risk_band, row.risk_score) for row in case_list_page(user=world["worker"], per_page=50).rows}
    own, theirs = world["own"], world["theirs"]
    assert shown[own[0].pk] == ("high", 60) and shown[own[1].pk] == ("high", 80)  # view_sensitive: as stored
    assert shown[theirs[0].pk] == ("low", 15)  # a view-only share: 60 less the sensitive 45
    assert shown[theirs[1].pk] == ("high", 80)  # a share with view_sensitive
    assert shown[theirs[2].pk] == ("low", 5)  # a group grant without view_sensitive
    assert shown[world["far"].pk] == ("low", 15)
    assert theirs[3].pk not in shown and theirs[4].pk not in shown and world["unassigned"].pk not in shown


def test_a_page_of_my_cases_is_one_statement_with_its_total(world, django_assert_num_queries):
    with django_assert_num_queries(1):
        page = case_list_page(user=world["worker"], page=1, per_page=2, unread=True)
    assert page.total == 11 and len(page.rows) == 2  # 7 own, 3 shared, 1 granted in another region
    # Past the last page: the last page, read again.
    with django_assert_num_queries(2):
        assert case_list_page(user=world["worker"], page=99, per_page=2).number == 6


def test_the_my_cases_page_is_three_statements_session_user_and_the_page(client, world, django_assert_num_queries):
    client.force_login(world["worker"])
    with django_assert_num_queries(3):
        html = client.get(reverse("web:my-cases")).content.decode()
    assert html.count("badge stage") == 11
    # A search goes through the ORM's my_cases, the same rows.
    searched = client.get(reverse("web:my-cases"), {"q": world["own"][0].child.last_name}).content.decode()
    assert f"/cases/{world['own'][0].pk}/" in searched


def test_the_header_counts_unread_notifications_from_the_pages_statement(client, worker):
    Notification.objects.create(recipient=worker, kind="visit_due", subject_key="a", title="a", due_on=timezone.localdate())
    Notification.objects.create(recipient=worker, kind="visit_due", subject_key="b", title="b", due_on=timezone.localdate(),
                                read_at=timezone.now())
    client.force_login(worker)
    html = client.get(reverse("web:my-cases")).content.decode()
    assert '<span id="unread-count"> <span class="badge-count">1</span></span>' in html


def _template_rows(cases) -> list[dict]:
    """The rows as the previous implementation gave them to the template's loop (kept as
    tests/fixtures/case_table_template.html), to compare web.views.cases.case_rows_html with."""
    from django.utils.text import capfirst
    from django.utils.translation import gettext as _
    from django.utils.translation import gettext_lazy

    from core.dates import day_text
    from risk.models import Band
    from web.templatetags.web_tags import person, risk_points

    stages = {value: str(label) for value, label in Stage.choices}
    bands = {value: str(label) for value, label in Band.choices}
    head, _sentinel, tail = reverse("web:case", args=[0]).rpartition("/0/")
    rows = []
    for case in cases:
        worker, band = case.worker, case.risk_band
        label = bands.get(band, gettext_lazy("not assessed")) if band else ""
        rows.append({
            "pk": str(case.pk), "url": f"{head}/{case.pk}/{tail}", "child": f"{case.last_name} {case.first_name}",
            "birth_date": day_text(case.birth_date) if case.birth_date else "",
            "stage": stages.get(case.stage, case.stage), "band": band, "band_label": label, "band_text": capfirst(label),
            "score": None if case.risk_score is None else risk_points(case.risk_score),
            "next_visit": day_text(case.next_visit_on) if case.next_visit_on else "", "overdue": case.has_overdue,
            "worker": person(worker), "worker_inactive": worker is not None and not worker.is_active,
            "select_label": _("Select case № %(n)s") % {"n": case.pk},
        })
    return rows


@pytest.mark.parametrize("language", ["en", "ru"])
def test_the_rows_written_in_python_are_those_the_template_wrote(rf, world, language):
    """web.views.cases.case_rows_html: the table is the one the template's loop wrote, for a worker
    and for a supervisor (worker names, a deactivated worker, the reassignment boxes), with a name to
    escape, risks, overdue and missing visits, and with no case at all."""
    from pathlib import Path

    from django.template import engines
    from django.template.loader import render_to_string
    from django.utils import translation

    from web.views.cases import _case_list_context

    old = engines["django"].from_string((Path(__file__).parent / "fixtures" / "case_table_template.html").read_text())
    child = world["own"][0].child
    child.last_name = "O'Neil <b>"
    child.save()
    world["colleague"].is_active = False
    world["colleague"].save()
    for who, query in (("worker", {}), ("supervisor", {}), ("worker", {"stage": Stage.DECISION}),
                       ("supervisor", {"order": "visit"}), ("worker", {"q": "Neil"})):
        request = rf.get(reverse("web:my-cases"), query)
        request.user = world[who]
        with translation.override(language):
            context = _case_list_context(request)
            new = render_to_string("web/cases/_case_table.html", context, request)
            assert new == old.render({**context, "rows": _template_rows(context["page"].object_list)}, request)
        assert "O&#x27;Neil &lt;b&gt;" in new or query
        assert ("reassign-form" in new) == (who == "supervisor")



def test_the_worker_fields_offer_the_same_options_read_once(rf, world, django_assert_max_num_queries):
    """web.forms.offer_workers: the case list's three worker fields (the filter's, and the
    reassignment form's two) draw the options their querysets drew, selected values included, from
    the unit's workers read once: the supervisor's page is six statements (session, user, the unit
    and its units, the workers, the page)."""
    from django.test import Client

    from web.forms import CaseFilterForm, ReassignCasesForm, offer_workers, worker_label
    from web.selectors import unit_workers
    from web.templatetags.web_tags import person

    supervisor, worker, colleague = world["supervisor"], world["worker"], world["colleague"]
    colleague.is_active = False
    colleague.save()
    data = {"worker": str(worker.pk), "all_of_worker": str(colleague.pk), "workers": [str(worker.pk)]}
    workers = unit_workers(user=supervisor)
    shown = []
    for offered in (False, True):
        form = CaseFilterForm(data, workers=workers)
        reassign = ReassignCasesForm(data, workers=workers)
        if offered:
            people = list(workers)
            offer_workers(form.fields["worker"], people, person)
            offer_workers(reassign.fields["all_of_worker"], people, worker_label)
            offer_workers(reassign.fields["workers"], people, worker_label)
        shown.append([str(form["worker"]), str(reassign["all_of_worker"]), str(reassign["workers"])])
        assert form.is_valid() and form.cleaned_data["worker"] == worker
    assert shown[0] == shown[1]
    assert f'<option value="{worker.pk}" selected>' in shown[1][0] and f'value="{colleague.pk}"' not in shown[1][2]
    client = Client()
    client.force_login(supervisor)
    with django_assert_max_num_queries(6):
        assert client.get(reverse("web:my-cases")).status_code == 200


@pytest.mark.parametrize("language", ["en", "ru"])
def test_the_case_list_page_is_the_one_the_template_wrote(rf, world, language):
    """The filter fields remembered per language and query (web.views.cases.filter_fields_html) and
    the rows written in Python: the whole page is the one the previous templates wrote (kept as
    tests/fixtures/case_list_template.html and case_table_template.html), drawn twice."""
    from pathlib import Path

    from django.contrib.messages.storage.fallback import FallbackStorage
    from django.contrib.sessions.backends.db import SessionStore
    from django.template import engines
    from django.template.loader import render_to_string
    from django.utils import translation

    from web.views.cases import _case_list_context

    fixtures = Path(__file__).parent / "fixtures"
    table = (fixtures / "case_table_template.html").read_text()
    page = (fixtures / "case_list_template.html").read_text().replace(
        '{% include "web/cases/_case_table.html" %}', table.replace("{% load i18n %}", ""))
    old = engines["django"].from_string("{% load i18n %}" + page if not page.startswith("{% extends") else page)
    queries = ({}, {"stage": Stage.PLACED, "overdue": "on"}, {"risk": "bogus", "q": "<i>"}, {"page": "2"})
    for who, query in itertools.product(("worker", "supervisor"), queries):
        for _twice in range(2):
            request = rf.get(reverse("web:my-cases"), query)
            request.user, request.session = world[who], SessionStore()
            request._messages = FallbackStorage(request)
            with translation.override(language):
                context = _case_list_context(request)
                new = render_to_string("web/cases/case_list.html", context, request)
                expected = old.render({**context, "rows": _template_rows(context["page"].object_list)}, request)
            # The CSRF tokens are masked afresh on each drawing.
            assert _unmasked(new) == _unmasked(expected), (who, query)


def _unmasked(page: str) -> str:
    import re

    return re.sub(r'(name="csrfmiddlewaretoken" value="|"X-CSRFToken": ")[^"]+', r"\1", page)
