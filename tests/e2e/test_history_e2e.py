"""End to end in a browser, in Kazakh: a social worker edits a family's record on its page; the
history shows the change once, "from → to", each change with one bullet (the timeline's dot was
drawn on every <li> inside it as well, a second bullet beside each change), and no entry without
what it changed."""

import pytest

from tests import factories
from tests.e2e.browsing import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_a_familys_history_shows_each_change_once_with_one_bullet_in_kazakh(page, shoot):
    from playwright.sync_api import expect

    district = factories.DistrictFactory()
    factories.UserFactory(username="aigerim", first_name="Aigerim", last_name="Nurpeisova", unit=district)
    family = factories.FamilyFactory(region=district.region, responsible_unit=district, preferred_age_max=6)
    factories.ApplicantFactory(family=family, position=1, last_name="Жанибекова", first_name="Асель")

    sign_in(page, "aigerim", lands="**/cases/", language="kk")
    page.goto(f"/families/{family.pk}/edit/")
    page.fill("#id_preferred_age_max", "9")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").first.click()

    entries = page.locator("#history ol.timeline > li")
    expect(entries.first).to_contain_text("Өзгертілді")
    expect(entries.first).to_contain_text("6 → 9")
    changes = entries.first.locator("ul.changes > li")
    assert changes.count() == 1  # the age; the applicant left as she was has no entry
    # One bullet: the list's own marker, no timeline dot beside it.
    dot = changes.first.evaluate("li => getComputedStyle(li, '::before').content")
    assert dot in ("none", "normal", "")
    assert changes.first.evaluate("li => getComputedStyle(li).listStyleType") != "none"
    assert entries.first.evaluate("li => getComputedStyle(li, '::before').content") == '""'  # the entry keeps its dot
    texts = entries.all_inner_texts()
    assert len(texts) == 3  # the change, the family's and the applicant's registration
    assert all("Тіркелді" in t or "→" in t for t in texts)
    shoot("16-family-history-kk")
