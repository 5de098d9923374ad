"""Reads of the visit kit: the visits a worker takes offline, with what a visit needs, and the
conflicts a worker or a supervisor is shown. Filtered in the database, a constant number of queries."""

import datetime as dt

from django.conf import settings
from django.db.models import Prefetch, QuerySet

from access.selectors import sensitive_case_ids, unit_ids_for
from accounts.models import User
from families.models import Applicant
from visitkit.models import DeviceRecord
from visits.models import Visit
from visits.selectors import still_to_do

# Kinds a worker goes out for: the carer's annual report is a document, not a visit.
KIT_VISIT_KINDS = (Visit.Kind.SCHEDULED, Visit.Kind.EXTRA, Visit.Kind.FAMILY_CHANGE)


def package_visits(*, user: User, until: dt.date) -> list[Visit]:
    """The visits still to do, planned on or before ``until`` (overdue ones too, not those superseded
    by a later visit done: missed, see visits.selectors.superseded), on the open
    placements of the cases assigned to ``user`` — their own cases only: a share lets one look at a
    case, not go on its visits. At most settings.VISIT_KIT_MAX_VISITS, soonest first (planned date,
    id). Each visit carries ``last_visit``: the placement's latest visit done, or None. Three queries.
    """
    visits = list(
        Visit.objects.filter(
            still_to_do(), placement__case__assigned_worker=user, placement__ended_on__isnull=True,
            kind__in=KIT_VISIT_KINDS, planned_on__lte=until,
        )
        .select_related("placement__child", "placement__family")
        # Only what the kit shows: the rows are the whole of what a worker takes offline.
        .only("kind", "planned_on", "done_on", "placement__case_id", "placement__started_on", "placement__ended_on",
              "placement__form_of_care", "placement__child__last_name", "placement__child__first_name",
              "placement__child__birth_date", "placement__child__sex", "placement__family__address")
        .prefetch_related(Prefetch("placement__family__applicants",
                                   queryset=Applicant.objects.filter(left_family_on__isnull=True).order_by("position", "id")
                                   .only("family_id", "last_name", "first_name", "left_family_reason")))
        .order_by("planned_on", "id")[: settings.VISIT_KIT_MAX_VISITS]
    )
    placement_ids = {v.placement_id for v in visits}
    last = {
        v.placement_id: v
        for v in Visit.objects.filter(placement_id__in=placement_ids, done_on__isnull=False)
        .only("placement_id", "done_on", "child_seen", "seen_by", "child_condition", "family_condition", "checklist")
        .order_by("placement_id", "-done_on", "-id").distinct("placement_id")
    } if placement_ids else {}
    for visit in visits:
        visit.last_visit = last.get(visit.placement_id)
    return visits


def conflicts_visible_to(user: User) -> QuerySet[DeviceRecord]:
    """The records kept as conflicts that ``user`` is shown, newest first: a worker their own, a
    supervisor those of the workers of their unit and the units below it (their team); nobody else."""
    records = DeviceRecord.objects.filter(outcome=DeviceRecord.Outcome.CONFLICT)
    if user.is_authenticated and user.is_social_worker:
        records = records.filter(worker=user)
    elif user.is_authenticated and user.is_supervisor:
        records = records.filter(unit_id__in=unit_ids_for(user))
    else:
        return DeviceRecord.objects.none()
    return records.select_related("worker", "case__child", "visit__worker", "visit__placement").order_by("-received_at", "-id")


def conflicts_with_sensitive_access(*, user: User, records: list[DeviceRecord]) -> set[int]:
    """Ids of the records whose case ``user`` holds view_sensitive on (its assigned worker, a supervisor
    of its unit, a share with sensitive fields): they are shown the concerns of both versions. The
    worker who made a record always sees their own concerns in it. One query a page."""
    allowed = sensitive_case_ids(user, {r.case_id for r in records})
    return {r.pk for r in records if r.case_id in allowed}
