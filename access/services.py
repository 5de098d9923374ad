"""Changes to who may see a case: assignment, reassignment, transfer to another unit, sharing.

Each service is one transaction that locks the case row, so two supervisors acting at once are
serialised, and the previous holder loses access in the same transaction as the new one gains it.
Grants are written in bulk to the direct foreign-key tables, never one ``assign_perm`` at a time.
"""

import datetime as dt
from collections.abc import Iterable, Sequence

from django.contrib.auth.models import Permission
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext

from access.models import VIEW_SENSITIVE, CaseShare, CaseUserObjectPermission
from access.selectors import unit_ids_for
from accounts.models import OrganisationalUnit, User
from cases.models import Case
from consents.services import ensure_transfer_allowed
from core.exceptions import DomainError

SHARE_CODENAMES = ("view_case",)
SHARE_SENSITIVE_CODENAMES = ("view_case", VIEW_SENSITIVE)


def case_permissions(codenames: Iterable[str]) -> list[Permission]:
    codenames = list(codenames)
    permissions = list(Permission.objects.filter(content_type__app_label="cases", content_type__model="case", codename__in=codenames))
    if len(permissions) != len(set(codenames)):
        raise DomainError(_("Unknown case permission in %(names)s.") % {"names": ", ".join(codenames)})
    return permissions


def grant_case_permissions(
    *, case_ids: Sequence[int], users: Sequence[User], codenames: Iterable[str], expires_at: dt.datetime | None = None
) -> int:
    """Grant these permissions on these cases to these users: one INSERT for all of them (rows that
    exist already are left as they are). Returns the number of rows asked for."""
    permissions = case_permissions(codenames)
    rows = [
        CaseUserObjectPermission(user_id=user.pk, permission_id=permission.pk, content_object_id=case_id, expires_at=expires_at)
        for case_id in case_ids
        for user in users
        for permission in permissions
    ]
    CaseUserObjectPermission.objects.bulk_create(rows, batch_size=5000, ignore_conflicts=True)
    return len(rows)


def _require_supervisor_of(actor: User, case: Case) -> None:
    if not actor.is_supervisor or case.responsible_unit_id not in unit_ids_for(actor):
        raise DomainError(_("Only a supervisor of the case's unit may do this."), code="permission_denied")


def _require_worker_in_unit(worker: User, unit_id: int, field: str = "worker") -> None:
    if not worker.is_active or not worker.is_social_worker:
        raise DomainError(_("Cases are assigned to active social workers only."), field=field)
    if worker.unit_id != unit_id:
        raise DomainError(
            _("The social worker works in another unit; transfer the case to that unit instead."), field=field
        )


def _lock(case: Case) -> Case:
    return Case.objects.select_for_update().get(pk=case.pk)


def _close_user_access(case: Case, *, users: Q, actor: User, now: dt.datetime) -> None:
    """Revoke the open shares and delete every case grant of the users matched by ``users``."""
    CaseShare.objects.filter(case=case, revoked_at__isnull=True).filter(users).update(revoked_at=now, revoked_by=actor)
    CaseUserObjectPermission.objects.filter(content_object=case).filter(users).delete()


@transaction.atomic
def assign_case(*, case: Case, worker: User, actor: User) -> Case:
    """Give an unassigned case to a social worker of its unit."""
    case = _lock(case)
    _require_supervisor_of(actor, case)
    if case.assigned_worker_id is not None:
        raise DomainError(_("The case is already assigned; reassign it instead."), field="worker")
    _require_worker_in_unit(worker, case.responsible_unit_id)
    case.assigned_worker = worker
    case.full_clean()
    case.save(update_fields=["assigned_worker", "updated_at"])
    return case


@transaction.atomic
def reassign_case(*, case: Case, worker: User, actor: User) -> Case:
    """Move a case to another social worker of the same unit. The previous worker loses every
    access to it (assignment, shares, grants) in this same transaction."""
    case = _lock(case)
    _require_supervisor_of(actor, case)
    _require_worker_in_unit(worker, case.responsible_unit_id)
    if case.assigned_worker_id == worker.pk:
        raise DomainError(_("The case is already assigned to this social worker."), field="worker")
    previous = case.assigned_worker_id
    case.assigned_worker = worker
    case.full_clean()
    case.save(update_fields=["assigned_worker", "updated_at"])
    if previous is not None:
        _close_user_access(case, users=Q(user_id=previous), actor=actor, now=timezone.now())
    return case


@transaction.atomic
def transfer_case(
    *, case: Case, unit: OrganisationalUnit, actor: User, worker: User | None = None, override_reason: str | None = None
) -> Case:
    """Move a case to another unit (another district or region), optionally to one of its social
    workers. Everyone who saw it through the old unit, its worker or a share loses access now;
    the receiving unit decides whom to share it with."""
    case = _lock(case)
    _require_supervisor_of(actor, case)
    if unit.kind == OrganisationalUnit.Kind.MINISTRY:
        raise DomainError(_("A case belongs to a regional department or a district authority, not to the ministry."), field="unit")
    if unit.pk == case.responsible_unit_id:
        raise DomainError(_("The case already belongs to this unit."), field="unit")
    if worker is not None:
        _require_worker_in_unit(worker, unit.pk)
    # Another agency receives the child's data: a consent to share, or a supervisor's recorded override.
    ensure_transfer_allowed(case=case, actor=actor, override_reason=override_reason, destination_region=unit.region)
    case.responsible_unit = unit
    case.assigned_worker = worker
    case.full_clean()
    case.save(update_fields=["responsible_unit", "assigned_worker", "updated_at"])
    _close_user_access(case, users=Q(), actor=actor, now=timezone.now())
    return case


@transaction.atomic
def share_case(
    *, case: Case, user: User, actor: User, expires_at: dt.datetime | None = None, include_sensitive: bool = False,
    reason: str = "",
) -> CaseShare:
    """Let one more user see a case until ``expires_at`` (or until revoked). A new share replaces
    the user's previous one on this case."""
    case = _lock(case)
    _require_supervisor_of(actor, case)
    now = timezone.now()
    if expires_at is not None and expires_at <= now:
        raise DomainError(_("The expiry must be in the future."), field="expires_at")
    if not user.is_active or not (user.is_social_worker or user.is_supervisor):
        raise DomainError(_("A case can be shared with an active social worker or supervisor only."), field="user")
    if user.pk == case.assigned_worker_id:
        raise DomainError(_("This social worker is assigned to the case and sees it already."), field="user")
    _close_user_access(case, users=Q(user_id=user.pk), actor=actor, now=now)
    share = CaseShare(
        case=case, user=user, granted_by=actor, granted_at=now, expires_at=expires_at, include_sensitive=include_sensitive, reason=reason
    )
    share.full_clean()
    share.save()
    grant_case_permissions(
        case_ids=[case.pk], users=[user], codenames=SHARE_SENSITIVE_CODENAMES if include_sensitive else SHARE_CODENAMES,
        expires_at=expires_at,
    )
    return share


@transaction.atomic
def revoke_share(*, case: Case, user: User, actor: User) -> int:
    """End a user's share of a case now. Returns how many open shares were closed (0 or 1)."""
    case = _lock(case)
    _require_supervisor_of(actor, case)
    closed = CaseShare.objects.filter(case=case, user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoked_by=actor
    )
    CaseUserObjectPermission.objects.filter(content_object=case, user=user).delete()
    if not closed:
        raise DomainError(_("This user has no open share of the case."), field="user")
    return closed


def delete_expired_grants() -> int:
    """Housekeeping: expired grants already give no access (every check filters them), this only
    keeps the table small. Safe to run at any time."""
    deleted, _details = CaseUserObjectPermission.objects.filter(expires_at__lte=timezone.now()).delete()
    return deleted


# The case history's reason when the supervisor gave none, kept untranslated and written in each
# reader's language (web.templatetags.web_tags.history_reason; the case history API's reason_text).
REASSIGNED_REASON = gettext_noop("reassigned by the supervisor")

# One request may reassign at most this many cases (a leaving worker's whole caseload fits).
MAX_BULK_REASSIGN = 5000


@transaction.atomic
def reassign_cases(*, case_ids: Sequence[int], workers: Sequence[User], actor: User, reason: str = "") -> dict[int, int]:
    """Hand many cases to one or several social workers at once, round-robin per unit: each case goes
    to the next chosen worker of its own unit other than its present one (a case already with the
    only chosen worker of its unit stays). The previous workers lose every share and grant on the
    cases they gave up, and each changed case gets one history row (who, when, ``reason``), all in
    this one transaction with the case rows locked.

    Set-based: four statements whatever the number of cases and workers (_write_reassignment;
    bench/bench_reassign.py: 1,000 cases).
    Returns {case id: new worker id} for the cases that changed hands.
    Raises DomainError (field ``cases`` or ``workers``) when a case is missing or not supervised by
    the actor, or a chosen worker is not an active social worker, or a case's unit has none of them.
    """
    ids = sorted(set(case_ids))
    if not ids:
        raise DomainError(_("Choose at least one case."), field="cases")
    if len(ids) > MAX_BULK_REASSIGN:
        raise DomainError(ngettext("At most %(n)s case can be reassigned at once.", "At most %(n)s cases can be reassigned at once.",
                                   MAX_BULK_REASSIGN) % {"n": MAX_BULK_REASSIGN}, field="cases")
    chosen = {w.pk: w for w in workers}
    if not chosen:
        raise DomainError(_("Choose the social worker (or workers) who take the cases."), field="workers")
    for worker in chosen.values():
        if not worker.is_active or not worker.is_social_worker:
            raise DomainError(_("Cases are assigned to active social workers only."), field="workers")
    rows = list(
        Case.objects.select_for_update().filter(pk__in=ids).order_by("pk").values_list("pk", "responsible_unit_id", "assigned_worker_id")
    )
    supervised = set(unit_ids_for(actor)) if actor.is_supervisor else set()
    if len(rows) != len(ids) or any(unit not in supervised for _pk, unit, _prev in rows):
        raise DomainError(_("Only a supervisor of the case's unit may do this."), field="cases", code="permission_denied")
    by_unit: dict[int, list[int]] = {}
    for worker in sorted(chosen.values(), key=lambda w: w.pk):
        by_unit.setdefault(worker.unit_id, []).append(worker.pk)
    turn: dict[int, int] = {}
    plan: dict[int, int] = {}
    previous: dict[int, list[int]] = {}
    for pk, unit, prev in rows:
        candidates = [w for w in by_unit.get(unit, []) if w != prev]
        if not candidates:
            if by_unit.get(unit):  # the only chosen worker of this unit has it already
                continue
            raise DomainError(
                _("None of the chosen social workers works in the unit of case № %(n)s; choose one who does, "
                  "or transfer the case.") % {"n": pk},
                field="workers",
            )
        new = candidates[turn.get(unit, 0) % len(candidates)]
        turn[unit] = turn.get(unit, 0) + 1
        plan[pk] = new
        if prev is not None:
            previous.setdefault(prev, []).append(pk)
    if plan:
        _write_reassignment(plan, previous, actor=actor, reason=(reason or REASSIGNED_REASON)[:100])
    return plan


def _write_reassignment(plan: dict[int, int], previous: dict[int, list[int]], *, actor: User, reason: str) -> None:
    """The writes of reassign_cases, on rows it has locked and checked: the new workers (one UPDATE
    joined to the plan), the previous workers' shares closed and grants deleted on the cases they
    gave up (one statement each), and one history row per changed case copied from the updated row
    in the database (as simple-history's bulk_history_create would write it, without building 1,000
    model instances in Python: the half of the time the raw-SQL reference did not spend)."""
    now = timezone.now()
    history = Case.history.model
    tracked = [f.column for f in history._meta.fields
               if f.column not in ("history_id", "history_date", "history_change_reason", "history_type", "history_user_id")]
    given_up = [(pk, prev) for prev, pks in previous.items() for pk in pks]
    params = {
        "ids": list(plan), "workers": list(plan.values()), "now": now, "actor": actor.pk, "reason": reason,
        "given_up_cases": [pk for pk, _prev in given_up], "given_up_by": [prev for _pk, prev in given_up],
    }
    given_up_rows = "unnest(%(given_up_cases)s::bigint[], %(given_up_by)s::bigint[]) AS p(case_id, user_id)"
    with connection.cursor() as cursor:
        cursor.execute(
            f"""UPDATE {Case._meta.db_table} c SET assigned_worker_id = p.worker_id, updated_at = %(now)s
                FROM unnest(%(ids)s::bigint[], %(workers)s::bigint[]) AS p(case_id, worker_id) WHERE c.id = p.case_id""",
            params,
        )
        if given_up:
            cursor.execute(
                f"""UPDATE {CaseShare._meta.db_table} s SET revoked_at = %(now)s, revoked_by_id = %(actor)s
                    FROM {given_up_rows}
                    WHERE s.case_id = p.case_id AND s.user_id = p.user_id AND s.revoked_at IS NULL""",
                params,
            )
            cursor.execute(
                f"""DELETE FROM {CaseUserObjectPermission._meta.db_table} g USING {given_up_rows}
                    WHERE g.content_object_id = p.case_id AND g.user_id = p.user_id""",
                params,
            )
        columns = ", ".join(f'"{column}"' for column in tracked)
        cursor.execute(
            f"""INSERT INTO {history._meta.db_table}
                    ({columns}, history_date, history_change_reason, history_type, history_user_id)
                SELECT {columns}, %(now)s, %(reason)s, '~', %(actor)s
                FROM {Case._meta.db_table} WHERE id = ANY(%(ids)s::bigint[]) ORDER BY id""",
            params,
        )
