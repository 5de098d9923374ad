"""The case page's consents, sharing and emergency access; the refused pages (403/404)."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from access.models import CaseShare
from cases.models import Stage
from consents.models import Consent
from emergency.models import EmergencyAccess
from notifications.models import Notification
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(worker):
    return factories.CaseFactory(assigned_worker=worker, responsible_unit=worker.unit, stage=Stage.MATCHING,
                                 child__birth_date=dt.date(2012, 5, 5))


def consent_data(**overrides):
    data = {"kind": "child_view", "given_by": "Арман", "given_on": timezone.localdate().isoformat(), "agrees": "1", "scope": ""}
    data.update(overrides)
    return {f"consent-{k}": v for k, v in data.items()}


def test_record_and_revoke_a_consent_on_the_case_page(client, worker, case):
    client.force_login(worker)
    response = client.post(reverse("web:consent-record", args=[case.pk]), consent_data())
    assert response.status_code == 302
    consent = Consent.objects.get(case=case)
    assert consent.recorded_by == worker and consent.agrees
    assert "Арман" in client.get(reverse("web:case", args=[case.pk])).content.decode()
    response = client.post(reverse("web:consent-revoke", args=[case.pk, consent.pk]), {"revoke-reason": ""})
    assert response.status_code == 400
    assert response.context["revoke_form"].errors["reason"]
    response = client.post(reverse("web:consent-revoke", args=[case.pk, consent.pk]), {"revoke-reason": "the child changed their mind"})
    assert response.status_code == 302
    consent.refresh_from_db()
    assert consent.revoked_on == timezone.localdate() and consent.revoked_by == worker


def test_a_consent_the_rules_refuse_shows_the_error_beside_the_field(client, worker, case):
    client.force_login(worker)
    response = client.post(reverse("web:consent-record", args=[case.pk]), consent_data(given_on="2015-01-01"))
    assert response.status_code == 400
    assert "from the age of" in response.context["consent_form"].errors["given_on"][0]
    assert 'value="Арман"' in response.content.decode()
    assert not Consent.objects.exists()


def test_a_view_only_share_may_not_record_consents(client, worker, supervisor, case):
    colleague = factories.UserFactory(role="social_worker", unit=worker.unit)
    from access.services import share_case

    share_case(case=case, user=colleague, actor=supervisor, reason="cover")
    client.force_login(colleague)
    assert client.post(reverse("web:consent-record", args=[case.pk]), consent_data()).status_code == 403
    assert not Consent.objects.exists()


def test_a_supervisor_shares_a_case_until_a_date_and_revokes_it(client, worker, supervisor, case):
    colleague = factories.UserFactory(role="social_worker", unit=worker.unit, first_name="Dana", last_name="Seitova")
    client.force_login(supervisor)
    page = client.get(reverse("web:case", args=[case.pk])).content.decode()
    assert "Share the case with a colleague" in page and "Dana" in page
    until = timezone.localdate() + dt.timedelta(days=7)
    response = client.post(reverse("web:case-share", args=[case.pk]),
                           {"share-user": colleague.pk, "share-expires_on": until.isoformat(), "share-include_sensitive": "on",
                            "share-reason": "holiday"})
    assert response.status_code == 302
    share = CaseShare.objects.active().get(case=case)
    assert share.user == colleague and share.include_sensitive and timezone.localtime(share.expires_at).date() == until
    client.force_login(colleague)
    assert client.get(reverse("web:case", args=[case.pk])).status_code == 200
    client.force_login(supervisor)
    assert client.post(reverse("web:case-share-revoke", args=[case.pk, colleague.pk])).status_code == 302
    client.force_login(colleague)
    assert client.get(reverse("web:case", args=[case.pk])).status_code == 404


def test_share_errors_and_workers_may_not_share(client, worker, supervisor, case):
    client.force_login(supervisor)
    response = client.post(reverse("web:case-share", args=[case.pk]), {"share-user": worker.pk, "share-reason": "x"})
    assert response.status_code == 400
    assert "assigned to the case" in response.context["share_form"].errors["user"][0]
    response = client.post(reverse("web:case-share", args=[case.pk]), {"share-user": "", "share-reason": ""})
    assert response.status_code == 400 and response.context["share_form"].errors["reason"]
    client.force_login(worker)
    other = factories.UserFactory(role="social_worker", unit=worker.unit)
    assert client.post(reverse("web:case-share", args=[case.pk]), {"share-user": other.pk, "share-reason": "x"}).status_code == 403
    assert not CaseShare.objects.exists()


def test_a_case_one_cannot_see_answers_404_in_the_layout_with_emergency_access_offered(client, worker, case):
    stranger = factories.UserFactory(role="social_worker", unit=worker.unit)
    client.force_login(stranger)
    response = client.get(reverse("web:case", args=[case.pk]))
    html = response.content.decode()
    assert response.status_code == 404
    assert "Otbasy" in html and f"Case №\u00a0{case.pk} is not in your caseload" in html and "<html" in html
    assert f"{reverse('web:emergency-access')}?case={case.pk}" in html


def test_a_case_reassigned_away_answers_the_refused_page_in_the_users_language(client, worker, supervisor, case):
    """The worker's old link to a case now with a colleague: the site's page in their language, saying
    the case is not in their caseload, and nothing about the case (the same as for a case that never was theirs)."""
    from access.services import reassign_case

    client.force_login(worker)
    assert client.get(reverse("web:case", args=[case.pk])).status_code == 200
    colleague = factories.UserFactory(role="social_worker", unit=worker.unit)
    reassign_case(case=case, worker=colleague, actor=supervisor)
    for path in (reverse("web:case", args=[case.pk]), reverse("web:case-matching", args=[case.pk])):
        response = client.get(path, HTTP_ACCEPT_LANGUAGE="ru")
        html = response.content.decode()
        assert response.status_code == 404 and '<header class="top">' in html and 'lang="ru"' in html
        assert f"Дело №\u00a0{case.pk} не входит в ваши дела" in html
        assert case.child.last_name not in html
    never = client.get(reverse("web:case", args=[case.pk + 1000]), HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert f"Дело №\u00a0{case.pk + 1000} не входит в ваши дела" in never


def test_emergency_access_opens_the_case_for_24_hours_with_the_banner_and_notifies(client, worker, supervisor, case):
    stranger = factories.UserFactory(role="social_worker", unit=worker.unit)
    client.force_login(stranger)
    response = client.post(reverse("web:emergency-access"), {"case": case.pk, "reason": "short"})
    assert response.status_code == 400
    assert "at least 10 characters" in response.context["form"].errors["reason"][0]
    response = client.post(reverse("web:emergency-access"), {"case": case.pk, "reason": "The police called: the child ran away"})
    assert response.status_code == 302
    access = EmergencyAccess.objects.get(case=case, user=stranger)
    assert access.expires_at - access.opened_at == dt.timedelta(hours=24)
    page = client.get(reverse("web:case", args=[case.pk])).content.decode()
    assert "Emergency access" in page and "the child ran away" in page
    assert Notification.objects.filter(recipient=supervisor, kind="emergency_access").exists()


def test_emergency_access_to_a_missing_case_or_ones_own_case_is_refused(client, worker, case):
    client.force_login(worker)
    response = client.post(reverse("web:emergency-access"), {"case": 999999, "reason": "a long enough reason"})
    assert response.status_code == 400 and response.context["form"].errors["case"]
    response = client.post(reverse("web:emergency-access"), {"case": case.pk, "reason": "a long enough reason"})
    assert response.status_code == 400 and "already see" in response.context["form"].errors["case"][0]


def test_analysts_get_a_403_page_in_the_layout(client, analyst, case):
    client.force_login(analyst)
    response = client.get(reverse("web:emergency-access"))
    assert response.status_code == 403
    assert "Not allowed" in response.content.decode() and "<html" in response.content.decode()


def test_the_404_page_is_in_the_users_language(client, worker):
    client.force_login(worker)
    client.cookies["django_language"] = "kk"
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert 'lang="kk"' in response.content.decode()


@pytest.mark.parametrize("path", ["/api/v1/cases/0.02/", "/api/v1/access/cases/abc/access-log/", "/api/v1/no-such-thing/"])
def test_an_api_url_no_view_answers_gets_json_not_the_html_page(client, worker, path):
    """The schema documents JSON for every API answer; a URL the resolver cannot match (an id that
    is not a number) used to get the site's HTML 404 page."""
    client.force_login(worker)
    client.cookies["django_language"] = "ru"
    response = client.get(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Не найдено."}


def test_an_api_server_error_is_json(rf):
    from web.views.common import server_error

    response = server_error(rf.get("/api/v1/cases/"))
    assert response.status_code == 500 and response["Content-Type"] == "application/json"
    assert server_error(rf.get("/cases/"))["Content-Type"].startswith("text/html")
