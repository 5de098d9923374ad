"""The production frame end to end: collectstatic with the manifest storage, then gunicorn (with the
project's gunicorn.conf.py and production settings) serving /healthz and a static file via WhiteNoise."""

import json
import subprocess
import sys
import time

import pytest
from django.conf import settings
from django.db import connection

from tests import processes

pytestmark = [pytest.mark.slow, pytest.mark.django_db]

STRONG_KEY = "Qv7-production-key-for-deployment-tests-0123456789-abcdef"


@pytest.fixture(scope="module")
def production_env(django_db_setup, django_db_blocker, tmp_path_factory) -> dict[str, str]:
    db = connection.settings_dict  # by now, the test database pytest-django created
    name = db["NAME"]
    database_url = f"postgres://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name}"
    return processes.django_env(
        DJANGO_SETTINGS_MODULE="config.settings.production", SECRET_KEY=STRONG_KEY, DATABASE_URL=database_url,
        REDIS_URL=settings.REDIS_URL, CELERY_BROKER_URL=settings.REDIS_URL,
        STATIC_ROOT=str(tmp_path_factory.mktemp("static")), LOG_FORMAT="json",
    )


@pytest.fixture(scope="module")
def collected(production_env) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput"], cwd=settings.BASE_DIR, env=production_env,
        capture_output=True, text=True, timeout=180,
    )


@pytest.fixture(scope="module")
def server(production_env, collected, tmp_path_factory):
    log_path = tmp_path_factory.mktemp("gunicorn") / "gunicorn.log"
    with processes.gunicorn(production_env, workers=2, log_path=log_path) as base_url:
        yield base_url, log_path


HTTPS = {"X-Forwarded-Proto": "https"}  # what the load balancer adds after terminating TLS


def manifest(production_env) -> dict[str, str]:
    path = f"{production_env['STATIC_ROOT']}/staticfiles.json"
    with open(path) as handle:
        return json.load(handle)["paths"]


def test_collectstatic_writes_hashed_files_and_a_manifest(collected, production_env):
    assert collected.returncode == 0, collected.stderr
    assert manifest(production_env)["admin/css/base.css"].startswith("admin/css/base.")


def test_gunicorn_serves_healthz_with_database_and_broker(server):
    base_url, _ = server
    response = processes.get(f"{base_url}/healthz", headers=HTTPS)
    assert response.status_code == 200, response.text
    assert response.json()["database"] == "ok"
    assert response.json()["broker"] == "ok"


def test_plain_http_is_redirected_to_https(server):
    base_url, _ = server
    response = processes.get(f"{base_url}/healthz", allow_redirects=False)
    assert response.status_code == 301
    assert response.headers["Location"].startswith("https://")


def test_whitenoise_serves_a_hashed_static_file_compressed_and_cached_for_long(server, production_env):
    base_url, _ = server
    hashed = manifest(production_env)["admin/css/base.css"]
    response = processes.get(f"{base_url}/static/{hashed}", headers={**HTTPS, "Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/css")
    assert response.headers.get("Content-Encoding") in {"gzip", "br"}
    assert "max-age=315360000" in response.headers["Cache-Control"]


def test_the_access_log_names_request_status_and_time(server):
    base_url, log_path = server
    processes.get(f"{base_url}/healthz?probe=access-log", headers={**HTTPS, "X-Request-Id": "req-42"})
    # gunicorn writes the line just after the response has gone out: give it a moment.
    deadline = time.monotonic() + 10
    while not (lines := [line for line in log_path.read_text().splitlines() if "probe=access-log" in line]):
        assert time.monotonic() < deadline, log_path.read_text()[-2000:]
        time.sleep(0.1)
    assert '"GET /healthz?probe=access-log HTTP/1.1" 200' in lines[-1]
    assert "rid=req-42" in lines[-1]


def test_a_database_outage_in_a_view_answers_503_with_retry_after_not_a_500(rf):
    from django.db import OperationalError

    from config.middleware import DatabaseUnavailableMiddleware

    middleware = DatabaseUnavailableMiddleware(lambda request: None)
    response = middleware.process_exception(rf.get("/api/v1/cases/"), OperationalError("server closed the connection"))
    assert response.status_code == 503
    assert int(response["Retry-After"]) > 0
    assert json.loads(response.content)["detail"]


def test_other_errors_are_left_to_django(rf):
    from config.middleware import DatabaseUnavailableMiddleware

    middleware = DatabaseUnavailableMiddleware(lambda request: None)
    assert middleware.process_exception(rf.get("/"), ValueError("a bug")) is None
