"""End to end in a browser: a supervisor opens a worker's caseload from the dashboard, reassigns three
of the cases at once, approves a family and a decision and sees both in the history; the dashboard's
tables fit their cards in Russian and Kazakh."""

import datetime as dt

import pytest
from django.utils import timezone

from cases.models import Case, Stage
from cases.services import transition_case
from families.services import request_approval
from risk.models import PlacementRisk
from tests import factories
from tests.e2e import browsing

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def unit(db):
    today = timezone.localdate()
    district = factories.DistrictFactory(name_en="Medeu district guardianship authority", name_ru="Орган опеки Медеуского района",
                                         name_kk="Медеу ауданының қорғаншылық органы")
    worker = factories.UserFactory(username="aigerim", first_name="Aigerim", last_name="Nurpeisova", unit=district)
    colleague = factories.UserFactory(username="daniyar", first_name="Daniyar", last_name="Seitkali", unit=district)
    factories.UserFactory(username="gulnara", first_name="Gulnara", last_name="Bekova", role="supervisor", unit=district.parent)
    cases = [factories.CaseFactory(assigned_worker=worker, responsible_unit=district, stage=Stage.AVAILABLE,
                                   form_of_care="guardianship", child__last_name=name, child__first_name="Test")
             for name in ("Abenova", "Baimukhanov", "Dauletova", "Ermekov")]
    placed = factories.CaseFactory(assigned_worker=worker, responsible_unit=district, stage=Stage.PLACED,
                                   child__last_name="Zhaksylykov", child__first_name="Arman")
    placement = factories.PlacementFactory(case=placed, started_on=today - dt.timedelta(days=100))
    factories.VisitFactory(placement=placement, planned_on=today - dt.timedelta(days=5))
    PlacementRisk.objects.create(placement=placement, score=72, band="high", factors=[], computed_on=today)
    deciding = factories.CaseFactory(assigned_worker=colleague, responsible_unit=district, stage=Stage.ACQUAINTANCE,
                                     form_of_care="guardianship", child__last_name="Serikova", child__first_name="Aruzhan")
    decision_family = factories.FamilyFactory(form_of_care="guardianship", responsible_unit=district)
    factories.ApplicantFactory(family=decision_family, last_name="Tulegenova", first_name="Saule")
    transition_case(case=deciding, to_stage=Stage.DECISION, actor=colleague, family=decision_family)
    waiting = factories.FamilyFactory(form_of_care="foster_family", responsible_unit=district, approval_status="under_assessment",
                                      approved_on=None, approval_expires_on=None,
                                      training_expires_on=today + dt.timedelta(days=20))
    factories.ApplicantFactory(family=waiting, last_name="Omarova", first_name="Dana")
    request_approval(family=waiting, actor=worker)
    return {"worker": worker, "colleague": colleague, "cases": cases, "deciding": deciding, "family": waiting}


def sign_in(page, username: str) -> None:
    page.set_default_timeout(60000)  # the shared 2-core machine can be slow; nothing here waits on time
    browsing.sign_in(page, username)


def test_supervisor_reassigns_a_caseload_and_approves_a_family_and_a_decision(page, shoot, unit):
    sign_in(page, "gulnara")
    page.wait_for_url("**/unit/")
    shoot("11-dashboard-caseload")
    row = page.locator("#caseload tr", has_text="Nurpeisova")
    assert row.locator("td.num").all_inner_texts() == ["5", "1", "1", "1", "0"]  # open, placed, overdue, high risk, decision
    row.get_by_role("link", name="Aigerim Nurpeisova").click()
    page.wait_for_url("**/cases/?worker=*")
    assert page.locator("#case-table tbody tr").count() == 5
    for name in ("Abenova", "Baimukhanov", "Dauletova"):
        page.locator("#case-table tr", has_text=name).locator("input[type=checkbox]").check()
    page.select_option("#id_workers", str(unit["colleague"].pk))
    page.fill("#id_reason", "Aigerim goes on maternity leave")
    shoot("12-caseload-reassign")
    page.get_by_role("button", name="Reassign", exact=True).click()
    page.wait_for_selector("text=3 cases reassigned.")
    moved = Case.objects.filter(pk__in=[c.pk for c in unit["cases"][:3]])
    assert set(moved.values_list("assigned_worker", flat=True)) == {unit["colleague"].pk}
    assert Case.objects.get(pk=unit["cases"][3].pk).assigned_worker == unit["worker"]
    assert page.locator("#case-table tbody tr").count() == 2  # the worker's list, now without the three

    page.click("header nav >> text=Approvals")  # the menu's short form (context "menu")
    family_row = page.locator(f"#family-{unit['family'].pk}")
    assert "Omarova" in family_row.inner_text()
    questions = []  # each approval asks first (app.js, data-confirm); accepted here

    def accept(dialog) -> None:
        questions.append(dialog.message)
        dialog.accept()

    page.on("dialog", accept)
    family_row.get_by_role("button", name="Approve").click()
    page.wait_for_selector(f"text=Family № {unit['family'].pk} approved.")
    assert "approved" in page.locator("#family-decisions li", has_text="Omarova").inner_text()
    shoot("13-family-approved")

    page.click("header nav >> text=Dashboard")
    decision = page.locator(f"#decision-{unit['deciding'].pk}")
    decision.locator("textarea[name=reason]").fill("The family's conditions are good.")
    decision.get_by_role("button", name="Approve").click()
    page.wait_for_selector(f"text=Decision on case № {unit['deciding'].pk} approved.")
    # The family has no carers' check recorded: its question says so first (families.services.carer_check_approval_warning).
    assert questions == [f"No carer check is recorded for this family: check the carers before approving it. "
                         f"Approve family №\u00a0{unit['family'].pk}?", f"Approve the decision on case №\u00a0{unit['deciding'].pk}?"]
    page.goto(f"/cases/{unit['deciding'].pk}/")
    entry = page.locator("ol.timeline li.tl-decision")
    assert "Decision approved" in entry.inner_text()
    assert "Gulnara Bekova" in entry.inner_text() and "The family's conditions are good." in entry.inner_text()
    shoot("14-case-timeline-decision")


@pytest.mark.parametrize("language", ["ru", "kk"])
def test_the_dashboards_tables_fit_their_cards(page, shoot, unit, language):
    sign_in(page, "gulnara")
    page.wait_for_url("**/unit/")
    with page.expect_navigation():
        page.select_option("#language", language)
    page.set_viewport_size({"width": 1280, "height": 900})
    overflowing = page.evaluate("""() => [...document.querySelectorAll('main .card')]
        .filter(card => card.scrollWidth > card.clientWidth + 1)
        .map(card => (card.querySelector('h2') || card).innerText)""")
    shoot(f"15-dashboard-{language}")
    assert overflowing == []
    # Each table fits its card without scrolling at this common screen width.
    scrolled = page.evaluate("""() => [...document.querySelectorAll('main .table-scroll')]
        .filter(box => box.scrollWidth > box.clientWidth + 1)
        .map(box => box.closest('.card').querySelector('h2').innerText)""")
    assert scrolled == []


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
def test_on_a_phone_the_familys_approval_buttons_are_on_the_screen(page, unit, language):
    """At 375 px the families waiting for approval are cards (table.stack, each cell after its heading),
    as the dashboard's decisions are: Approve and Refuse on the screen, no sideways scrolling; the table
    kept its seven columns and put them 900 px to the right."""
    from playwright.sync_api import expect

    sign_in(page, "gulnara")
    page.wait_for_url("**/unit/")
    browsing.choose_language(page, language)
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto("/families/approvals/")
    row = page.locator(f"#family-{unit['family'].pk}")
    approve = row.locator("button[name=approve][value='1']")
    # Scrolled down only, as a thumb does: the button is there, not past the right edge.
    page.evaluate("y => window.scrollTo(0, y)", approve.evaluate("b => b.getBoundingClientRect().top + window.scrollY - 200"))
    expect(approve).to_be_in_viewport()
    expect(row.locator("button[name=approve][value='0']")).to_be_in_viewport()
    box = approve.bounding_box()
    assert box["x"] + box["width"] <= 375, box
    table = page.locator("#waiting table")
    assert table.evaluate("t => t.scrollWidth <= t.clientWidth"), table.evaluate("t => [t.scrollWidth, t.clientWidth]")


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
@pytest.mark.parametrize("width", [1366, 375])
def test_the_reason_boxs_hint_and_the_carers_check_read_whole(page, unit, language, width):
    """At 1366 px the one-row reason box cut its placeholder off in Kazakh ("Себебі (бас тартқанда
    міндетті)"); the hint is now a label above the box, as on the dashboard's decisions: each line of it
    inside its cell, nothing hidden, at a laptop's and a phone's width. The carers' check's state and the
    warning beside the approval read whole too."""
    sign_in(page, "gulnara")
    page.wait_for_url("**/unit/")
    browsing.choose_language(page, language)
    page.set_viewport_size({"width": width, "height": 800})
    page.goto("/families/approvals/")
    row = page.locator(f"#family-{unit['family'].pk}")
    label = row.locator(f"label[for=reason-{unit['family'].pk}]")
    expected = {"kk": "Себебі (бас тартқанда міндетті)", "ru": "Причина (обязательна при отклонении)",
                "en": "Reason (required to refuse)"}[language]
    assert label.inner_text() == expected
    for element in (label, row.locator(".carer-check .badge"), row.locator(f"#carer-warning-{unit['family'].pk}")):
        fits = element.evaluate("""e => {
            const box = e.getBoundingClientRect(), cell = e.closest('td').getBoundingClientRect();
            return e.scrollWidth <= e.clientWidth + 1 && e.scrollHeight <= e.clientHeight + 1
                && box.left >= cell.left - 1 && box.right <= cell.right + 1 && box.right <= window.innerWidth;
        }""")
        assert fits, (language, width, element.inner_text())
    box = row.locator(f"#reason-{unit['family'].pk}").bounding_box()
    label_box = label.bounding_box()
    assert label_box["y"] + label_box["height"] <= box["y"] + 1  # above the box, not over it
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
