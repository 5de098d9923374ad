"""On a phone the matching page, the inbox, My cases and the decisions waiting show each row as a card,
each cell after its column's heading (app.css: ``td::before { content: attr(data-label) }``). The
headings are written on the cells by the server in the reader's language, so the cards are labelled
with script off too (app.js no longer writes them)."""

from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import translation

from cases.models import Stage
from cases.services import transition_case
from notifications.models import Notification
from tests import factories

pytestmark = pytest.mark.django_db
LANGUAGES = pytest.mark.parametrize("language", ["kk", "ru", "en"])


def labels(html: str, language: str, *headings: str) -> list[str]:
    """The headings, translated, missing from the page's data-label attributes."""
    with translation.override(language):
        return [h for h in headings if f'data-label="{translation.gettext(h)}"' not in html]


def get(client, user, name, language, *args):
    client.force_login(user)
    client.cookies["django_language"] = language
    response = client.get(reverse(name, args=args))
    assert response.status_code == 200
    return response.content.decode()


@LANGUAGES
def test_the_matching_pages_cells_carry_their_headings(client, worker, language):
    case = factories.CaseFactory(assigned_worker=worker, responsible_unit=worker.unit, stage=Stage.MATCHING,
                                 form_of_care="adoption")
    factories.ApplicantFactory(family=factories.FamilyFactory(form_of_care="adoption", responsible_unit=worker.unit))
    html = get(client, worker, "web:case-matching", language, case.pk)
    assert 'data-label="#"' in html
    assert not labels(html, language, "Family", "score", "form of care", "age", "sex", "siblings", "region",
                      "waiting time", "Applied on")


@LANGUAGES
def test_the_inbox_cells_carry_their_headings(client, worker, language):
    Notification.objects.create(recipient=worker, kind="visit_due", subject_key="visit:1", title="Visit due")
    html = get(client, worker, "web:inbox", language)
    assert not labels(html, language, "Received", "Kind", "Subject", "Due on")
    # The row htmx swaps in after "Mark as read" is labelled too.
    note = Notification.objects.get(recipient=worker)
    swapped = client.post(reverse("web:notification-read", args=[note.pk]), HTTP_HX_REQUEST="true").content.decode()
    assert not labels(swapped, language, "Received", "Kind", "Subject", "Due on")


@LANGUAGES
def test_my_cases_cells_carry_their_headings(client, worker, supervisor, language):
    factories.CaseFactory(assigned_worker=worker, responsible_unit=worker.unit)
    html = get(client, worker, "web:my-cases", language)
    assert not labels(html, language, "Case", "Child", "Birth date", "Stage", "Risk of return", "Next visit")
    # The supervisor's list: the box to tick and the worker's column.
    html = get(client, supervisor, "web:my-cases", language)
    assert not labels(html, language, "Select", "Case", "Social worker")
    # The table htmx asks for when a filter changes.
    client.cookies["django_language"] = language
    table = client.get(reverse("web:my-cases"), HTTP_HX_REQUEST="true").content.decode()
    assert not labels(table, language, "Case", "Child", "Next visit")


@LANGUAGES
def test_the_decisions_waiting_cells_carry_their_headings(client, worker, supervisor, language):
    case = factories.CaseFactory(assigned_worker=worker, responsible_unit=worker.unit, stage=Stage.ACQUAINTANCE,
                                 form_of_care="adoption")
    case = transition_case(case=case, to_stage=Stage.DECISION, actor=worker,
                           family=factories.FamilyFactory(form_of_care="adoption"))
    headings = ("Case", "Child", "Form of care", "Family", "Social worker", "Waiting since", "Your decision")
    html = get(client, supervisor, "web:dashboard", language)
    row = html.split(f'id="decision-{case.pk}"')[1].split("</tr>")[0]
    assert not labels(row, language, *headings)
    # The refused decision's row (drawn by the template with its errors) too.
    client.cookies["django_language"] = language
    refused = client.post(reverse("web:decision-review", args=[case.pk]),
                          {"approve": "0", "reason": "", "expected_version": case.version}).content.decode()
    row = refused.split(f'id="decision-{case.pk}"')[1].split("</tr>")[0]
    assert "has-error" in row and not labels(row, language, *headings)


def test_no_script_writes_the_labels():
    script = (Path(__file__).resolve().parent.parent / "web" / "static" / "web" / "js" / "app.js").read_text()
    assert "data-label" not in script
