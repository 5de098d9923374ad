"""Writes of the statistics app: storing a differentially private release."""

from __future__ import annotations

from collections.abc import Callable

from django.db import IntegrityError, transaction

from stats.models import PrivateRelease


def release_private_table(
    *, key: str, indicator: str, epsilon: float, request: dict, build: Callable[[], dict]
) -> dict:
    """The stored release for this request, or a new one built (with fresh noise) and stored.

    Two first requests at once: the loser of the unique key reads the winner's table."""
    existing = PrivateRelease.objects.filter(key=key).values_list("table", flat=True).first()
    if existing is not None:
        return existing
    table = build()
    release = PrivateRelease(key=key, indicator=indicator, epsilon=epsilon, request=request, table=table)
    release.full_clean()
    try:
        with transaction.atomic():
            release.save()
    except IntegrityError:
        return PrivateRelease.objects.get(key=key).table
    return table
