"""Likely duplicates of a person about to be registered: the same IIN, or the same birth date and a
name that reads the same once Cyrillic/Kazakh letters are transliterated and case is ignored
("Нұрланов Арман" ~ "Nurlanov Arman" ~ "NURLANOV ARMAN"), compared part by part: surname, given name
and patronymic each optional, a patronymic in its Kazakh or Russian form ("Серікұлы" ~ "Серикович"),
surname and given name swapped, double and hyphenated surnames (see name_similarity)."""

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


# Endings of a patronymic, Russian (-ович/-евич/-овна/-евна/-ична/-ич) and Kazakh (-ұлы/-қызы, also
# written apart: "Серік ұлы"), after normalize_name: the root left ("serik") names the father.
_PATRONYMIC_ENDINGS = ("ovich", "evich", "ovna", "evna", "ichna", "inichna", "ich", "uli", "kizi")


@dataclass(frozen=True)
class NameParts:
    """A person's name as comparable parts: surname words (a double or hyphenated surname gives
    several), given-name words, and the root of the patronymic ("" when there is none)."""

    surnames: tuple[str, ...]
    given: tuple[str, ...]
    patronymic_root: str

    @classmethod
    def of(cls, last_name: str = "", first_name: str = "", patronymic: str = "") -> "NameParts":
        return cls(_words(last_name), _words(first_name), patronymic_root(patronymic))


def _words(part: str) -> tuple[str, ...]:
    return tuple(normalize_name(part.replace("-", " ")).split())


def patronymic_root(patronymic: str) -> str:
    """"Серікұлы", "Серік ұлы", "Серикович", "Serikovna", "Серікқызы" -> "serik"."""
    text = normalize_name(patronymic).replace(" ", "")
    for ending in _PATRONYMIC_ENDINGS:
        if text.endswith(ending) and len(text) > len(ending) + 1:
            return text[: -len(ending)]
    return text


def _words_score(a: tuple[str, ...], b: tuple[str, ...]) -> float:
    """How alike two parts are: the best pair of their words, or the whole parts (0 if one is empty)."""
    if not a or not b:
        return 0.0
    best = max(fuzz.ratio(x, y) for x in a for y in b)
    return max(best, fuzz.ratio(" ".join(a), " ".join(b)))


def name_similarity(a: NameParts, b: NameParts) -> float:
    """0–100: how likely two names are one person's, compared part by part.

    Surname with surname and given name with given name, or crossed (surname and given name swapped
    between two records); a surname word matches a double surname ("Иванова-Петрова" ~ "Петрова").
    The patronymic counts only when both have one (a name written without it is still the same
    name), by its root, so the Kazakh and Russian forms of one patronymic agree."""
    straight = (_words_score(a.surnames, b.surnames) + _words_score(a.given, b.given)) / 2
    crossed = (_words_score(a.surnames, b.given) + _words_score(a.given, b.surnames)) / 2
    score = max(straight, crossed)
    if a.patronymic_root and b.patronymic_root:
        score = (2 * score + fuzz.ratio(a.patronymic_root, b.patronymic_root)) / 3
    return score


@dataclass(frozen=True)
class DuplicateWarning:
    kind: str  # "child" or "family"
    id: int
    reason: str  # "same_iin" or "same_birth_date_similar_name"
    similarity: float

    def as_dict(self) -> dict:
        return asdict(self)


def _warn(kind: str, rows, iin: str | None, names: NameParts, birth_date: dt.date | None, id_attr: str) -> list[DuplicateWarning]:
    warnings: dict[int, DuplicateWarning] = {}
    for row in rows:
        row_id = getattr(row, id_attr)
        if iin and row.iin == iin:
            warnings[row_id] = DuplicateWarning(kind, row_id, "same_iin", 100.0)
            continue
        if birth_date and row.birth_date == birth_date:
            score = name_similarity(names, NameParts.of(row.last_name, row.first_name, row.patronymic))
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
    return _warn("child", rows, iin, NameParts.of(last_name, first_name, patronymic), birth_date, "id")


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
    return _warn("family", rows, iin, NameParts.of(last_name, first_name, patronymic), birth_date, "family_id")
