"""What a worker types into a search box, as a database filter: words of a name, matched without
regard to case in PostgreSQL (Cyrillic included: UPPER() follows the database's UTF-8 character
type), digits as part of an IIN or a record number."""

from django.db.models import Q, QuerySet

from children.models import Child
from families.models import Applicant, Family


def _name_condition(word: str, prefix: str = "") -> Q:
    return (Q(**{f"{prefix}last_name__icontains": word}) | Q(**{f"{prefix}first_name__icontains": word})
            | Q(**{f"{prefix}patronymic__icontains": word}))


def search_children(rows: QuerySet[Child], q: str, prefix: str = "") -> QuerySet:
    """Children (or rows reaching a child through ``prefix``, e.g. ``"child__"``) matching ``q``:
    every word a part of the last, first or middle name; digits a part of the IIN (or the child's
    number, given whole)."""
    for word in q.split():
        if word.isdigit():
            condition = Q(**{f"{prefix}iin__contains": word})
            if len(word) < 12 and not prefix:
                condition |= Q(pk=int(word))
            rows = rows.filter(condition)
        else:
            rows = rows.filter(_name_condition(word, prefix))
    return rows


def search_families(rows: QuerySet[Family], q: str) -> QuerySet[Family]:
    """Families with an applicant matching every word of ``q`` (names or part of an IIN; a whole
    number alone is also the family's number)."""
    for word in q.split():
        applicants = Applicant.objects.filter(
            Q(iin__contains=word) if word.isdigit() else _name_condition(word)
        ).values("family_id")
        condition = Q(pk__in=applicants)
        if word.isdigit() and len(word) < 12:
            condition |= Q(pk=int(word))
        rows = rows.filter(condition)
    return rows
