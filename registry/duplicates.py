"""Likely duplicates of a person about to be registered: the same IIN, or the same birth date and a
name that reads the same once Cyrillic/Kazakh letters are transliterated and case is ignored
("Нұрланов Арман" ~ "Nurlanov Arman" ~ "NURLANOV ARMAN")."""

import datetime as dt
import re
from dataclasses import asdict, dataclass

from anyascii import anyascii
from rapidfuzz import fuzz

from children.models import Child
from families.models import Applicant

# Names at or above this similarity (0–100, after transliteration) count as the same name.
NAME_SIMILARITY_THRESHOLD = 85

# Common spelling variants of the same sound in Latin transcriptions of Kazakh/Russian names.
_VARIANTS = (("kh", "h"), ("zh", "j"), ("dzh", "j"), ("iy", "i"), ("yi", "i"), ("y", "i"), ("w", "v"), ("q", "k"), ("ie", "e"))


def normalize_name(*parts: str) -> str:
    """A comparable form of a name: ASCII, lower case, letters only, spelling variants folded."""
    text = anyascii(" ".join(p for p in parts if p)).lower()
    text = re.sub(r"[^a-z ]+", "", text)
    for variant, folded in _VARIANTS:
        text = text.replace(variant, folded)
    return re.sub(r"\s+", " ", text).strip()


def name_similarity(a: str, b: str) -> float:
    return fuzz.token_sort_ratio(a, b)


@dataclass(frozen=True)
class DuplicateWarning:
    kind: str  # "child" or "family"
    id: int
    reason: str  # "same_iin" or "same_birth_date_similar_name"
    similarity: float

    def as_dict(self) -> dict:
        return asdict(self)


def _warn(kind: str, rows, iin: str | None, names: str, birth_date: dt.date | None, id_attr: str) -> list[DuplicateWarning]:
    warnings: dict[int, DuplicateWarning] = {}
    for row in rows:
        row_id = getattr(row, id_attr)
        if iin and row.iin == iin:
            warnings[row_id] = DuplicateWarning(kind, row_id, "same_iin", 100.0)
            continue
        if birth_date and row.birth_date == birth_date:
            score = name_similarity(names, normalize_name(row.last_name, row.first_name, row.patronymic))
            if score >= NAME_SIMILARITY_THRESHOLD and row_id not in warnings:
                warnings[row_id] = DuplicateWarning(kind, row_id, "same_birth_date_similar_name", round(score, 1))
    return list(warnings.values())


def child_duplicates(
    *, last_name: str, first_name: str, patronymic: str = "", birth_date: dt.date | None, iin: str | None, exclude_id: int | None = None
) -> list[DuplicateWarning]:
    """Children already registered who are likely the same child. One indexed query (IIN, birth date)."""
    from django.db.models import Q

    condition = Q(birth_date=birth_date) if birth_date else Q(pk__in=[])
    if iin:
        condition |= Q(iin=iin)
    rows = Child.objects.filter(condition).only("id", "iin", "birth_date", "last_name", "first_name", "patronymic")
    if exclude_id:
        rows = rows.exclude(pk=exclude_id)
    return _warn("child", rows, iin, normalize_name(last_name, first_name, patronymic), birth_date, "id")


def applicant_duplicates(
    *, last_name: str, first_name: str, patronymic: str = "", birth_date: dt.date | None, iin: str | None,
    exclude_family_id: int | None = None,
) -> list[DuplicateWarning]:
    """Families with an applicant who is likely the same person."""
    from django.db.models import Q

    condition = Q(birth_date=birth_date) if birth_date else Q(pk__in=[])
    if iin:
        condition |= Q(iin=iin)
    rows = Applicant.objects.filter(condition).only("family_id", "iin", "birth_date", "last_name", "first_name", "patronymic")
    if exclude_family_id:
        rows = rows.exclude(family_id=exclude_family_id)
    return _warn("family", rows, iin, normalize_name(last_name, first_name, patronymic), birth_date, "family_id")
