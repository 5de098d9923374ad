"""People's names in one comparable form: what the duplicate check compares and what search matches.

A name is transliterated to ASCII (Cyrillic and Kazakh letters included: "Нұрланов" -> "nurlanov"),
lower-cased, stripped of anything but letters, and common spelling variants of one sound are folded
("kh"/"h", "zh"/"j", "y"/"i", ...), so "Нұрланов Арман", "NURLANOV ARMAN" and "Nurlanov Arman" read
alike. Each person's record keeps this form in a ``search_text`` column (with the IIN), written on
every save, so that a search is a ``LIKE`` on one indexed column in PostgreSQL, not a computation
per row or per query.
"""

import re
from typing import Any

from anyascii import anyascii
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

# Common spelling variants of the same sound in Latin transcriptions of Kazakh/Russian names.
_VARIANTS = (("kh", "h"), ("zh", "j"), ("dzh", "j"), ("iy", "i"), ("yi", "i"), ("y", "i"), ("w", "v"), ("q", "k"), ("ie", "e"))

# Room for three names of 100 characters (transliteration may lengthen them), spaces and an IIN.
SEARCH_TEXT_MAX_LENGTH = 700


def normalize_name(*parts: str) -> str:
    """A comparable form of a name: ASCII, lower case, letters only, spelling variants folded."""
    text = anyascii(" ".join(p for p in parts if p)).lower()
    text = re.sub(r"[^a-z ]+", "", text)
    for variant, folded in _VARIANTS:
        text = text.replace(variant, folded)
    return re.sub(r"\s+", " ", text).strip()


def search_text(*, last_name: str, first_name: str, patronymic: str = "", iin: str | None = None) -> str:
    """What a person's ``search_text`` column holds: the normalised name, then the IIN's digits
    ("nurlanov arman serikuli 170312600123"). Names carry no digits, so digits typed in a search
    can only match the IIN."""
    return " ".join(p for p in (normalize_name(last_name, first_name, patronymic), iin or "") if p)[:SEARCH_TEXT_MAX_LENGTH]


SEARCH_FIELDS = ("last_name", "first_name", "patronymic", "iin")


class NameSearchable(models.Model):
    """A person's record (a child, an applicant) with its ``search_text`` kept in step on save.
    Writers that bypass ``save`` (bulk_create in the import, COPY in the demo loader) call
    ``refresh_search_text`` or fill the column themselves."""

    search_text = models.CharField(_("search text"), max_length=SEARCH_TEXT_MAX_LENGTH, blank=True, default="",
                                   db_default="", editable=False)

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.refresh_search_text()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and set(update_fields) & set(SEARCH_FIELDS):
            kwargs["update_fields"] = {*update_fields, "search_text"}
        super().save(*args, **kwargs)

    def refresh_search_text(self) -> None:
        self.search_text = search_text(last_name=self.last_name, first_name=self.first_name,
                                       patronymic=self.patronymic, iin=self.iin)


def search_text_index(prefix: str) -> GinIndex:
    """A trigram index on ``search_text``: ``LIKE '%word%'`` (Django's ``contains``) reads it for
    words of three characters or more, instead of scanning the table."""
    return GinIndex(fields=["search_text"], name=f"{prefix}_search_trgm", opclasses=["gin_trgm_ops"])


def search_condition(q: str, *, path: str = "", number_field: str | None = "pk") -> Q:
    """The WHERE condition of a search on records reaching a ``search_text`` through ``path``
    (children.selectors.search_children, families.selectors.search_families): one AND term per
    word, an empty ``q`` matching everything. Words with nothing searchable (punctuation) are
    ignored."""
    condition = Q()
    for word in q.split():
        digits = word.isdigit()
        needle = word if digits else normalize_name(word)
        if not needle:
            continue
        term = Q(**{f"{path}search_text__contains": needle})
        if digits and number_field and len(word) < 12:
            term |= Q(**{number_field: int(word)})
        condition &= term
    return condition
