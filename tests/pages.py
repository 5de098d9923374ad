"""Fetching a page as a user reads it in a language, for the tests of what the pages say (kk/ru/en)."""

from django.test import Client
from django.urls import reverse


def fetch(client: Client, language: str, url: str, *, user=None) -> str:
    """The HTML of ``url`` in ``language`` (the language cookie and Accept-Language), as ``user``
    when one is given (else as the client is logged in); the page must answer 200."""
    if user is not None:
        client.force_login(user)
    client.cookies["django_language"] = language
    response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200, url
    return response.content.decode()


def get(client: Client, user, language: str, name: str, *args) -> str:
    """The HTML of the page named ``name`` (with ``args`` in its URL) as ``user`` reads it in ``language``."""
    return fetch(client, language, reverse(name, args=args), user=user)


def apostrophes(html: str) -> str:
    """``html`` with Django's escaped apostrophe (&#x27;) written as ', for comparing with text."""
    return html.replace("&#x27;", "'")
