"""End to end in a browser, in Russian: a social worker records the death of an applicant on the
family's page; the family's page shows the approval suspended and why, in the reader's language."""

import datetime as dt

import pytest
from django.utils import timezone

from cases.models import Stage
from families.models import Family
from tests import factories
from tests.e2e.browsing import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_recording_an_applicants_death_in_russian_suspends_the_family(page, shoot):
    from playwright.sync_api import expect

    district = factories.DistrictFactory()
    worker = factories.UserFactory(username="aigerim", first_name="Aigerim", last_name="Nurpeisova", unit=district)
    family = factories.FamilyFactory(form_of_care="adoption", region=district.region, responsible_unit=district)
    factories.ApplicantFactory(family=family, position=1, last_name="Жанибекова", first_name="Асель")
    husband = factories.ApplicantFactory(family=family, position=2, last_name="Жанибеков", first_name="Ерлан", sex="M")
    case = factories.CaseFactory(assigned_worker=worker, responsible_unit=district, stage=Stage.PLACED, form_of_care="adoption")
    factories.PlacementFactory(case=case, child=case.child, family=family)
    died_on = timezone.localdate() - dt.timedelta(days=2)

    sign_in(page, "aigerim", lands="**/cases/", language="ru")
    page.goto(f"/families/{family.pk}/")

    page.get_by_text("Записать изменение в семье").click()
    page.select_option("#id_kind", "death")
    page.select_option("#id_applicant", str(husband.pk))
    page.fill("#id_on", died_on.isoformat())
    with page.expect_navigation():
        page.get_by_role("button", name="Записать изменение").click()

    assert page.url.endswith(f"/families/{family.pk}/")
    expect(page.get_by_text("Изменение записано")).to_be_visible()
    approval = page.locator("#approval")
    expect(approval).to_contain_text("Одобрение семьи приостановлено (Жанибеков Ерлан: смерть")
    expect(approval).to_contain_text("до нового обследования условий жизни; затем семью должен снова одобрить руководитель.")
    expect(approval).to_contain_text("Жанибеков Ерлан: смерть")
    family.refresh_from_db()
    husband.refresh_from_db()
    assert (family.approval_status, family.suspended_on) == ("suspended", died_on)
    assert (husband.left_family_reason, husband.left_family_on) == ("death", died_on)
    # The reason, a sentence, wraps inside its card: the page is no wider than the window.
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    # Suspended: no request for approval offered (the service refuses it), the way out instead.
    expect(approval.get_by_role("button", name="Направить семью руководителю на одобрение")).to_have_count(0)
    expect(approval).to_contain_text("Пока одобрение приостановлено, направить семью на одобрение нельзя")
    expect(approval.get_by_role("link", name="Внести новое обследование условий жизни")).to_be_visible()
    shoot("21-family-change-recorded")
    # The one who left is no longer offered.
    page.get_by_text("Записать изменение в семье").click()
    assert page.locator(f"#id_applicant option[value='{husband.pk}']").count() == 0
    assert Family.objects.get(pk=family.pk).approval_status == "suspended"


@pytest.mark.parametrize(("language", "link", "width"), [
    ("kk", "Жаңа тұрмыс жағдайын зерттеп-қарау актісін енгізу", 375),
    ("en", "Record the new home study", 1280),
])
def test_record_the_new_home_study_opens_the_form_at_the_home_study(page, language, link, width):
    """A suspended family's "Record the new home study" lands on the home study's date, focused and
    in view with its label, not at the top of the long edit form (the applicants come first): the
    link's fragment names the field, which the browser scrolls to and focuses."""
    from playwright.sync_api import expect

    from families.services import record_applicant_leaving

    district = factories.DistrictFactory()
    factories.UserFactory(username="aigerim", unit=district)
    family = factories.FamilyFactory(form_of_care="adoption", region=district.region, responsible_unit=district)
    factories.ApplicantFactory(family=family, position=1, last_name="Жанибекова", first_name="Асель")
    husband = factories.ApplicantFactory(family=family, position=2, last_name="Жанибеков", first_name="Ерлан", sex="M")
    record_applicant_leaving(applicant=husband, reason="death", on=timezone.localdate() - dt.timedelta(days=2), actor=None)

    sign_in(page, "aigerim", lands="**/cases/")
    if language != "en":
        with page.expect_navigation():
            page.select_option("#language", language)
    page.set_viewport_size({"width": width, "height": 700})  # after the switcher, which a phone's menu hides
    page.goto(f"/families/{family.pk}/")

    with page.expect_navigation():
        page.locator("#approval-suspended").get_by_role("link", name=link).click()

    assert page.url.endswith("#id_home_study_issued_on") and f"/families/{family.pk}/edit/" in page.url
    study = page.locator("#id_home_study_issued_on")
    expect(study).to_be_focused()
    expect(study).to_be_in_viewport()
    expect(page.locator("label[for=id_home_study_issued_on]")).to_be_in_viewport()
    # The top of the form (the first applicant's name) was scrolled past.
    expect(page.locator("#id_a1-last_name")).not_to_be_in_viewport()


def test_the_supervisors_alert_in_kazakh_leads_to_the_family_and_to_the_case_to_visit(page):
    """The change recorded, the supervisor opens the inbox in Kazakh: the alert names the change and the
    case to visit (by number, no child's name), its title opens the family's page, the case's link the
    case's placements."""
    from playwright.sync_api import expect

    from risk.services import record_family_change

    district = factories.DistrictFactory()
    worker = factories.UserFactory(unit=district)
    factories.UserFactory(username="gulnara", role="supervisor", unit=district.parent)
    family = factories.FamilyFactory(form_of_care="adoption", region=district.region, responsible_unit=district)
    factories.ApplicantFactory(family=family, position=1, last_name="Жанибекова", first_name="Асель")
    case = factories.CaseFactory(assigned_worker=worker, responsible_unit=district, stage=Stage.PLACED, form_of_care="adoption",
                                 child__last_name="Серікбаев")
    factories.PlacementFactory(case=case, child=case.child, family=family)
    record_family_change(family=family, kind="conviction", on=timezone.localdate(), actor=worker)

    sign_in(page, "gulnara", lands="**/unit/", language="kk")
    page.goto("/notifications/")
    row = page.locator("tbody tr").first
    expect(row).to_contain_text(f"№ {family.pk} отбасы: мақұлдау тоқтатылды (тәрбиешіні тексеру өтпеді")
    expect(row).to_contain_text("Отбасына орналастырылған балаларға бару керек")
    expect(row).not_to_contain_text("Серікбаев")
    with page.expect_navigation():
        row.get_by_role("link", name=f"№ {family.pk} отбасы").click()
    assert page.url.endswith(f"/families/{family.pk}/")
    page.go_back()
    with page.expect_navigation():
        page.locator("tbody tr").first.get_by_role("link", name=f"№ {case.pk} іс").click()
    assert page.url.endswith(f"/cases/{case.pk}/#placements")
    expect(page.locator("#placements")).to_be_visible()


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
def test_on_a_phone_the_one_who_left_fits_the_width_of_their_table(page, language):
    """At 375 px the 'Left the family' table is no wider than the applicants' table above it (in kk and en
    both fit the card; in Russian both scroll by the same few pixels, the IIN's column): the badge saying
    how and when they left ('қайтыс болды 20 қараша 2026 ж.') wraps under the name (badge long), as the
    suspension's reason does, instead of widening the name's column and pushing the IIN out of the card."""
    from playwright.sync_api import expect

    from families.services import record_applicant_leaving

    district = factories.DistrictFactory()
    factories.UserFactory(username="aigerim", unit=district)
    family = factories.FamilyFactory(form_of_care="adoption", region=district.region, responsible_unit=district)
    factories.ApplicantFactory(family=family, position=1, last_name="Жанибекова", first_name="Асель",
                               patronymic="Бахытовна")
    husband = factories.ApplicantFactory(family=family, position=2, last_name="Жанибеков", first_name="Ерлан",
                                         patronymic="Бахытович", sex="M")
    record_applicant_leaving(applicant=husband, reason="death", on=dt.date(2026, 11, 20), actor=None)

    sign_in(page, "aigerim", lands="**/cases/", language=language)
    page.set_viewport_size({"width": 375, "height": 700})  # after the switcher, which a phone's menu hides
    page.goto(f"/families/{family.pk}/")

    departed = page.locator("#departed-applicants")
    expect(departed).to_contain_text(husband.iin)
    scroll, client = departed.evaluate("table => [table.scrollWidth, table.clientWidth]")
    applicants = page.locator("#departed-applicants").evaluate(
        "table => table.parentElement.querySelector('table').scrollWidth")
    assert scroll <= max(client, applicants), (scroll, client, applicants)
    if language != "ru":
        assert scroll <= client, (scroll, client)


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
def test_on_a_phone_the_applicants_table_fits_its_card(page, language):
    """At 375 px the applicants' table is no wider than its card in any language: in Russian the
    birth date ('14 февраля 1987 г.') and the heading 'Дата рождения' no longer push the IIN's column
    about 20 px out of the card (the table scrolled sideways on every family)."""
    from playwright.sync_api import expect

    district = factories.DistrictFactory()
    factories.UserFactory(username="aigerim", unit=district)
    family = factories.FamilyFactory(form_of_care="adoption", region=district.region, responsible_unit=district)
    wife = factories.ApplicantFactory(family=family, position=1, last_name="Жанибекова", first_name="Асель",
                                      patronymic="Бахытовна", birth_date=dt.date(1987, 9, 28))
    factories.ApplicantFactory(family=family, position=2, last_name="Жанибеков", first_name="Ерлан",
                               patronymic="Бахытович", sex="M", birth_date=dt.date(1985, 11, 30))

    sign_in(page, "aigerim", lands="**/cases/", language=language)
    page.set_viewport_size({"width": 375, "height": 700})
    page.goto(f"/families/{family.pk}/")

    applicants = page.locator("#applicants")
    expect(applicants).to_contain_text(wife.iin)
    scroll, client = applicants.evaluate("table => [table.scrollWidth, table.clientWidth]")
    assert scroll <= client, (language, scroll, client)
