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
