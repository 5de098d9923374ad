"""A social worker's whole day in the browser: register a child (seeing the duplicate warning),
register a family and ask for its approval, upload a document, write a note, match (the family
chosen for acquaintance), move to the decision, the supervisor approves the family and the decision,
place, record an unscheduled visit with concerns, see the risk change and the alert."""

import datetime as dt

import pytest
from django.utils import timezone

from cases.models import Case, Stage
from children.models import Child
from families.models import Family
from notifications.models import Notification
from tests import factories
from tests.e2e.browsing import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def day(db):
    district = factories.DistrictFactory(name_en="Medeu district guardianship authority", name_ru="Орган опеки Медеуского района",
                                         name_kk="Медеу ауданының қорғаншылық органы")
    worker = factories.UserFactory(username="aigerim", first_name="Aigerim", last_name="Nurpeisova", unit=district)
    factories.UserFactory(username="gulnara", first_name="Gulnara", last_name="Bekova", role="supervisor", unit=district.parent)
    # Already registered: the child the new registration resembles.
    factories.CaseFactory(assigned_worker=worker, responsible_unit=district, child__last_name="Tokayeva",
                          child__first_name="Amina", child__birth_date=dt.date(2017, 11, 9), child__sex="F", child__iin=None)
    # At matching: a twelve-year-old with behavioural difficulties and a history of neglect.
    matching = factories.CaseFactory(assigned_worker=worker, responsible_unit=district, stage=Stage.MATCHING,
                                     form_of_care="adoption", child__last_name="Omarov", child__first_name="Daulet",
                                     child__birth_date=dt.date(2014, 2, 1), child__sdq_total_difficulties=12,
                                     child__abuse_or_neglect_history=True)
    for last, first in (("Ospanova", "Dana"), ("Mukanov", "Yerlan")):
        factories.ApplicantFactory(family=factories.FamilyFactory(form_of_care="adoption", responsible_unit=district),
                                   last_name=last, first_name=first)
    return {"worker": worker, "matching": matching}


def sign_out(page) -> None:
    page.click("header button:has-text('Sign out')")
    page.wait_for_url("**/accounts/login/**")


def header_lines(page) -> int:
    """How many rows the top header's links, name and buttons take (their vertical middles, more
    than 12 px apart, start a new row)."""
    return page.evaluate("""() => {
        const items = [...document.querySelectorAll('header.top .brand, header.top nav a, header.top .user > *')];
        const middles = items.map(e => { const r = e.getBoundingClientRect(); return (r.top + r.bottom) / 2; });
        middles.sort((a, b) => a - b);
        return 1 + middles.slice(1).filter((m, i) => m - middles[i] > 12).length;
    }""")


def test_a_social_workers_day(page, shoot, day):
    today = timezone.localdate()
    sign_in(page, "aigerim")
    page.wait_for_url("**/cases/")

    # 1. Register a child: the IIN is checked as typed, a possible duplicate is shown before saving.
    page.click("text=Register a child")
    page.fill("#id_last_name", "Tokayeva")
    page.fill("#id_first_name", "Amina")
    page.fill("#id_birth_date", "2017-11-09")
    page.select_option("#id_sex", "F")
    page.fill("#id_iin", "1234")
    page.wait_for_selector("#iin-check >> text=An IIN is exactly 12 digits.")
    page.fill("#id_iin", "")
    page.select_option("#id_legal_status", "orphan")
    page.fill("#id_entered_care_on", "2023-02-01")
    page.click("main button[type=submit]")
    page.wait_for_selector("#duplicates")
    assert page.locator("#duplicates a").first.inner_text().startswith("Child №")
    shoot("11-register-child-duplicates")
    page.check("#id_confirm_new")
    page.fill("#id_duplicate_reason", "Twin sister, registered separately")
    page.click("main button[type=submit]")
    page.wait_for_selector("text=The child is registered and their case opened.")
    assert Child.objects.filter(last_name="Tokayeva").count() == 2
    shoot("12-child")

    # 2. Register a family (a couple) with its certificates.
    page.click("header nav >> text=Families")
    page.click("text=Register a family")
    page.fill("#id_a1-last_name", "Kassymov")
    page.fill("#id_a1-first_name", "Bauyrzhan")
    page.fill("#id_a1-birth_date", "1985-04-12")
    page.select_option("#id_a1-sex", "M")
    page.fill("#id_a1-iin", factories.valid_iin(dt.date(1985, 4, 12), "M", 10))
    page.select_option("#id_form_of_care", "adoption")
    page.fill("#id_home_study_issued_on", (today - dt.timedelta(days=30)).isoformat())
    page.fill("#id_home_study_expires_on", (today + dt.timedelta(days=330)).isoformat())
    page.fill("#id_training_certificate_number", "SAP-2026-77")
    page.fill("#id_training_issued_on", (today - dt.timedelta(days=60)).isoformat())
    page.fill("#id_training_expires_on", (today + dt.timedelta(days=700)).isoformat())
    page.click("main button[type=submit]")
    page.wait_for_selector("text=The family is registered.")
    family = Family.objects.get(applicants__last_name="Kassymov")
    page.click("#approval button[type=submit]")
    page.wait_for_selector("text=The family is sent to the supervisor for approval.")
    assert page.locator("#approval").get_by_text("Waiting for the supervisor's approval").is_visible()

    # 3. Upload the home study to the family's file.
    page.click("#documents summary")
    page.select_option("#id_doc-doc_type", "home_study")
    page.set_input_files("#id_doc-file", files=[{"name": "home-study.pdf", "mimeType": "application/pdf", "buffer": PDF_BYTES}])
    page.click("#documents button[type=submit]")
    page.wait_for_selector("text=The document is attached.")
    assert page.locator("#documents").get_by_text("Download").is_visible()
    assert family.documents.count() == 1
    shoot("13-family")

    # 4. A note on the case at matching.
    case = day["matching"]
    page.goto(f"/cases/{case.pk}/")
    page.click("#note summary")
    page.select_option("#id_note-kind", "phone_call")
    page.fill("#id_note-text", "Called the children's home: Daulet asks about a family every week.")
    page.click("#note button[type=submit]")
    page.wait_for_selector("text=The note is written.")
    assert page.locator("#timeline").get_by_text("Daulet asks about a family").is_visible()
    shoot("14-case-timeline")

    # 5. Match: one table for the families, the choice carried to the case.
    page.goto(f"/cases/{case.pk}/matching/")
    shoot("15-matching")
    page.locator("table.matching button").first.click()
    page.wait_for_selector("text=/chosen for acquaintance[.;]/")
    case.refresh_from_db()
    assert case.stage == Stage.ACQUAINTANCE and case.decision_family_id is not None
    chosen = case.decision_family_id
    page.goto(f"/cases/{case.pk}/")

    # 6. To the decision: the family is already filled in.
    assert page.input_value("#id_family") == str(chosen)
    page.click("#move button[type=submit]")
    page.wait_for_selector("text=The case moved to the new stage.")
    sign_out(page)

    # 7. The supervisor approves the family on their own page, then the decision on the case.
    sign_in(page, "gulnara")
    page.wait_for_url("**/unit/")
    # The supervisor's header, the longest, keeps to one line at 1366 px in every language.
    page.set_viewport_size({"width": 1366, "height": 768})
    for language in ("ru", "kk", "en"):
        with page.expect_navigation():
            page.select_option("#language", language)
        assert header_lines(page) == 1, language
    page.set_viewport_size({"width": 1280, "height": 900})
    # Approving a family or a decision asks first (data-confirm): the supervisor says yes.
    questions = []
    page.on("dialog", lambda dialog: (questions.append(dialog.message), dialog.accept()))
    page.goto("/families/approvals/")
    page.locator(f"#family-{family.pk}").get_by_role("button", name="Approve").click()
    page.wait_for_selector(f"text=Family № {family.pk} approved.")
    page.goto("/unit/")
    page.locator(f"#decision-{case.pk}").get_by_role("button", name="Approve").click()
    page.wait_for_selector(f"text=Decision on case № {case.pk} approved.")
    assert len(questions) == 2
    sign_out(page)

    # 8. The worker places the child.
    sign_in(page, "aigerim")
    page.wait_for_url("**/cases/")
    page.goto(f"/cases/{case.pk}/")
    page.select_option("#id_to_stage", "placed")
    page.fill("#id_started_on", today.isoformat())
    page.fill("#id_decision_document_number", "2-451/2026")
    page.fill("#id_decision_date", today.isoformat())
    page.select_option("#id_carer_relationship", "none")
    page.click("#move button[type=submit]")
    page.wait_for_selector("text=The case moved to the new stage.")
    assert Case.objects.get(pk=case.pk).stage == Stage.PLACED
    before = page.locator("#risk .badge").first.inner_text()
    # On a phone the case page is no wider than the screen: its tables scroll inside their cards.
    page.set_viewport_size({"width": 375, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.set_viewport_size({"width": 1280, "height": 900})

    # 9. An urgent visit with concerns: the risk rises and the supervisor is alerted.
    page.click("text=Record an unscheduled visit")
    page.select_option("#id_kind", "urgent")
    page.check("#id_child_seen_0")  # "Yes": the question has no default answer
    page.fill("#id_seen_by", "A. Nurpeisova")
    page.select_option("#id_child_condition", "serious_concerns")
    page.select_option("#id_family_condition", "serious_concerns")
    page.fill("#id_concerns", "Bruises on the arm; the carers shout at him.")
    shoot("16-unscheduled-visit")
    page.click("main button[type=submit]")
    page.wait_for_selector("text=The visit is recorded")
    after = page.locator("#risk .badge").first.inner_text()
    assert after != before and "High" in after
    shoot("17-case-after-urgent-visit")
    assert Notification.objects.filter(kind="high_risk", case_id=case.pk, recipient__username="gulnara").exists()
    sign_out(page)
    sign_in(page, "gulnara")
    page.wait_for_url("**/unit/")
    page.click("header nav >> text=Notifications")
    assert page.get_by_text(f"Case № {case.pk}: the placement moved into high risk of return").is_visible()
    shoot("18-supervisor-alert")
