"""The bare Django JSON view that bench/throughput.py compares the case detail with: the same
middleware and gunicorn, no authentication, no database, no serializer."""

from django.http import HttpRequest, JsonResponse
from django.urls import path

BODY = {"id": 1, "stage": "placed", "child": {"id": 1, "last_name": "Nurlanov", "first_name": "Arman"}, "history": []}


def bare(request: HttpRequest) -> JsonResponse:
    return JsonResponse(BODY)


urlpatterns = [path("bare/", bare)]
