"""Production settings refuse unsafe starts; /healthz reports the database and the broker."""

import os
import subprocess
import sys

import pytest
from django.conf import settings

pytestmark = pytest.mark.django_db

STRONG_KEY = "k" * 20 + "-production-secret-key-0123456789"


def run_manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DJANGO_SETTINGS_MODULE"}}
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=settings.BASE_DIR, capture_output=True, text=True, timeout=120,
        env={**clean, "DJANGO_SETTINGS_MODULE": "config.settings.production", **env},
    )


def test_production_refuses_to_start_without_a_secret_key():
    result = run_manage("check")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_refuses_a_short_or_development_key():
    assert run_manage("check", SECRET_KEY="short").returncode != 0
    assert run_manage("check", SECRET_KEY="local-only-insecure-key-do-not-use-in-production-xxxx").returncode != 0


def test_production_passes_the_deployment_checklist():
    # The security checklist; the API schema's own warnings are tested in test_api_schema.py.
    result = run_manage("check", "--deploy", "--tag", "security", "--fail-level", "WARNING", SECRET_KEY=STRONG_KEY,
                        DATABASE_URL=os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/otbasy"))
    assert result.returncode == 0, result.stderr + result.stdout


def test_healthz_reports_database_and_broker(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["database"] == "ok"
    assert response.json()["broker"] == "ok"


def test_healthz_says_degraded_when_the_broker_is_unreachable(client, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["broker"].startswith("error")
    assert response.json()["database"] == "ok"


def test_every_connection_runs_without_the_jit_compiler():
    # JIT compiling cost the overdue-first caseload ~0.8 s per request for ~50 ms of work.
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"


def test_production_connections_run_without_the_jit_compiler_unless_asked():
    code = "from django.conf import settings; print(settings.DATABASES['default']['OPTIONS']['options'])"
    assert run_manage("shell", "-c", code, SECRET_KEY=STRONG_KEY).stdout.splitlines()[-1] == "-c jit=off"
    assert run_manage("shell", "-c", code, SECRET_KEY=STRONG_KEY, DATABASE_JIT="on").stdout.splitlines()[-1] == "-c jit=on"
