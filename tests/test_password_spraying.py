"""Password spraying: failed sign-ins are limited per client address on the sign-in page, the admin and
the token endpoint, and X-Forwarded-For is believed only from TRUSTED_PROXIES, so a spoofed header
does not give a client a fresh address per guess."""

import pytest
from django.test import RequestFactory

from audit.models import AccessLog
from core.client_address import client_address, is_trusted_proxy
from tests import factories

pytestmark = pytest.mark.django_db

PASSWORD = "pass-for-tests-1"  # the factories' password
TOKEN_URL = "/api/v1/auth/token/"
LOGIN_URL = "/accounts/login/"


@pytest.fixture
def address_limit(settings):
    settings.AXES_ADDRESS_FAILURE_LIMIT = 6
    return settings.AXES_ADDRESS_FAILURE_LIMIT


def web_sign_in(client, username: str, password: str, **headers):
    return client.post(LOGIN_URL, {"username": username, "password": password}, **headers)


def token_sign_in(api_client, username: str, password: str, **headers):
    return api_client.post(TOKEN_URL, {"username": username, "password": password}, format="json", **headers)


def spoofed(n: int) -> dict:
    return {"HTTP_X_FORWARDED_FOR": f"203.0.113.{n}"}


# client_address


def request_from(remote: str, forwarded: str | None = None):
    meta = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **meta)


def test_without_trusted_proxies_the_forwarded_header_is_ignored(settings):
    settings.TRUSTED_PROXIES = []
    assert client_address(request_from("198.51.100.7", "203.0.113.9")) == "198.51.100.7"


def test_from_a_trusted_proxy_the_right_most_untrusted_hop_is_the_client(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    # The client wrote "1.2.3.4" itself; our balancer appended the address it saw (203.0.113.9).
    assert client_address(request_from("10.0.0.2", "1.2.3.4, 203.0.113.9")) == "203.0.113.9"
    # Two of our proxies in a row are both skipped.
    assert client_address(request_from("10.0.0.2", "1.2.3.4, 203.0.113.9, 10.0.0.5")) == "203.0.113.9"


def test_a_remembered_answer_follows_a_change_of_trusted_proxies(settings):
    """is_trusted_proxy remembers its answers per address and per list of proxies."""
    settings.TRUSTED_PROXIES = []
    assert not is_trusted_proxy("10.1.2.3")
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    assert is_trusted_proxy("10.1.2.3")
    assert not is_trusted_proxy("192.0.2.1")
    assert not is_trusted_proxy("not an address")
    assert not is_trusted_proxy(None)


def test_a_request_not_from_a_trusted_proxy_cannot_name_its_address(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    assert client_address(request_from("198.51.100.7", "10.0.0.3, 203.0.113.9")) == "198.51.100.7"


@pytest.mark.parametrize("forwarded", ["", "garbage", "1.2.3.4, not-an-address", "\x00"])
def test_a_malformed_forwarded_header_names_no_address(settings, forwarded):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    assert client_address(request_from("10.0.0.2", forwarded)) == "10.0.0.2"


# The web sign-in page


def test_the_sign_in_page_locks_an_address_that_sprays_passwords(client, worker, address_limit):
    colleagues = [factories.UserFactory(unit=worker.unit) for _ in range(address_limit)]
    statuses = [web_sign_in(client, user.username, "Spring2026!").status_code for user in colleagues]
    # The form again, with its error, until the address's failures reach the limit.
    assert statuses == [200] * (address_limit - 1) + [429]
    # The address is locked now: even the right password of another user is refused, for a while.
    response = web_sign_in(client, worker.username, PASSWORD)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_a_spoofed_forwarded_header_does_not_dodge_the_address_lockout(client, worker, address_limit, settings):
    settings.TRUSTED_PROXIES = []
    colleagues = [factories.UserFactory(unit=worker.unit) for _ in range(address_limit)]
    for n, user in enumerate(colleagues):
        web_sign_in(client, user.username, "Spring2026!", **spoofed(n))
    assert web_sign_in(client, worker.username, PASSWORD, **spoofed(99)).status_code == 429


def test_another_address_is_not_locked_by_a_sprayer(client, worker, address_limit):
    for n in range(address_limit):
        web_sign_in(client, f"nobody{n}", "Spring2026!")
    response = web_sign_in(client, worker.username, PASSWORD, REMOTE_ADDR="198.51.100.20")
    assert response.status_code == 302


def test_behind_a_trusted_proxy_each_client_address_is_counted_apart(client, worker, address_limit, settings):
    settings.TRUSTED_PROXIES = ["127.0.0.1"]  # the test client's REMOTE_ADDR plays the balancer
    for n in range(address_limit):
        web_sign_in(client, f"nobody{n}", "Spring2026!", HTTP_X_FORWARDED_FOR="203.0.113.1")
    assert web_sign_in(client, worker.username, PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.1").status_code == 429
    # A client that claims the locked address itself, behind the balancer, is still the address the balancer saw.
    response = web_sign_in(client, worker.username, PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.1, 203.0.113.2")
    assert response.status_code == 302


# The token endpoint


def test_the_token_endpoint_locks_an_address_that_sprays_passwords(api_client, worker, address_limit):
    for n in range(address_limit):
        token_sign_in(api_client, f"nobody{n}", "Spring2026!", **spoofed(n))
    response = token_sign_in(api_client, worker.username, PASSWORD, **spoofed(77))
    assert response.status_code == 400
    assert "token" not in response.json()


def test_a_spoofed_forwarded_header_does_not_dodge_the_token_throttle(api_client, db, settings):
    settings.TRUSTED_PROXIES = []
    answers = [token_sign_in(api_client, f"guess{n}", "wrong", **spoofed(n)).status_code for n in range(11)]
    assert answers[:10] == [400] * 10
    assert answers[10] == 429


def test_the_token_throttle_counts_each_client_behind_the_proxy_apart(api_client, db, settings):
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    for n in range(10):
        token_sign_in(api_client, f"guess{n}", "wrong", HTTP_X_FORWARDED_FOR="203.0.113.5")
    assert token_sign_in(api_client, "guess", "wrong", HTTP_X_FORWARDED_FOR="203.0.113.5").status_code == 429
    assert token_sign_in(api_client, "guess", "wrong", HTTP_X_FORWARDED_FOR="203.0.113.6").status_code == 400


# Siblings: the access log records the same client address


def test_the_access_log_records_the_client_address_not_a_spoofed_one(api_client, worker, district, settings):
    settings.TRUSTED_PROXIES = []
    case = factories.CaseFactory(assigned_worker=worker, responsible_unit=district)
    api_client.force_authenticate(worker)
    assert api_client.get(f"/api/v1/cases/{case.pk}/", **spoofed(1)).status_code == 200
    assert AccessLog.objects.get(case=case).ip_address == "127.0.0.1"
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    assert api_client.get(f"/api/v1/cases/{case.pk}/", HTTP_X_FORWARDED_FOR="203.0.113.8").status_code == 200
    assert AccessLog.objects.filter(case=case).order_by("-pk").first().ip_address == "203.0.113.8"
