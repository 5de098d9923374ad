"""Reads of prospective families, filtered for the user and joined for display."""

from django.db.models import Prefetch, QuerySet

from access.selectors import families_visible_to
from accounts.models import User
from core.history import history_entries
from core.names import search_condition
from families.models import Applicant, Family
from families.reasons import suspension_text


def family_list(*, user: User) -> QuerySet[Family]:
    return families_visible_to(user).select_related("region", "responsible_unit").prefetch_related(
        Prefetch("applicants", queryset=Applicant.objects.order_by("position"))
    )


def family_record(pk: int) -> Family | None:
    """The family ``pk`` with what family_list joins to it, whoever asks: for a page that decides
    the user's rights on the row (access.selectors.family_rights) before showing it."""
    return (Family.objects.select_related("region", "responsible_unit")
            .prefetch_related(Prefetch("applicants", queryset=Applicant.objects.order_by("position"))).filter(pk=pk).first())


def family_history(family: Family) -> list[dict]:
    """Every saved version of the family's record and of its applicants, newest first, as
    ``core.history.history_entries`` with ``"applicant"`` (its position) on an applicant's entries.
    Three queries whatever the number of versions."""
    from regions.models import Region

    skip = {"id", "created_at", "updated_at", "search_text"}  # search_text: derived, not kept in the history
    versions = family.history.select_related("history_user").order_by("history_date", "history_id")

    def names(seen: dict[str, set]) -> dict:
        if not seen.get("region"):
            return {}
        return {("region", k): v.name for k, v in Region.objects.in_bulk(seen["region"]).items()}

    entries = history_entries(versions, fields=[f for f in Family._meta.fields if f.name not in skip], names=names)
    for entry in entries:  # the suspension's reason, stored untranslated, in the reader's language
        for change in entry["changes"]:
            if change["field"] == "suspension_reason":
                change.update({side: suspension_text(change[side]) if change[side] != "—" else "—" for side in ("old", "new")})
    applicant_fields = [f for f in Applicant._meta.fields if f.name not in skip | {"family", "position"}]
    by_applicant: dict[int, list] = {}
    for version in Applicant.history.filter(family_id=family.pk).select_related("history_user").order_by("history_date", "history_id"):
        by_applicant.setdefault(version.id, []).append(version)
    for rows in by_applicant.values():
        for entry in history_entries(rows, fields=applicant_fields):
            entry["applicant"] = rows[-1].position
            entries.append(entry)
    return sorted(entries, key=lambda e: e["at"], reverse=True)


def search_families(rows: QuerySet[Family], q: str, *, matches_first: bool = False) -> QuerySet[Family]:
    """``rows`` narrowed to families with an applicant matching every word of ``q`` (part of a
    name in any case or script, or part of an IIN: core.names.search_condition's rules, on the
    applicants' ``search_text``, the applicants looked up first); a number of fewer than 12 digits
    is also the family's number. One statement, no duplicate rows. ``matches_first``: see
    core.names.search_condition."""
    return rows.filter(search_condition(q, path="pk", search_model=Applicant, id_field="family_id",
                                        matches_first=matches_first))
