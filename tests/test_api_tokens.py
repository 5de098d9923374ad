"""API tokens (django-rest-knox): hashed in the database, expiring, revoked by signing out and by a
password change; malformed tokens are a clean 401; the old clear-text tokens are dropped."""

import datetime as dt
import importlib

import pytest
from django.db import connection
from django.utils import timezone
from knox.models import AuthToken

from tests import factories

pytestmark = pytest.mark.django_db

PASSWORD = "pass-for-tests-1"  # the factories' password
TOKEN_URL = "/api/v1/auth/token/"


def sign_in(api_client, user) -> str:
    response = api_client.post(TOKEN_URL, {"username": user.username, "password": PASSWORD}, format="json")
    assert response.status_code == 200, response.content
    return response.json()["token"]


def refused(response) -> bool:
    """The API refuses a bad token as it refuses no credentials: DRF answers 403 when the first
    authentication class (the session) sends no WWW-Authenticate challenge."""
    return response.status_code == 403 and response.json()["detail"] == "Invalid token."


def get_cases(api_client, token: str):
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    try:
        return api_client.get("/api/v1/cases/")
    finally:
        api_client.credentials()


def test_a_token_comes_with_its_expiry_and_only_its_hash_is_stored(api_client, worker, settings):
    before = timezone.now()
    response = api_client.post(TOKEN_URL, {"username": worker.username, "password": PASSWORD}, format="json")
    body = response.json()
    expiry = dt.datetime.fromisoformat(body["expiry"])
    ttl = settings.REST_KNOX["TOKEN_TTL"]
    assert before + ttl - dt.timedelta(minutes=1) <= expiry <= timezone.now() + ttl
    stored = AuthToken.objects.get(user=worker)
    assert body["token"] not in (stored.digest, stored.token_key)
    assert stored.token_key == body["token"][:15]  # knox keeps a prefix to find the row, not the token
    assert get_cases(api_client, body["token"]).status_code == 200


def test_an_expired_token_is_refused(api_client, worker):
    token = sign_in(api_client, worker)
    AuthToken.objects.filter(user=worker).update(expiry=timezone.now() - dt.timedelta(seconds=1))
    assert refused(get_cases(api_client, token))
    assert not AuthToken.objects.filter(user=worker).exists()  # knox deletes it on sight


def test_signing_in_deletes_the_users_expired_tokens_only(api_client, worker, supervisor):
    old, kept = sign_in(api_client, worker), sign_in(api_client, worker)
    colleague = sign_in(api_client, supervisor)
    AuthToken.objects.filter(token_key=old[:15]).update(expiry=timezone.now() - dt.timedelta(seconds=1))
    AuthToken.objects.filter(user=supervisor).update(expiry=timezone.now() - dt.timedelta(seconds=1))
    assert get_cases(api_client, kept).status_code == 200  # the token sent is the only one read
    assert AuthToken.objects.filter(user=worker).count() == 2
    fresh = sign_in(api_client, worker)
    assert set(AuthToken.objects.filter(user=worker).values_list("token_key", flat=True)) == {kept[:15], fresh[:15]}
    assert AuthToken.objects.filter(user=supervisor, token_key=colleague[:15]).exists()


def test_the_token_and_its_user_are_read_in_one_statement(api_client, worker, django_assert_num_queries):
    case = factories.CaseFactory(assigned_worker=worker, responsible_unit=worker.unit)
    token = sign_in(api_client, worker)
    api_client.cookies.clear()  # an API client sends its token only (the session is another way in)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    # The token with its user, the case with its history, the access-log row.
    with django_assert_num_queries(3):
        response = api_client.get(f"/api/v1/cases/{case.pk}/")
    assert response.status_code == 200
    assert response.wsgi_request.user == worker


def test_sign_out_revokes_this_token_only(api_client, worker):
    first, second = sign_in(api_client, worker), sign_in(api_client, worker)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {first}")
    assert api_client.post("/api/v1/auth/logout/").status_code == 204
    api_client.credentials()
    assert refused(get_cases(api_client, first))
    assert get_cases(api_client, second).status_code == 200


def test_sign_out_everywhere_revokes_every_token_of_the_user_only(api_client, worker, supervisor):
    first, second = sign_in(api_client, worker), sign_in(api_client, worker)
    colleague = sign_in(api_client, supervisor)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {first}")
    assert api_client.post("/api/v1/auth/logout-all/").status_code == 204
    api_client.credentials()
    assert refused(get_cases(api_client, first))
    assert refused(get_cases(api_client, second))
    assert get_cases(api_client, colleague).status_code == 200


def test_sign_out_without_a_token_is_refused(api_client, worker):
    assert api_client.post("/api/v1/auth/logout/").status_code == 401
    assert api_client.post("/api/v1/auth/logout-all/").status_code == 401


def test_a_password_change_revokes_every_token_of_the_user(api_client, worker, supervisor):
    token, colleague = sign_in(api_client, worker), sign_in(api_client, supervisor)
    worker.set_password("a-new-steppe-password-7")
    worker.save()
    assert refused(get_cases(api_client, token))
    assert get_cases(api_client, colleague).status_code == 200


def test_saving_a_user_without_a_password_change_keeps_the_tokens(api_client, worker):
    token = sign_in(api_client, worker)
    worker.first_name = "Aigerim"
    worker.save()
    assert get_cases(api_client, token).status_code == 200


@pytest.mark.parametrize("header", [
    "Token abc", "Token " + "g" * 64, "Token " + "a\x00" * 32, "Token " + "\xff" * 64, "Token é" + "a" * 63,
    "Token " + "A" * 64,
])
def test_a_malformed_token_is_a_clean_refusal(api_client, worker, header):
    assert refused(api_client.get("/api/v1/cases/", HTTP_AUTHORIZATION=header))


def test_the_wrong_password_gets_no_token(api_client, worker):
    response = api_client.post(TOKEN_URL, {"username": worker.username, "password": "nope"}, format="json")
    assert response.status_code == 400
    assert "token" not in response.json()
    assert not AuthToken.objects.exists()


def test_an_inactive_user_gets_no_token(api_client, worker):
    worker.is_active = False
    worker.save()
    response = api_client.post(TOKEN_URL, {"username": worker.username, "password": PASSWORD}, format="json")
    assert response.status_code == 400


def test_the_migration_drops_the_old_clear_text_tokens(worker):
    migration = importlib.import_module("accounts.migrations.0004_drop_drf_authtoken_tokens").Migration
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE authtoken_token (key varchar(40) PRIMARY KEY, created timestamptz, user_id bigint)")
        cursor.execute("INSERT INTO authtoken_token VALUES ('0123456789abcdef', now(), %s)", [worker.pk])
        cursor.execute("INSERT INTO django_migrations (app, name, applied) VALUES ('authtoken', '0001_initial', now())")
        for sql in migration.operations[0].sql:
            cursor.execute(sql)
        cursor.execute("SELECT count(*) FROM django_migrations WHERE app = 'authtoken'")
        assert cursor.fetchone()[0] == 0
    assert "authtoken_token" not in connection.introspection.table_names()


def test_drf_authtoken_is_gone_from_the_project(settings):
    assert "rest_framework.authtoken" not in settings.INSTALLED_APPS
    assert settings.REST_FRAMEWORK["DEFAULT_AUTHENTICATION_CLASSES"] == [
        "rest_framework.authentication.SessionAuthentication", "accounts.authentication.ApiTokenAuthentication"]
