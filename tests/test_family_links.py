"""Lists that name a family link it to the family's page, for a reader who sees it (the supervisor's
families waiting for approval and recent decisions, the dashboard's decisions and papers, the case's
placements and decision, the matching ranking's named families), each page in a constant number of
queries whatever the number of families."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from access.selectors import visible_family_ids
from cases.models import Stage
from cases.services import transition_case
from families.services import decide_approval, request_approval
from tests import factories

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate
LANGUAGES = ("en", "ru", "kk")


def link(family_id, language="en", name=""):
    with translation.override(language):
        text = _("Family № %(n)s") % {"n": family_id}
    return f'<a href="{reverse("web:family", args=[family_id])}">{text}{name}</a>'


def family_links(page):
    return re.findall(r'href="/families/(\d+)/"', page)


def get(client, user, url, language="en"):
    client.force_login(user)
    client.cookies["django_language"] = language
    response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return response.content.decode()


def waiting_family(worker, **fields):
    family = factories.FamilyFactory(responsible_unit=worker.unit, region=worker.unit.region,
                                     approval_status="under_assessment", approved_on=None, approval_expires_on=None,
                                     **fields)
    factories.ApplicantFactory(family=family)
    request_approval(family=family, actor=worker)
    return family


def decision_case(worker, family=None):
    case = factories.CaseFactory(assigned_worker=worker, responsible_unit=worker.unit, stage=Stage.ACQUAINTANCE,
                                 form_of_care="adoption")
    if family is None:
        family = factories.FamilyFactory(form_of_care="adoption")  # another unit's family, seen through the case
        factories.ApplicantFactory(family=family)
    return transition_case(case=case, to_stage=Stage.DECISION, actor=worker, family=family)


# ---- the supervisor's families waiting for approval and the recent decisions ------------------------

@pytest.mark.parametrize("language", LANGUAGES)
def test_the_approvals_list_links_each_family_waiting_and_decided(client, worker, supervisor, language):
    waiting = waiting_family(worker)
    decided = waiting_family(worker)
    decide_approval(family=decided, actor=supervisor, approve=True)
    page = get(client, supervisor, reverse("web:family-approvals"), language)
    assert link(waiting.pk, language) in page
    decided.refresh_from_db()
    assert link(decided.pk, language, f" ({decided})") in page
    assert client.get(reverse("web:family", args=[waiting.pk])).status_code == 200


def _queries(client, url):
    """The queries of one more GET of ``url`` (the log emptied first: it keeps the last 9,000 only)."""
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    reset_queries()
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_approvals_list_makes_a_constant_number_of_queries(client, worker, supervisor, django_assert_max_num_queries):
    url = reverse("web:family-approvals")
    for _n in range(2):
        decide_approval(family=waiting_family(worker), actor=supervisor, approve=False, reason="incomplete")
        waiting_family(worker)
    client.force_login(supervisor)
    few = _queries(client, url)
    for _n in range(8):
        decide_approval(family=waiting_family(worker), actor=supervisor, approve=False, reason="incomplete")
        waiting_family(worker)
    with django_assert_max_num_queries(few):
        page = client.get(url).content.decode()
    assert len(family_links(page)) == 20


# ---- the dashboard ------------------------------------------------------------------------------------

@pytest.mark.parametrize("language", LANGUAGES)
def test_the_dashboards_decisions_and_papers_link_their_families(client, worker, supervisor, language, settings):
    case = decision_case(worker)
    expiring = factories.FamilyFactory(responsible_unit=worker.unit, home_study_expires_on=TODAY() + dt.timedelta(days=5))
    expired = factories.FamilyFactory(responsible_unit=worker.unit, training_expires_on=TODAY() - dt.timedelta(days=2))
    page = get(client, supervisor, reverse("web:dashboard"), language)
    assert f'<td data-label="{_translated(language, "Family")}">{link(case.decision_family_id, language)}</td>' in page
    for family in (expiring, expired):
        assert link(family.pk, language) in page  # no applicant: its name is its number, said once
    # The decision's family is of another unit, seen through the case: its page opens.
    assert client.get(reverse("web:family", args=[case.decision_family_id])).status_code == 200


def _translated(language, text):
    with translation.override(language):
        return _(text)


def test_the_refused_decisions_row_links_its_family_too(client, worker, supervisor):
    """The row of a decision refused for want of a reason is drawn by the template, not in Python."""
    case = decision_case(worker)
    client.force_login(supervisor)
    response = client.post(reverse("web:decision-review", args=[case.pk]),
                           {"approve": "0", "reason": "", "expected_version": case.version})
    assert response.status_code == 400
    assert link(case.decision_family_id) in response.content.decode()


def test_the_dashboard_makes_a_constant_number_of_queries(client, worker, supervisor, django_assert_max_num_queries):
    url = reverse("web:dashboard")
    decision_case(worker)
    factories.FamilyFactory(responsible_unit=worker.unit, home_study_expires_on=TODAY() + dt.timedelta(days=5))
    client.force_login(supervisor)
    client.get(url)
    few = _queries(client, url)
    for _n in range(6):
        decision_case(worker)
        factories.FamilyFactory(responsible_unit=worker.unit, home_study_expires_on=TODAY() + dt.timedelta(days=5))
    client.get(url)
    with django_assert_max_num_queries(few):
        page = client.get(url).content.decode()
    assert len(family_links(page)) == 14


# ---- the case page ------------------------------------------------------------------------------------

@pytest.mark.parametrize("language", LANGUAGES)
def test_the_case_page_links_the_placements_family_and_the_decisions(client, worker, language):
    family = factories.FamilyFactory(form_of_care="adoption")
    factories.ApplicantFactory(family=family, last_name="Omarova")
    case = decision_case(worker, family)
    page = get(client, worker, reverse("web:case", args=[case.pk]), language)
    assert link(family.pk, language) in page
    placed = factories.PlacementFactory(case=factories.CaseFactory(assigned_worker=worker, responsible_unit=worker.unit,
                                                                   stage=Stage.PLACED), family=family)
    page = get(client, worker, reverse("web:case", args=[placed.case_id]), language)
    assert f"{link(family.pk, language)} ({family})</h3>" in page
    assert client.get(reverse("web:family", args=[family.pk])).status_code == 200


def test_only_families_the_reader_sees_are_linked(worker):
    mine = factories.FamilyFactory(responsible_unit=worker.unit)
    elsewhere = factories.FamilyFactory()
    assert visible_family_ids(user=worker, family_ids=[mine.pk, elsewhere.pk, None]) == {mine.pk}
    assert visible_family_ids(user=worker, family_ids=[]) == set()


# ---- the matching ranking -------------------------------------------------------------------------------

def test_the_ranking_links_a_named_family_not_an_anonymous_profile(client, worker):
    case = factories.CaseFactory(assigned_worker=worker, responsible_unit=worker.unit, stage=Stage.MATCHING,
                                 form_of_care="adoption")
    own = factories.FamilyFactory(form_of_care="adoption", responsible_unit=worker.unit)
    factories.ApplicantFactory(family=own, last_name="Omarova")
    foreign = factories.FamilyFactory(form_of_care="adoption", region=factories.region_by_code("astana"))
    factories.ApplicantFactory(family=foreign, last_name="Zhanibekova")
    page = get(client, worker, reverse("web:case-matching", args=[case.pk]))
    assert link(own.pk) in page
    assert reverse("web:family", args=[foreign.pk]) not in page and f"Family №\u00a0{foreign.pk}" in page
