"""Reads of prospective families, filtered for the user and joined for display."""

from django.db import models
from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext_lazy as _

from access.selectors import families_visible_to
from accounts.models import User
from core.history import history_entries
from core.names import search_condition
from families.models import Applicant, ApprovalDecision, Family
from families.reasons import suspension_text


def family_list(*, user: User) -> QuerySet[Family]:
    return families_visible_to(user).select_related("region", "responsible_unit").prefetch_related(
        Prefetch("applicants", queryset=Applicant.objects.order_by("position"))
    )


def family_api_list(*, user: User) -> QuerySet[Family]:
    """family_list with each family's last approval decision (``last_approval_decisions``: a list of
    at most one ApprovalDecision, newest first), one query for a whole page: the API's family
    (families.api.serializers.FamilyOutputSerializer.last_approval_decision)."""
    return family_list(user=user).prefetch_related(
        Prefetch("approval_decisions", queryset=ApprovalDecision.objects.order_by("-decided_at", "-id")[:1],
                 to_attr="last_approval_decisions"))


def family_record(pk: int) -> Family | None:
    """The family ``pk`` with what family_list joins to it, whoever asks: for a page that decides
    the user's rights on the row (access.selectors.family_rights) before showing it."""
    return (Family.objects.select_related("region", "responsible_unit")
            .prefetch_related(Prefetch("applicants", queryset=Applicant.objects.order_by("position"))).filter(pk=pk).first())


def family_api_record(pk: int) -> Family:
    """The family ``pk`` as family_api_list gives it (its applicants, its last approval decision), whoever
    asks: for the API's answer to a write whose user's rights were checked (three queries)."""
    return (Family.objects.select_related("region", "responsible_unit")
            .prefetch_related(Prefetch("applicants", queryset=Applicant.objects.order_by("position")),
                              Prefetch("approval_decisions", queryset=ApprovalDecision.objects.order_by("-decided_at", "-id")[:1],
                                       to_attr="last_approval_decisions"))
            .get(pk=pk))


SUSPENSION_PARTS = {"suspension_kind", "suspension_code", "suspension_applicant", "suspension_applicant_name",
                    "suspension_note"}
# Not a column: the text family_history sets on each version, shown as one field.
SUSPENSION_REASON = models.CharField(_("why the approval is suspended"))
SUSPENSION_REASON.set_attributes_from_name("suspension_reason")


def family_history(family: Family) -> list[dict]:
    """Every saved version of the family's record and of its applicants, newest first, as
    ``core.history.history_entries`` with ``"applicant"`` (its position) on an applicant's entries.
    Four queries at most whatever the number of versions (the versions, the applicants' versions, and
    the names of the regions and units they mention)."""
    from accounts.models import OrganisationalUnit
    from regions.models import Region

    # search_text: derived, not kept in the history; the applicant a failed check concerns: by their name beside it.
    skip = {"id", "created_at", "updated_at", "search_text", "carer_check_failed_applicant"}
    versions = family.history.select_related("history_user").order_by("history_date", "history_id")

    def names(seen: dict[str, set]) -> dict:
        # The region by its name, the responsible unit as its page writes it ("department → district"),
        # not by their ids.
        out = {}
        if seen.get("region"):
            out.update({("region", k): v.name for k, v in Region.objects.in_bulk(seen["region"]).items()})
        if seen.get("responsible_unit"):
            units = OrganisationalUnit.objects.select_related("parent").in_bulk(seen["responsible_unit"])
            out.update({("responsible_unit", k): str(v) for k, v in units.items()})
        return out

    # The suspension's reason is one change, written in the reader's language from its fields
    # (families.reasons.suspension_text), not five changes of its parts.
    versions = list(versions)
    for version in versions:
        version.suspension_reason = suspension_text(version)
    fields = [SUSPENSION_REASON if f.name == "suspension_kind" else f for f in Family._meta.fields
              if f.name not in skip | (SUSPENSION_PARTS - {"suspension_kind"})]
    entries = history_entries(versions, fields=fields, names=names)
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
