"""A form's address opened as a page (GET): after a form error the address bar shows it, and Enter
there gave Django's empty 405, a blank page in the browser. Now a 405 page in the reader's language."""

import pytest
from django.urls import reverse

from tests import factories

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("language", "title"), [("en", "This address only receives a form"),
                                                 ("ru", "По этому адресу только отправляют форму"),
                                                 ("kk", "Бұл мекенжай тек пішінді қабылдайды")])
def test_a_form_address_opened_as_a_page_says_so_in_the_readers_language(client, supervisor, language, title):
    client.force_login(supervisor)
    response = client.get(reverse("web:cases-reassign"), HTTP_ACCEPT_LANGUAGE=language)
    html = response.content.decode()
    assert response.status_code == 405 and response["Allow"] == "POST"
    assert title in html and f'href="{reverse("web:home")}"' in html


def test_a_case_form_address_keeps_its_405_and_the_case_stays_hidden(client, worker):
    """The stage-change address of a case the worker may not see: still 405 before anything else,
    with nothing of the case on the page."""
    case = factories.CaseFactory()
    client.force_login(worker)
    response = client.get(reverse("web:case-move", args=[case.pk]))
    assert response.status_code == 405 and case.child.last_name not in response.content.decode()


def test_the_apis_405_stays_json(client, worker):
    client.force_login(worker)
    response = client.get("/api/v1/risk/family-changes/")
    assert response.status_code == 405 and response["Content-Type"].startswith("application/json")
