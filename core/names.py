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
from django.db.models import BooleanField, F, Func, Q, Subquery
from django.utils.translation import gettext_lazy as _

# Common spelling variants of the same sound in Latin transcriptions of Kazakh/Russian names.
_VARIANTS = (("kh", "h"), ("zh", "j"), ("dzh", "j"), ("iy", "i"), ("yi", "i"), ("y", "i"), ("w", "v"), ("q", "k"), ("ie", "e"))

# The Cyrillic letters in the order of the Kazakh alphabet, which holds the Russian one in its order:
# sorting by code point would put Қарағанды and Ұлытау after Я.
CYRILLIC_ORDER = "аәбвгғдеёжзийкқлмнңоөпрстуұүфхһцчшщъыіьэюя"
_CYRILLIC_RANK = {letter: i for i, letter in enumerate(CYRILLIC_ORDER)}


def alphabetical(text: str) -> tuple:
    """A sort key for a name in Kazakh, Russian or English: Cyrillic letters by their place in the
    Kazakh alphabet, other characters by code point, case ignored."""
    return tuple((0, _CYRILLIC_RANK[c]) if c in _CYRILLIC_RANK else (1, ord(c)) for c in text.casefold())


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

# Rows per UPDATE when a migration fills search_text for existing rows.
FILL_BATCH = 10_000


def fill_search_text(model: type[models.Model], connection: object, batch: int = FILL_BATCH) -> int:
    """Fill ``search_text`` for every row of ``model`` (a migration's historical model) on
    ``connection`` (the schema editor's): the rows read in pk order, ``batch`` at a time, each batch
    written by one ``UPDATE ... FROM unnest(ids, texts)`` (Django's bulk_update builds a CASE of
    ``batch`` branches, minutes for a million children). Returns the number of rows filled."""
    table = connection.ops.quote_name(model._meta.db_table)
    done, last = 0, 0
    with connection.cursor() as cursor:
        while True:
            rows = list(model.objects.filter(pk__gt=last).order_by("pk").values_list("pk", *SEARCH_FIELDS)[:batch])
            if not rows:
                return done
            cursor.execute(
                f"UPDATE {table} t SET search_text = v.text FROM unnest(%s::bigint[], %s::text[]) AS v(id, text) "
                "WHERE t.id = v.id",
                [[r[0] for r in rows],
                 [search_text(last_name=r[1], first_name=r[2], patronymic=r[3], iin=r[4]) for r in rows]],
            )
            done, last = done + len(rows), rows[-1][0]


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


class InArray(Func):
    """``column = ANY(ARRAY(subquery))``: the subquery's ids are found first (a trigram index
    scan), then the rows by their indexed column. A join or ``IN`` lets the planner walk a list's
    ordered index instead, testing each row, which for a region's cases and a common name read the
    whole index (2.2 s at national scale; bench/bench_search.py)."""

    output_field = BooleanField()
    conditional = True

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list]:
        column, column_params = compiler.compile(self.source_expressions[0])
        ids, ids_params = compiler.compile(self.source_expressions[1])
        return f"{column} = ANY(ARRAY{ids})", [*column_params, *ids_params]


def word_needles(q: str) -> list[tuple[str, str]]:
    """The searchable words of ``q``: ``(word as typed, what search_text must contain)``; words
    with nothing searchable (punctuation) are left out."""
    needles = []
    for word in q.split():
        needle = word if word.isdigit() else normalize_name(word)
        if needle:
            needles.append((word, needle))
    return needles


def search_condition(q: str, *, path: str = "", number_field: str | None = "pk",
                     search_model: type[models.Model] | None = None, id_field: str = "id",
                     matches_first: bool = False) -> Q:
    """The WHERE condition of a search (children.selectors.search_children, families.selectors.
    search_families); an empty ``q`` matches everything. Every word must be in ``search_text`` — of
    the rows themselves (``path`` ""), or of a ``search_model`` row whose ``id_field`` is the rows'
    ``path`` column. A ``q`` that is one number of fewer than 12 digits also finds the record of that
    number (``number_field``).

    ``matches_first`` (for a supervisor's or an administrator's lists: a region's or the country's
    rows) looks the matching ids up first, all words in one trigram index scan (``InArray``), then
    the rows by their indexed column. Without it (a worker's lists: a caseload of tens to a few
    thousand rows) the rows are found first and their names tested, by a semi-join the planner
    starts from the small side. Measured at national scale in bench/bench_search.py."""
    needles = word_needles(q)
    if not needles:
        return Q()
    contains = Q()
    for _word, needle in needles:
        contains &= Q(search_text__contains=needle)
    if search_model is None:
        condition = contains
    else:
        ids = search_model.objects.filter(contains).values(id_field).order_by()
        condition = Q(InArray(F(path), Subquery(ids))) if matches_first else Q(**{f"{path}__in": ids})
    word = needles[0][0]
    if len(needles) == 1 and word.isdigit() and number_field and len(word) < 12:
        condition |= Q(**{number_field: int(word)})
    return condition
