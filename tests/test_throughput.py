"""What issue 20 goal 3 (the case detail's throughput under gunicorn, bench/README.md) changed around
the request: the behaviour stays, nothing is timed here."""

import gc
import runpy

import pytest
from django.conf import settings
from django.http import Http404
from rest_framework.exceptions import NotAcceptable
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from core.negotiation import JsonContentNegotiation


def test_the_master_freezes_what_it_loaded_before_forking_a_worker():
    config = runpy.run_path(str(settings.BASE_DIR / "gunicorn.conf.py"))
    gc.unfreeze()
    try:
        config["pre_fork"](None, None)
        assert gc.get_freeze_count() > 0  # out of the collector's reach in the worker forked next
    finally:
        gc.unfreeze()


ACCEPT_HEADERS = [None, "*/*", "application/json", "application/json; indent=4", "application/*", "text/html",
                  "text/html, application/json;q=0.9", "", "application/xml", "*/*;q=0.8", "APPLICATION/JSON"]


@pytest.mark.parametrize("accept", ACCEPT_HEADERS)
@pytest.mark.parametrize("query", ["", "?format=json", "?format=api", "?page=2"])
@pytest.mark.parametrize("renderers", [[JSONRenderer], [JSONRenderer, BrowsableAPIRenderer]])
@pytest.mark.parametrize("suffix", [None, "json"])
def test_the_json_negotiation_answers_as_drfs(accept, query, renderers, suffix):
    headers = {} if accept is None else {"HTTP_ACCEPT": accept}
    request = Request(APIRequestFactory().get(f"/api/v1/cases/1/{query}", **headers))
    answers = []
    for negotiation in (DefaultContentNegotiation(), JsonContentNegotiation()):
        try:
            renderer, media_type = negotiation.select_renderer(request, [cls() for cls in renderers], suffix)
            answers.append((type(renderer), media_type))
        except (NotAcceptable, Http404) as refusal:
            answers.append(type(refusal))
    assert answers[1] == answers[0]


@pytest.mark.django_db
def test_the_api_still_refuses_what_it_cannot_render(api_client, worker):
    api_client.force_authenticate(worker)
    assert api_client.get("/api/v1/cases/", HTTP_ACCEPT="text/html").status_code == 406
    response = api_client.get("/api/v1/cases/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    assert api_client.get("/api/v1/cases/").status_code == 200


@pytest.fixture
def kept_connection(db):
    """A connection of its own to the test database, kept between 'requests' with health checks on,
    as a web process keeps its connection (CONN_MAX_AGE > 0)."""
    from django.db import connection
    from django.db.utils import load_backend

    settings_dict = {**connection.settings_dict, "CONN_HEALTH_CHECKS": True, "CONN_MAX_AGE": 600}
    kept = load_backend(settings_dict["ENGINE"]).DatabaseWrapper(settings_dict, "health_check_probe")
    kept.ensure_connection()
    yield kept
    kept.close()


def next_request(connection) -> None:
    """What Django does between two requests (request_finished, request_started) for a kept connection."""
    connection.close_if_unusable_or_obsolete()


def test_the_backend_is_the_projects(kept_connection):
    from core.postgresql.base import DatabaseWrapper

    assert isinstance(kept_connection, DatabaseWrapper) and kept_connection.vendor == "postgresql"


def test_a_live_kept_connection_is_reused_without_a_round_trip(kept_connection, monkeypatch):
    next_request(kept_connection)
    asked = []
    monkeypatch.setattr(kept_connection, "is_usable", lambda: asked.append(1) or True)
    with kept_connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    assert asked == []  # no SELECT 1: the socket had nothing to say
    assert kept_connection.connection.info.backend_pid == pid


def test_a_kept_connection_the_server_ended_is_replaced_before_the_requests_first_statement(kept_connection, monkeypatch):
    from django.db import connection as other

    with kept_connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        ended = cursor.fetchone()[0]
    next_request(kept_connection)
    with other.cursor() as cursor:  # as a restart or pg_terminate_backend ends a backend
        cursor.execute("SELECT pg_terminate_backend(%s, 5000)", [ended])
    usable = kept_connection.is_usable
    asked = []
    monkeypatch.setattr(kept_connection, "is_usable", lambda: asked.append(1) or usable())
    with kept_connection.cursor() as cursor:  # the health check finds out; no error reaches the request
        cursor.execute("SELECT pg_backend_pid()")
        assert cursor.fetchone()[0] != ended
    assert asked == [1]  # the socket said the server had spoken: Django's SELECT 1 decided
