"""End to end in a browser: the case page's timeline shows its newest entries, and "Show earlier
entries" brings the rest into the same list in place (htmx), without leaving the page."""

import datetime as dt

import pytest
from django.utils import timezone

from cases.models import CaseNote, Stage
from tests import factories
from tests.e2e.browsing import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

ENTRIES = "ol.timeline > li:not(.tl-more):not(.muted)"


def test_earlier_timeline_entries_come_into_the_list_in_place(page, shoot):
    from playwright.sync_api import expect

    district = factories.DistrictFactory()
    worker = factories.UserFactory(username="aigerim", first_name="Aigerim", last_name="Nurpeisova", unit=district)
    case = factories.CaseFactory(assigned_worker=worker, responsible_unit=district, stage=Stage.MATCHING)
    today = timezone.localdate()
    for i in range(45):
        CaseNote.objects.create(case=case, kind="contact", written_on=today - dt.timedelta(days=3 * i),
                                text=f"Contact number {i}", author=worker)
    sign_in(page, "aigerim", lands="**/cases/")
    page.goto(f"/cases/{case.pk}/")
    url = page.url
    entries = page.locator(ENTRIES)
    assert entries.count() == 20 and entries.first.inner_text().startswith("contact")
    assert page.locator("#timeline").get_by_text("Contact number 0", exact=True).is_visible()
    page.locator("#timeline").get_by_role("link", name="Show earlier entries").click()
    expect(entries).to_have_count(40)
    assert page.url == url  # in place: no new page
    # htmx gives the link it has just swapped in its behaviour when the swap settles; a click before
    # that follows the plain link (the page of earlier entries without script), as it should.
    page.wait_for_function("() => !document.querySelector('.htmx-swapping, .htmx-settling, .htmx-added, .htmx-request')")
    page.locator("#timeline").get_by_role("link", name="Show earlier entries").click()
    expect(entries).to_have_count(45)
    assert page.locator("ol.timeline > li.tl-more").count() == 0
    assert page.locator("#timeline").get_by_text("Contact number 44", exact=True).is_visible()
    texts = page.locator(f"{ENTRIES} div.small").all_inner_texts()
    assert texts == [f"Contact number {i}" for i in range(45)]  # newest first, each once
    shoot("15-case-timeline-earlier-entries")
