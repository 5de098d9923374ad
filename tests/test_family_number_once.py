"""A family shown by its number and then its name says its number once when its name is the number
itself (no applicant left: Family.__str__ is "Family № 5"), not "Family № 5 (Family № 5)": the
supervisor's dashboard (papers expiring and expired), the case page's placements, the families'
approvals (waiting and decided), the matching page (chosen and ranked) and the families' list; a
family with applicants keeps "Family № 5 (Sadykova Aigul)". Pages in kk/ru/en."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.translation import gettext as _

from cases.models import DecisionStatus, Stage
from families.models import ApprovalDecision
from matching.models import Acquaintance
from tests import factories
from tests.pages import get

pytestmark = pytest.mark.django_db
LANGUAGES = pytest.mark.parametrize("language", ["kk", "ru", "en"])
TODAY = timezone.localdate


def numbered(language, family) -> str:
    with translation.override(language):
        return escape(_("Family № %(n)s") % {"n": family.pk})


def text(page: str) -> str:
    """The page's text without its tags, spaces as one (the no-break space after "№" kept)."""
    return re.sub(r"[^\S\u00a0]+", " ", re.sub(r"<[^>]+>", "", page))


def said_once(language, page, family) -> None:
    number = numbered(language, family)
    words = text(page)
    assert number in words
    assert f"{number} ({number})" not in words and f"{number} — {number}" not in words
    assert f"{number} {number}" not in words


def nobody_left(worker, **fields):
    """A family whose every applicant has left: its name is its number."""
    family = factories.FamilyFactory(responsible_unit=worker.unit, region=worker.unit.region, **fields)
    factories.ApplicantFactory(family=family, last_name="Sadykov", first_name="Marat", sex="M",
                               left_family_reason="death", left_family_on=TODAY() - dt.timedelta(days=30))
    family.refresh_from_db()
    assert str(family) == _("Family № %(n)s") % {"n": family.pk} and not family.named_by_applicants
    return family


def named(worker, **fields):
    family = factories.FamilyFactory(responsible_unit=worker.unit, region=worker.unit.region, **fields)
    factories.ApplicantFactory(family=family, last_name="Sadykova", first_name="Aigul", sex="F")
    return family


@LANGUAGES
def test_the_dashboard_says_the_number_once_for_a_family_with_no_applicant_left(client, worker, supervisor, language):
    soon, gone = TODAY() + dt.timedelta(days=6), TODAY() - dt.timedelta(days=3)
    nobody = nobody_left(worker, approval_expires_on=soon)
    expired = nobody_left(worker, home_study_expires_on=gone)
    couple = named(worker, approval_expires_on=soon)
    page = get(client, supervisor, language, "web:dashboard")
    expiring = page.split('id="expiring"')[1]
    said_once(language, expiring.split('id="expired"')[0], nobody)
    said_once(language, expiring.split('id="expired"')[1], expired)
    assert f"{numbered(language, couple)} (Sadykova Aigul)" in text(expiring)


@LANGUAGES
def test_the_case_page_names_the_placements_family_by_its_number_once(client, worker, language):
    placement = factories.PlacementFactory(case__assigned_worker=worker, case__responsible_unit=worker.unit,
                                           family=nobody_left(worker))
    page = get(client, worker, language, "web:case", placement.case_id)
    said_once(language, page, placement.family)
    other = factories.PlacementFactory(case__assigned_worker=worker, case__responsible_unit=worker.unit, family=named(worker))
    assert f"{numbered(language, other.family)} (Sadykova Aigul)" in text(get(client, worker, language, "web:case", other.case_id))


@LANGUAGES
def test_the_approvals_page_says_the_number_once_waiting_and_decided(client, worker, supervisor, language):
    waiting = nobody_left(worker, approval_status="under_assessment", approval_requested_at=timezone.now())
    decided = nobody_left(worker)
    ApprovalDecision.objects.create(family=decided, approved=True, decided_by=supervisor, decided_at=timezone.now(),
                                    approval_expires_on=TODAY() + dt.timedelta(days=365))
    couple = named(worker)
    ApprovalDecision.objects.create(family=couple, approved=True, decided_by=supervisor, decided_at=timezone.now(),
                                    approval_expires_on=TODAY() + dt.timedelta(days=365))
    page = get(client, supervisor, language, "web:family-approvals")
    said_once(language, page, waiting)
    said_once(language, page, decided)
    assert f"{numbered(language, couple)} (Sadykova Aigul)" in text(page)


@LANGUAGES
def test_the_matching_page_says_the_number_once_chosen_and_ranked(client, worker, language):
    case = factories.CaseFactory(assigned_worker=worker, responsible_unit=worker.unit, stage=Stage.MATCHING,
                                 form_of_care="adoption", decision_status=DecisionStatus.NOT_REQUESTED)
    nobody = nobody_left(worker, form_of_care="adoption")
    Acquaintance.objects.create(case=case, family=nobody, chosen_by=worker)
    couple = named(worker, form_of_care="adoption")
    Acquaintance.objects.create(case=case, family=couple, chosen_by=worker)
    page = get(client, worker, language, "web:case-matching", case.pk)
    said_once(language, page, nobody)
    assert f"{numbered(language, couple)} — Sadykova Aigul" in text(page)
    ranked = page.split('class="compact matching')[1].split("</table>")[0]
    assert numbered(language, nobody) in ranked and "Sadykova Aigul" in ranked  # both ranked, the couple by name
    said_once(language, ranked, nobody)


@LANGUAGES
def test_the_families_list_leaves_the_applicants_cell_empty_when_none_is_left(client, worker, language):
    nobody = nobody_left(worker)
    named(worker)
    page = get(client, worker, language, "web:families")
    [row] = [row.split("</tr>")[0] for row in page.split("<tr>") if f'href="{reverse("web:family", args=[nobody.pk])}"' in row]
    assert numbered(language, nobody) not in row and "—" in row
    assert "Sadykova Aigul" in page
