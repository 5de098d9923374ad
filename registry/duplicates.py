"""Likely duplicates of a person about to be registered: the same IIN, or the same birth date and a
name that reads the same once Cyrillic/Kazakh letters are transliterated and case is ignored
("Нұрланов Арман" ~ "Nurlanov Arman" ~ "NURLANOV ARMAN"), compared part by part: surname, given name
and patronymic each optional, a patronymic in its Kazakh or Russian form ("Серікұлы" ~ "Серикович"),
surname and given name swapped, double and hyphenated surnames (see name_similarity)."""

import datetime as dt
from dataclasses import asdict, dataclass

from django.db.models import F, OuterRef, Subquery
from django.utils.translation import gettext as _
from rapidfuzz import fuzz

from accounts.models import OrganisationalUnit, User
from cases.models import Case
from children.models import Child
from core.names import normalize_name
from families.models import Applicant

# Names at or above this similarity (0–100, after transliteration) count as the same name.
NAME_SIMILARITY_THRESHOLD = 85

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
    unit_id: int | None = None  # the unit responsible for the child's latest case, or for the family

    def as_dict(self) -> dict:
        return asdict(self)


def _warn(kind: str, rows, iin: str | None, names: NameParts, birth_date: dt.date | None, id_attr: str) -> list[DuplicateWarning]:
    warnings: dict[int, DuplicateWarning] = {}
    for row in rows:
        row_id = getattr(row, id_attr)
        if iin and row.iin == iin:
            warnings[row_id] = DuplicateWarning(kind, row_id, "same_iin", 100.0, row.unit_id)
            continue
        if birth_date and row.birth_date == birth_date:
            score = name_similarity(names, NameParts.of(row.last_name, row.first_name, row.patronymic))
            if score >= NAME_SIMILARITY_THRESHOLD and row_id not in warnings:
                warnings[row_id] = DuplicateWarning(kind, row_id, "same_birth_date_similar_name", round(score, 1), row.unit_id)
    return list(warnings.values())


def warnings_for(user: User, warnings: list[DuplicateWarning]) -> list[dict]:
    """The warnings as this user may read them. A child or family the user sees is named by its id;
    one outside their visibility is only "a possible duplicate is registered in unit X; ask its
    supervisor" (no id, no similarity that would confirm a name). Two queries at most.

    Returns dicts with kind, id (None when foreign), reason, similarity (None when foreign), unit
    (the unit's name, or "") and message."""
    from access.selectors import children_visible_to, families_visible_to

    child_ids = [w.id for w in warnings if w.kind == "child"]
    family_ids = [w.id for w in warnings if w.kind == "family"]
    visible: set[tuple[str, int]] = set()
    if child_ids:
        visible |= {("child", pk) for pk in children_visible_to(user).filter(pk__in=child_ids).values_list("pk", flat=True)}
    if family_ids:
        visible |= {("family", pk) for pk in families_visible_to(user).filter(pk__in=family_ids).values_list("pk", flat=True)}
    units = OrganisationalUnit.objects.in_bulk({w.unit_id for w in warnings if w.unit_id})
    shown = []
    for warning in warnings:
        unit = str(units[warning.unit_id]) if warning.unit_id in units else ""
        if (warning.kind, warning.id) in visible:
            message = (_("A possible duplicate: child № %(id)s.") if warning.kind == "child"
                       else _("A possible duplicate: family № %(id)s.")) % {"id": warning.id}
            shown.append({"kind": warning.kind, "id": warning.id, "reason": warning.reason, "similarity": warning.similarity,
                          "unit": unit, "message": message})
            continue
        message = (_("A possible duplicate is registered in unit %(unit)s; ask its supervisor.") % {"unit": unit} if unit
                   else _("A possible duplicate is registered in another unit; ask its supervisor."))
        shown.append({"kind": warning.kind, "id": None, "reason": warning.reason, "similarity": None, "unit": unit,
                      "message": message})
    return shown


def child_duplicates(
    *, last_name: str, first_name: str, patronymic: str = "", birth_date: dt.date | None, iin: str | None, exclude_id: int | None = None
) -> list[DuplicateWarning]:
    """Children already registered who are likely the same child. One indexed query (IIN, birth date)."""
    from django.db.models import Q

    condition = Q(birth_date=birth_date) if birth_date else Q(pk__in=[])
    if iin:
        condition |= Q(iin=iin)
    latest_unit = Case.objects.filter(child_id=OuterRef("pk")).order_by("-opened_on", "-id").values("responsible_unit_id")[:1]
    rows = (Child.objects.filter(condition).only("id", "iin", "birth_date", "last_name", "first_name", "patronymic")
            .annotate(unit_id=Subquery(latest_unit)))
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
    rows = (Applicant.objects.filter(condition).only("family_id", "iin", "birth_date", "last_name", "first_name", "patronymic")
            .annotate(unit_id=F("family__responsible_unit_id")))
    if exclude_family_id:
        rows = rows.exclude(family_id=exclude_family_id)
    return _warn("family", rows, iin, NameParts.of(last_name, first_name, patronymic), birth_date, "family_id")
