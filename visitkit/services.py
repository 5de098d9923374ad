"""Writes of the visit kit: preparing a worker's package (and noting what was taken offline), and
receiving a visit record made offline — recorded once by its device id, or kept as a conflict.
Source of the rules: issue 22 and docs/visit-kit.md."""

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import User
from cases.services import lock_case
from core.exceptions import DomainError
from notifications.services import notify_supervisors_of_visit_conflict
from visitkit.models import DeviceRecord, PreparedVisit
from visitkit.selectors import package_visits
from visits.models import Visit
from visits.services import check_visit_findings, record_visit

# The fields of a visit record that the device sends and a conflict keeps.
PAYLOAD_FIELDS = ("done_on", "child_seen", "seen_by", "child_condition", "family_condition", "checklist", "concerns")


@dataclass(frozen=True)
class Package:
    """What "Prepare my visits" gives the device: the visits and when the device must erase them."""

    visits: list[Visit]
    prepared_at: dt.datetime
    expires_at: dt.datetime
    days: int


def prepare_package(*, actor: User, days: int | None = None, now: dt.datetime | None = None) -> Package:
    """The actor's visits of the next ``days`` days (setting VISIT_KIT_DAYS, 14), overdue ones included,
    noted as prepared for them until the end of the window (a later record of one of them is theirs to
    send; any other visit id is refused). Preparing again renews the notes. The package expires at the
    end of the window's last day (local time); the device also erases it at sign-out."""
    days = settings.VISIT_KIT_DAYS if days is None else days
    if not 1 <= days <= settings.VISIT_KIT_MAX_DAYS:
        raise DomainError(ngettext("Prepare between 1 and %(max)s day ahead.", "Prepare between 1 and %(max)s days ahead.",
                                       settings.VISIT_KIT_MAX_DAYS) % {"max": settings.VISIT_KIT_MAX_DAYS}, field="days")
    now = now or timezone.now()
    until = timezone.localdate(now) + dt.timedelta(days=days)
    expires_at = timezone.make_aware(dt.datetime.combine(until + dt.timedelta(days=1), dt.time.min))
    visits = package_visits(user=actor, until=until)
    with transaction.atomic():
        PreparedVisit.objects.bulk_create(
            [PreparedVisit(worker=actor, visit_id=v.pk, case_id=v.placement.case_id, prepared_at=now, expires_at=expires_at)
             for v in visits],
            update_conflicts=True, unique_fields=["worker", "visit_id"], update_fields=["prepared_at", "expires_at", "case"],
        )
    return Package(visits=visits, prepared_at=now, expires_at=expires_at, days=days)


def _lock_device_id(device_id: uuid.UUID) -> None:
    """Serialise two sends of the same record (a retry racing the first try) until the transaction ends."""
    key = int.from_bytes(device_id.bytes[:8], "big", signed=True)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])


def _conflict_reason(*, actor: User, case_assigned_worker_id: int | None, visit: Visit | None) -> str:
    if visit is None:
        return DeviceRecord.ConflictReason.VISIT_CANCELLED
    if visit.placement.ended_on is not None:
        return DeviceRecord.ConflictReason.PLACEMENT_ENDED
    if case_assigned_worker_id != actor.pk:
        return DeviceRecord.ConflictReason.REASSIGNED
    if visit.done_on is not None:
        return DeviceRecord.ConflictReason.ALREADY_RECORDED
    return ""


def receive_visit_record(
    *,
    actor: User,
    device_id: uuid.UUID,
    visit_id: int,
    done_on: dt.date,
    child_seen: bool,
    seen_by: str,
    child_condition: str,
    family_condition: str,
    checklist: dict[str, bool],
    concerns: str = "",
    made_at: dt.datetime | None = None,
) -> tuple[DeviceRecord, bool]:
    """Take one visit record made offline; returns (the record, whether this call stored it).

    - A device id already received answers with that first record (nothing written again): sending
      twice never makes a second visit. A device id of another worker's record is refused.
    - Refused (DomainError naming the field, nothing stored, the device keeps the record): a visit
      not prepared for the actor (another worker's visit id, a made-up one), a date in the future,
      findings that break the visit rules (``visits.services.check_visit_findings``).
    - Kept as a conflict, never recorded over anything: the placement has ended, the visit was
      cancelled, the case is no longer assigned to the actor, or the visit was already recorded; the
      supervisors of the actor's unit are alerted (notifications, kind ``visit_conflict``).
    - Otherwise recorded through ``visits.services.record_visit`` (its checks, risk recomputed and
      reminders as for any visit).
    One transaction; the case row is locked before anything is read (the lock order of every write).
    """
    today = timezone.localdate()
    payload: dict[str, Any] = {
        "done_on": done_on.isoformat(), "child_seen": child_seen, "seen_by": seen_by.strip(),
        "child_condition": child_condition, "family_condition": family_condition, "checklist": checklist,
        "concerns": concerns,
    }
    with transaction.atomic():
        _lock_device_id(device_id)
        existing = DeviceRecord.objects.filter(device_id=device_id).first()
        if existing is not None:
            if existing.worker_id != actor.pk:
                raise DomainError(_("This record id was already used by another record. Save the visit again."),
                                  field="device_id")
            return existing, False
        if done_on > today:
            raise DomainError(_("A visit cannot be recorded before it happens."), field="done_on")
        prepared = PreparedVisit.objects.filter(worker=actor, visit_id=visit_id).first()
        if prepared is None:
            raise DomainError(_("This visit was not in a package prepared for you: only your own prepared visits can be sent."),
                              field="visit")
        check_visit_findings(child_seen=child_seen, seen_by=seen_by, child_condition=child_condition,
                             family_condition=family_condition, checklist=checklist, concerns=concerns)
        # The system's lock, without the actor's right: whoever holds the case now, the record is kept.
        case = lock_case(prepared.case_id, actor=None)
        visit = Visit.objects.select_related("placement").filter(pk=visit_id, placement__case_id=case.pk).first()
        reason = _conflict_reason(actor=actor, case_assigned_worker_id=case.assigned_worker_id, visit=visit)
        common = {"device_id": device_id, "worker": actor, "unit_id": actor.unit_id, "case": case,
                  "visit_id_sent": visit_id, "payload": payload, "made_at": made_at}
        if reason:
            conflict = DeviceRecord.objects.create(**common, visit=visit, outcome=DeviceRecord.Outcome.CONFLICT,
                                                   conflict_reason=reason)
            if actor.unit_id:
                notify_supervisors_of_visit_conflict(record_id=conflict.pk, unit_id=actor.unit_id, case_id=case.pk,
                                                     due_on=today)
            return conflict, True
        recorded = record_visit(visit=visit, actor=actor, done_on=done_on, child_seen=child_seen, seen_by=seen_by,
                                child_condition=child_condition, family_condition=family_condition, checklist=checklist,
                                concerns=concerns)
        return DeviceRecord.objects.create(**common, visit=recorded, outcome=DeviceRecord.Outcome.RECORDED), True
