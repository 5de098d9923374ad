"""A refused request is one warning line in the server log (user id, path, status), without a
traceback; a real error keeps its traceback (core.logging.RefusalFilter on django.request)."""

import logging

import pytest
from django.test import Client
from django.urls import path

pytestmark = pytest.mark.django_db


def _boom(request):
    raise RuntimeError("a real error")


# This module is also the URL configuration of the last test (a page that fails).
urlpatterns = [path("boom/", _boom)]


def _request_records(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "django.request"]


@pytest.mark.parametrize("path", ["/cases/", "/children/"])
def test_an_analysts_refused_page_is_one_warning_line_without_a_traceback(client, analyst, caplog, path):
    client.force_login(analyst)

    with caplog.at_level(logging.INFO, logger="django.request"):
        response = client.get(path)

    assert response.status_code == 403
    [record] = _request_records(caplog)
    assert record.levelno == logging.WARNING
    assert record.exc_info is None and record.exc_text is None
    assert record.getMessage() == f"Refused: user {analyst.pk}, {path}, status 403"
    formatted = logging.Formatter("%(levelname)s %(name)s %(message)s").format(record)
    assert "\n" not in formatted and "Traceback" not in caplog.text


def test_a_refusal_by_the_api_is_logged_the_same_way(api_client, analyst, caplog):
    api_client.force_authenticate(analyst)

    with caplog.at_level(logging.INFO, logger="django.request"):
        response = api_client.get("/api/v1/children/")

    assert response.status_code == 403
    [record] = _request_records(caplog)
    assert record.levelno == logging.WARNING and record.exc_info is None
    assert record.getMessage() == f"Refused: user {analyst.pk}, /api/v1/children/, status 403"


@pytest.mark.urls("tests.test_refusal_logging")
def test_a_real_error_keeps_its_traceback(caplog):
    with caplog.at_level(logging.INFO, logger="django.request"):
        response = Client(raise_request_exception=False).get("/boom/")

    assert response.status_code == 500
    [record] = _request_records(caplog)
    assert record.levelno == logging.ERROR and record.exc_info is not None
    assert "Traceback" in caplog.text and "a real error" in caplog.text
