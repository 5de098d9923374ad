"""Authentication hardening: sign-in lockout, API throttling, password rules, cookie flags, and no
secrets in the repository."""

import json
import os
import re
import subprocess
import sys
import time

import pytest
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.cache import cache, caches
from django.core.exceptions import ValidationError
from rest_framework.throttling import SimpleRateThrottle

from core.throttling import History, UserAddressRateThrottle
from tests import factories

pytestmark = pytest.mark.django_db

PASSWORD = "pass-for-tests-1"  # the factories' password


@pytest.fixture
def staff(district):
    user = factories.UserFactory(role="administrator", unit=district, is_staff=True, is_superuser=True)
    return user


def admin_sign_in(client, username: str, password: str):
    return client.post("/admin/login/?next=/admin/", {"username": username, "password": password})


def test_admin_sign_in_works_with_the_right_password(client, staff):
    response = admin_sign_in(client, staff.username, PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == "/admin/"


def test_admin_sign_in_is_locked_after_five_failures_even_with_the_right_password(client, staff):
    statuses = [admin_sign_in(client, staff.username, "wrong-password").status_code for _ in range(settings.AXES_FAILURE_LIMIT)]
    assert statuses == [200] * (settings.AXES_FAILURE_LIMIT - 1) + [429]
    response = admin_sign_in(client, staff.username, PASSWORD)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_lockout_of_one_username_does_not_lock_out_a_colleague_at_the_same_address(client, staff, district):
    colleague = factories.UserFactory(role="administrator", unit=district, is_staff=True, is_superuser=True)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        admin_sign_in(client, staff.username, "wrong-password")
    assert admin_sign_in(client, colleague.username, PASSWORD).status_code == 302


def test_a_successful_sign_in_forgets_earlier_failures(client, staff):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        admin_sign_in(client, staff.username, "wrong-password")
    assert admin_sign_in(client, staff.username, PASSWORD).status_code == 302
    client.logout()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        admin_sign_in(client, staff.username, "wrong-password")
    assert admin_sign_in(client, staff.username, PASSWORD).status_code == 302


@pytest.fixture
def low_rates(monkeypatch):
    """The throttle classes read their rates once, at import; lower them in that very dict."""
    monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "anon", "2/minute")
    monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "user", "3/minute")


def test_anonymous_api_requests_are_throttled(api_client, low_rates, settings):
    settings.API_DOCS_REQUIRE_SIGN_IN = False  # an endpoint open to anonymous clients
    statuses = [api_client.get("/api/schema/").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]


def test_a_signed_in_users_api_requests_are_throttled_with_a_retry_after(api_client, worker, low_rates):
    api_client.force_authenticate(worker)
    statuses = [api_client.get("/api/schema/").status_code for _ in range(3)]
    assert statuses == [200, 200, 200]
    response = api_client.get("/api/schema/")
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0


def test_throttling_counts_each_user_separately(api_client, worker, supervisor, low_rates):
    api_client.force_authenticate(worker)
    for _ in range(4):
        api_client.get("/api/schema/")
    api_client.force_authenticate(supervisor)
    assert api_client.get("/api/schema/").status_code == 200


def test_a_users_request_times_are_kept_as_one_history_object_in_the_process(api_client, worker, low_rates):
    """DRF's sliding log kept in place (core.throttling.LocalHistoryMixin): the throttle cache holds
    the History object itself, one time per request counted, newest first, and nothing else about
    the throttle's answers changes."""
    api_client.force_authenticate(worker)
    key = UserAddressRateThrottle.cache_format % {"scope": "user", "ident": worker.pk}
    assert api_client.get("/api/schema/").status_code == 200
    history = caches["throttle"].get(key)
    assert isinstance(history, History) and len(history) == 1
    assert api_client.get("/api/schema/").status_code == 200
    assert caches["throttle"].get(key) is history  # the same object, counted in place
    assert len(history) == 2 and history[0] >= history[1]
    assert cache.get(key) is None  # nothing in the default cache


def test_a_request_history_stored_as_a_list_is_taken_over_and_counted(api_client, worker, low_rates):
    """A history of another type (a list, as DRF's own throttle keeps it) is read and kept counting."""
    key = UserAddressRateThrottle.cache_format % {"scope": "user", "ident": worker.pk}
    caches["throttle"].set(key, [time.time() - 1, time.time() - 2], 60)
    api_client.force_authenticate(worker)
    assert api_client.get("/api/schema/").status_code == 200
    assert isinstance(caches["throttle"].get(key), History) and len(caches["throttle"].get(key)) == 3
    response = api_client.get("/api/schema/")
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0


def test_expired_request_times_are_dropped_and_no_longer_count(api_client, worker, low_rates):
    key = UserAddressRateThrottle.cache_format % {"scope": "user", "ident": worker.pk}
    caches["throttle"].set(key, History([time.time() - 61, time.time() - 62, time.time() - 63]), 60)
    api_client.force_authenticate(worker)
    assert [api_client.get("/api/schema/").status_code for _ in range(4)] == [200, 200, 200, 429]
    assert len(caches["throttle"].get(key)) == 3


def test_an_empty_history_pops_nothing():
    """Two threads of one worker trimming the same history cannot fail a request."""
    history = History([1.0])
    assert history.pop() == 1.0
    assert history.pop() is None and len(history) == 0


def test_the_object_cache_expires_culls_and_counts_as_locmem_does():
    store = caches["throttle"]
    value = [1]
    store.set("k", value, 60)
    assert store.get("k") is value
    assert store.add("k", [2]) is False
    store.set("gone", 1, -1)
    assert store.get("gone", "default") == "default"
    assert store.add("gone", 5) is True and store.incr("gone", 2) == 7
    with pytest.raises(ValueError):
        store.incr("missing")


@pytest.mark.parametrize("password", ["short1", "12345678901", "password123"])
def test_weak_passwords_are_refused(password, worker):
    with pytest.raises(ValidationError):
        validate_password(password, user=worker)


def test_a_password_like_the_username_is_refused(worker):
    with pytest.raises(ValidationError):
        validate_password(worker.username + "x", user=worker)


def test_a_long_unusual_password_is_accepted(worker):
    validate_password("steppe-Horse-under-9-moons", user=worker)


def test_the_session_cookie_is_http_only_and_same_site(client, staff):
    response = admin_sign_in(client, staff.username, PASSWORD)
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"


def test_production_cookies_are_secure_http_only_and_same_site():
    clean = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DJANGO_SETTINGS_MODULE"}}
    code = (
        "import django, json; django.setup(); from django.conf import settings as s; print(json.dumps({k: getattr(s, k) for k in "
        "['SESSION_COOKIE_SECURE', 'SESSION_COOKIE_HTTPONLY', 'SESSION_COOKIE_SAMESITE', 'CSRF_COOKIE_SECURE', "
        "'CSRF_COOKIE_SAMESITE', 'API_DOCS_REQUIRE_SIGN_IN']}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=settings.BASE_DIR, capture_output=True, text=True, timeout=60,
        env={**clean, "DJANGO_SETTINGS_MODULE": "config.settings.production", "SECRET_KEY": "Zq8" * 20,
             "DATABASE_URL": os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/otbasy")},
    )
    assert result.returncode == 0, result.stderr
    flags = json.loads(result.stdout.strip().splitlines()[-1])
    assert flags == {"SESSION_COOKIE_SECURE": True, "SESSION_COOKIE_HTTPONLY": True, "SESSION_COOKIE_SAMESITE": "Lax",
                     "CSRF_COOKIE_SECURE": True, "CSRF_COOKIE_SAMESITE": "Lax",
                     "API_DOCS_REQUIRE_SIGN_IN": True}


# Patterns are split so that this file does not match itself.
SECRET_PATTERNS = {
    "private key": re.compile("-----BEGIN [A-Z ]*" + "PRIVATE KEY-----"),
    "AWS access key": re.compile(r"\bAKIA" + r"[0-9A-Z]{16}\b"),
    "GitHub token": re.compile(r"\bgh[pousr]_" + r"[A-Za-z0-9]{30,}"),
    "Slack token": re.compile(r"\bxox[abprs]-" + r"[A-Za-z0-9-]{10,}"),
    "hard-coded Django secret key": re.compile(r"^\s*SECRET_KEY\s*=\s*['\"](?!(test-only|local-only))[^'\"]{20,}['\"]", re.M),
    "password inside a connection URL": re.compile(r"\b(postgres|postgresql|redis|amqp)://[^:@/\s'\"]+:(?!\.\.\.|\*)[^@/\s'\"]+@"),
}
SECRET_FILES = re.compile(r"(^|/)(\.env(\..+)?|id_rsa|id_ed25519|.+\.pem|.+\.p12|.+\.key|db\.sqlite3)$")


def tracked_files() -> list[str]:
    result = subprocess.run(["git", "ls-files", "-z"], cwd=settings.BASE_DIR, capture_output=True, check=True, timeout=30)
    return [name for name in result.stdout.decode().split("\0") if name]


def test_no_secret_files_are_tracked():
    assert [name for name in tracked_files() if SECRET_FILES.search(name)] == []


def test_no_secrets_in_tracked_files():
    found = []
    for name in tracked_files():
        path = settings.BASE_DIR / name
        if not path.is_file() or path.stat().st_size > 2_000_000:
            continue
        text = path.read_bytes().decode("utf-8", errors="ignore")
        found += [f"{name}: {label}" for label, pattern in SECRET_PATTERNS.items() if pattern.search(text)]
    assert found == []


def token_sign_in(api_client, username: str, password: str):
    return api_client.post("/api/v1/auth/token/", {"username": username, "password": password}, format="json")


def test_the_token_endpoint_gives_a_token_for_the_right_password(api_client, worker):
    response = token_sign_in(api_client, worker.username, PASSWORD)
    assert response.status_code == 200
    assert response.json()["token"]


def test_the_token_endpoint_refuses_a_locked_out_user_even_with_the_right_password(api_client, worker):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        assert token_sign_in(api_client, worker.username, "wrong-password").status_code == 400
    response = token_sign_in(api_client, worker.username, PASSWORD)
    assert response.status_code == 400
    assert "token" not in response.json()


def test_an_overlong_username_at_the_token_endpoint_is_a_clean_refusal(api_client):
    response = token_sign_in(api_client, "x" * 5000, "wrong-password")
    assert response.status_code == 400


def test_the_token_endpoint_is_throttled_like_a_sign_in(api_client, db):
    # Different usernames each time, so that it is the rate limit that answers, not the lockout.
    answers = [token_sign_in(api_client, f"guess{n}", "wrong-password").status_code for n in range(11)]
    assert answers[:10] == [400] * 10
    assert answers[10] == 429
