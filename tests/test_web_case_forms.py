"""The case page's forms opened on demand (web.views.cases.case_form): the fragment htmx asks when a
<details> opens, the same form as a page of its own without script, and the same permission rules
as the page that offers it (issue 17 "Speed")."""

import pytest
from django.urls import reverse

from cases.models import Stage
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def placed(worker):
    case = factories.CaseFactory(stage=Stage.PLACED, assigned_worker=worker, responsible_unit=worker.unit)
    factories.PlacementFactory(case=case)
    return case


def test_the_case_page_offers_its_forms_closed_and_loads_them_when_opened(client, worker, placed):
    client.force_login(worker)
    page = client.get(reverse("web:case", args=[placed.pk])).content.decode()
    for name in ("note", "end-placement", "move-family", "consent"):
        url = reverse("web:case-form", args=[placed.pk, name])
        assert f'hx-get="{url}"' in page and f'href="{url}"' in page  # htmx, and a link without script
    assert 'name="note-text"' not in page and 'name="ended_on"' not in page
    fragment = client.get(reverse("web:case-form", args=[placed.pk, "end-placement"]), headers={"HX-Request": "true"})
    html = fragment.content.decode()
    assert fragment.status_code == 200 and "<html" not in html
    assert f'action="{reverse("web:placement-end", args=[placed.pk, placed.placements.get().pk])}"' in html
    assert 'name="ended_on"' in html
    alone = client.get(reverse("web:case-form", args=[placed.pk, "note"])).content.decode()
    assert "<html" in alone and 'name="note-text"' in alone and reverse("web:case-note", args=[placed.pk]) in alone


def test_a_refused_post_shows_the_form_open_with_its_errors(client, worker, placed):
    client.force_login(worker)
    response = client.post(reverse("web:case-note", args=[placed.pk]), {"note-kind": "contact", "note-text": ""})
    html = response.content.decode()
    assert response.status_code == 400 and '<details id="note" open>' in html and 'id="id_note-text_errors"' in html


def test_the_forms_keep_the_pages_permissions(client, worker, supervisor, placed):
    stranger = factories.UserFactory(role="social_worker", unit=worker.unit)
    client.force_login(stranger)
    assert client.get(reverse("web:case-form", args=[placed.pk, "note"])).status_code == 404  # not visible
    client.force_login(worker)
    assert client.get(reverse("web:case-form", args=[placed.pk, "share"])).status_code == 403  # a supervisor's
    assert client.get(reverse("web:case-form", args=[placed.pk, "reentry"])).status_code == 403  # not closed
    assert client.get(reverse("web:case-form", args=[placed.pk, "nothing"])).status_code == 404
    client.force_login(supervisor)
    assert client.get(reverse("web:case-form", args=[placed.pk, "share"])).status_code == 200
