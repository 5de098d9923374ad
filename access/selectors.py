"""Who may see which record. Every read of personal data starts from one of these querysets, so
permission filtering happens in the database.

- social worker: the cases assigned to them, plus cases granted to them or their groups (a share,
  with an optional expiry) in the direct foreign-key guardian tables;
- supervisor: every case of their unit and the units below it, plus grants like a worker;
- analyst: nothing (statistics only);
- administrator: every record (to correct data), but never the sensitive fields.

Children, placements and visits follow from the cases; families from the unit, the visible cases
and family grants. Two rules keep these fast at national scale (bench/bench_caseload.py): a
supervisor's unit ids and every user's granted case ids are looked up first and passed as lists
(an ``OR x IN (subquery)`` or ``OR EXISTS`` would scan every case), and without grants the
condition is the bare indexed column, which the ordered indexes of migrations access/0003-0004
serve. Assignment stays the indexed column ``Case.assigned_worker`` instead of a million copies
in a permission table.
"""

import functools
from collections.abc import Collection, Iterable
from dataclasses import dataclass

from django.contrib.auth.models import Permission
from django.db import connections, router
from django.db.models import Q, QuerySet

from access.models import (
    VIEW_SENSITIVE,
    CaseGroupObjectPermission,
    CaseUserObjectPermission,
    ChildGroupObjectPermission,
    ChildUserObjectPermission,
    FamilyGroupObjectPermission,
    FamilyUserObjectPermission,
)
from accounts.models import OrganisationalUnit, User
from cases.models import Case, Placement
from children.models import Child
from families.models import Family
from visits.models import Visit


def unit_ids_for(user: User) -> list[int]:
    """The user's unit and every unit below it; looked up once and passed as ids (a subquery in
    an OR costs tens of milliseconds at national scale). Cached on the user object for the request."""
    if not user.unit_id:
        return []
    cached = getattr(user, "_visible_unit_ids", None)
    if cached is None or cached[0] != user.unit_id:
        cached = (user.unit_id, user.unit.descendant_ids())
        user._visible_unit_ids = cached
    return cached[1]


def sees_personal_data(user: User) -> bool:
    """Analysts (and anonymous users) see aggregates only; every other role works with persons."""
    return bool(user.is_authenticated) and not user.is_analyst


def _grants(user: User, user_model: type, group_model: type, codename: str) -> QuerySet:
    """Ids of the objects on which this user, or one of their groups, holds an unexpired grant, as
    one subquery (the two direct foreign-key tables in a UNION ALL)."""
    user_grants = (
        user_model.objects.active()
        .filter(user_id=user.pk, permission__codename=codename)
        .values_list("content_object_id", flat=True)
        .order_by()
    )
    group_grants = (
        group_model.objects.active()
        .filter(group__user=user.pk, permission__codename=codename)
        .values_list("content_object_id", flat=True)
        .order_by()
    )
    return user_grants.union(group_grants, all=True)


@functools.cache
def _granted_case_ids_sql(codename: str = "%(codename)s") -> str:
    """_grants() for cases as one hand-written statement: the ORM spent more time building this
    UNION than the database answering it, on every request of every user (bench/README.md).
    Parameters ``%(user)s`` and ``codename`` (a placeholder, by default ``%(codename)s``)."""
    in_force = "(g.expires_at IS NULL OR g.expires_at > now())"
    return f"""
        SELECT g.content_object_id FROM {CaseUserObjectPermission._meta.db_table} g
        JOIN {Permission._meta.db_table} p ON p.id = g.permission_id
        WHERE g.user_id = %(user)s AND p.codename = {codename} AND {in_force}
        UNION ALL
        SELECT g.content_object_id FROM {CaseGroupObjectPermission._meta.db_table} g
        JOIN {Permission._meta.db_table} p ON p.id = g.permission_id
        JOIN {User.groups.through._meta.db_table} m ON m.group_id = g.group_id
        WHERE m.user_id = %(user)s AND p.codename = {codename} AND {in_force}
    """


def granted_case_ids(user: User, codename: str = "view_case") -> list[int]:
    """The case ids on which ``user`` or one of their groups holds an unexpired ``codename`` grant,
    looked up now, sorted (a supervisor's list passes them as a literal list). One query."""
    with connections[router.db_for_read(CaseUserObjectPermission)].cursor() as cursor:
        cursor.execute(_granted_case_ids_sql(), {"user": user.pk, "codename": codename})
        return sorted({row[0] for row in cursor.fetchall()})


def _case_condition(user: User, codename: str = "view_case") -> Q | None:
    """The WHERE condition on cases for this user; None means every case, Q(pk__in=[]) none."""
    if not sees_personal_data(user):
        return Q(pk__in=[])
    if user.is_administrator:
        return None
    # The few grants are looked up first. Without any (the usual case) the condition is the bare
    # indexed column: the first page is an ordered index range scan, the count an index-only scan.
    # An OR beside a subquery would instead be a filter evaluated on every case.
    granted = granted_case_ids(user, codename)
    if user.is_supervisor:
        own = Q(responsible_unit_id__in=unit_ids_for(user))
        return own | Q(pk__in=granted) if granted else own
    if not granted:
        return Q(assigned_worker_id=user.pk)
    # A worker with shares: one semi-join on (assigned UNION ALL shared). With an OR of the two,
    # PostgreSQL walks the newest-first index over ~50,000 cases to fill a page (measured: 6x slower).
    assigned = Case.objects.filter(assigned_worker_id=user.pk).values_list("pk", flat=True).order_by()
    shared = Case.objects.filter(pk__in=granted).values_list("pk", flat=True).order_by()
    return Q(pk__in=assigned.union(shared, all=True))


def case_row_visible_to(user: User, *, case_id: int, assigned_worker_id: int | None, responsible_unit_id: int | None) -> bool:
    """Whether ``user`` sees the case of this row: the rule of ``_case_condition`` decided in Python
    for one case already read (the API's case detail reads it by id first). The usual answer — the
    worker's own case, a supervisor's unit's — costs no query; only a case that is not the user's
    own looks up their grants (one query), as ``cases_visible_to`` always does."""
    if not sees_personal_data(user):
        return False
    if user.is_administrator:
        return True
    if user.is_supervisor:
        own = responsible_unit_id is not None and responsible_unit_id in unit_ids_for(user)
    else:
        own = assigned_worker_id is not None and assigned_worker_id == user.pk
    return own or case_id in granted_case_ids(user)


@dataclass(frozen=True)
class CaseRights:
    """What one user may do with one case: see it (cases_visible_to), change it (cases_editable_by),
    see its sensitive fields (view_sensitive: sensitive_case_rows)."""

    visible: bool
    change: bool
    sensitive: bool


@functools.cache
def _case_grants_sql() -> str:
    """The codenames of the grants in force that a user, or one of their groups, holds on one case
    (as _granted_case_ids_sql, for one case and the three codenames at once)."""
    in_force = "(g.expires_at IS NULL OR g.expires_at > now())"
    codenames = "p.codename IN ('view_case', 'change_case', %(sensitive)s)"
    return f"""
        SELECT p.codename FROM {CaseUserObjectPermission._meta.db_table} g
        JOIN {Permission._meta.db_table} p ON p.id = g.permission_id
        WHERE g.user_id = %(user)s AND g.content_object_id = %(case)s AND {codenames} AND {in_force}
        UNION
        SELECT p.codename FROM {CaseGroupObjectPermission._meta.db_table} g
        JOIN {Permission._meta.db_table} p ON p.id = g.permission_id
        JOIN {User.groups.through._meta.db_table} m ON m.group_id = g.group_id
        WHERE m.user_id = %(user)s AND g.content_object_id = %(case)s AND {codenames} AND {in_force}
    """


def case_row_rights(user: User, *, case_id: int, assigned_worker_id: int | None,
                    responsible_unit_id: int | None) -> CaseRights:
    """What ``user`` may do with the case of this row, decided in Python for one case already read
    (a record page reads it by id first), by the rules of cases_visible_to, cases_editable_by and
    sensitive_case_rows: the user's own case (a worker's assigned case, a supervisor's unit's) may be
    seen, changed and its sensitive fields seen; any other case as far as the user's grants in force
    on it (user or group) say; an administrator sees every case and changes none, without the
    sensitive fields; an analyst sees none. The own case costs no query, any other one query.
    tests/test_access_selectors.py holds it to the querysets' answers for every role and grant."""
    if not sees_personal_data(user):
        return CaseRights(visible=False, change=False, sensitive=False)
    if user.is_administrator:
        return CaseRights(visible=True, change=False, sensitive=False)
    if user.is_supervisor:
        own = responsible_unit_id is not None and responsible_unit_id in unit_ids_for(user)
    else:
        own = assigned_worker_id is not None and assigned_worker_id == user.pk
    if own:
        return CaseRights(visible=True, change=True, sensitive=True)
    with connections[router.db_for_read(CaseUserObjectPermission)].cursor() as cursor:
        cursor.execute(_case_grants_sql(), {"user": user.pk, "case": case_id, "sensitive": VIEW_SENSITIVE})
        held = {row[0] for row in cursor.fetchall()}
    return CaseRights(visible="view_case" in held, change="change_case" in held, sensitive=VIEW_SENSITIVE in held)


@dataclass(frozen=True)
class CaseScopeSQL:
    """The rule of ``_case_condition`` and ``sensitive_case_condition`` for a hand-written statement
    over cases aliased ``c`` (web.selectors.case_list_page), deciding on the rows with no look-up
    first: the cases the user sees are those of ``own`` (an SQL condition, its parameters in
    ``params``) and, when ``grants``, those not own on which the user or one of their groups holds an
    unexpired view_case grant (``granted_case_ids_sql("'view_case'")``, needing ``%(user)s``). The
    user holds view_sensitive on the own ones when ``own_sensitive``, and on a granted one when it
    is also granted with view_sensitive."""

    own: str
    params: dict
    grants: bool
    own_sensitive: bool


def case_scope_sql(user: User) -> CaseScopeSQL | None:
    """See CaseScopeSQL; None when the user sees no case (an analyst, nobody signed in). A
    supervisor's units are looked up as for cases_visible_to (unit_ids_for)."""
    if not sees_personal_data(user):
        return None
    if user.is_administrator:
        # Every case, never the sensitive fields (sensitive_case_condition: no case).
        return CaseScopeSQL(own="TRUE", params={}, grants=False, own_sensitive=False)
    if user.is_supervisor:
        return CaseScopeSQL(own="c.responsible_unit_id = ANY(%(scope_units)s)", params={"scope_units": unit_ids_for(user)},
                            grants=True, own_sensitive=True)
    return CaseScopeSQL(own="c.assigned_worker_id = %(user)s", params={"user": user.pk}, grants=True, own_sensitive=True)


# The kinds of viewer with an own-case rule of their own (own_case_visible_to_viewer_sql), told
# apart as case_scope_sql tells them: an administrator (or a superuser), a supervisor, anyone else.
VIEWER_ADMINISTRATOR, VIEWER_SUPERVISOR, VIEWER_WORKER = "administrator", "supervisor", "worker"


def viewer_kind(role: str, is_superuser: bool) -> str | None:
    """The kind of viewer (VIEWER_*) a user of this ``role`` and ``is_superuser`` is, for
    own_case_visible_to_viewer_sql; None for an analyst, who sees no case."""
    if role == User.Role.ANALYST:
        return None
    if role == User.Role.ADMINISTRATOR or is_superuser:
        return VIEWER_ADMINISTRATOR
    return VIEWER_SUPERVISOR if role == User.Role.SUPERVISOR else VIEWER_WORKER


@functools.cache
def own_case_visible_to_viewer_sql(kind: str) -> str:
    """The cases a viewer of ``kind`` (viewer_kind) sees without a grant, as one SQL condition on a
    case row ``c`` and a user row ``v`` (``v.id``, ``v.role``, ``v.is_superuser``, ``v.unit_id``),
    decided in the statement with no look-up first (cases.selectors.served_case_detail: the token,
    the user and the case in one round trip): an administrator or a superuser every case; a
    supervisor the cases of their unit and the units below it (the tree of
    ``OrganisationalUnit.descendant_ids``: the ministry every unit, a regional department the units
    of its region, a district authority itself); anyone else the cases assigned to them. The row's
    role is checked again, so the condition admits only cases ``case_row_rights`` shows the user,
    never more: a case seen only through a grant (a share, an emergency access), or by a user whose
    role changed since the caller learnt it, is not admitted, and the caller answers it by the whole
    rule (DRF's path). A condition per kind keeps the statement to the tables of that rule: each
    relation of a prepared plan is locked on every execution, and past PostgreSQL's 16 fast-path
    lock slots per backend in the shared lock table (bench/README.md, issue 20 goal 3).
    KeyError for another kind. tests/test_case_detail_fast.py holds each kind to case_row_rights."""
    role, unit_kind = User.Role, OrganisationalUnit.Kind
    units = OrganisationalUnit._meta.db_table
    return {
        VIEWER_ADMINISTRATOR: f"(v.role <> '{role.ANALYST}' AND (v.role = '{role.ADMINISTRATOR}' OR v.is_superuser))",
        VIEWER_SUPERVISOR: f"""(v.role = '{role.SUPERVISOR}' AND EXISTS (
            SELECT 1 FROM {units} su JOIN {units} cu ON cu.id = c.responsible_unit_id
            WHERE su.id = v.unit_id AND (su.kind = '{unit_kind.MINISTRY}'
                OR (su.kind = '{unit_kind.REGION}' AND cu.region_id IS NOT DISTINCT FROM su.region_id)
                OR (su.kind NOT IN ('{unit_kind.MINISTRY}', '{unit_kind.REGION}') AND cu.id = su.id))))""",
        VIEWER_WORKER: f"(v.role NOT IN ('{role.ANALYST}', '{role.SUPERVISOR}') AND c.assigned_worker_id = v.id)",
    }[kind]


def granted_case_ids_sql(codename: str) -> str:
    """The statement of granted_case_ids for this codename (an SQL literal or placeholder), needing
    ``%(user)s``: to be used as a subquery."""
    return _granted_case_ids_sql(codename)


def child_rights(user: User, child_id: int) -> CaseRights:
    """What ``user`` may do with the child ``child_id``: see the record (children_visible_to), change
    it (children_editable_by), see its sensitive fields (sensitive_child_ids). The child of one of
    the user's own cases (a worker's assigned case, a supervisor's unit's), the usual page, costs one
    query (the child's cases); any other child is asked of those three querysets, as before.
    tests/test_access_selectors.py holds it to their answers for every role and grant."""
    if not sees_personal_data(user):
        return CaseRights(visible=False, change=False, sensitive=False)
    if not user.is_administrator:
        cases = Case.objects.filter(child_id=child_id).values_list("assigned_worker_id", "responsible_unit_id").order_by()
        if user.is_supervisor:
            units = set(unit_ids_for(user))
            own = any(unit in units for _worker, unit in cases)
        else:
            own = any(worker == user.pk for worker, _unit in cases)
        if own:
            return CaseRights(visible=True, change=True, sensitive=True)
    return CaseRights(visible=children_visible_to(user).filter(pk=child_id).exists(),
                      change=children_editable_by(user).filter(pk=child_id).exists(),
                      sensitive=bool(sensitive_child_ids(user, [child_id])))


def family_rights(user: User, *, family_id: int, responsible_unit_id: int | None) -> CaseRights:
    """What ``user`` may do with the family of this row: see it (families_visible_to) and change it
    (families_editable_by); ``sensitive`` is the same as ``visible`` (a family has no field kept from
    those who see it). A family of the user's unit or a unit below, the usual record a worker edits,
    costs no query; any other one query (families_visible_to limited to it). An administrator sees
    and changes every family. tests/test_access_selectors.py holds it to the querysets' answers."""
    if not sees_personal_data(user):
        return CaseRights(visible=False, change=False, sensitive=False)
    if user.is_administrator or (responsible_unit_id is not None and responsible_unit_id in unit_ids_for(user)):
        return CaseRights(visible=True, change=True, sensitive=True)
    visible = families_visible_to(user, among=[family_id]).exists()
    return CaseRights(visible=visible, change=False, sensitive=visible)


def cases_visible_to(user: User) -> QuerySet[Case]:
    condition = _case_condition(user)
    if condition is None:
        return Case.objects.all()
    return Case.objects.filter(condition)


def children_visible_to(user: User) -> QuerySet[Child]:
    condition = _case_condition(user)
    if condition is None:
        return Child.objects.all()
    if not sees_personal_data(user):
        return Child.objects.none()
    via_cases = Case.objects.filter(condition).values_list("child_id", flat=True).order_by()
    # A UNION inside the IN keeps it one semi-join; an OR beside a subquery would scan every child.
    granted = _grants(user, ChildUserObjectPermission, ChildGroupObjectPermission, "view_child")
    return Child.objects.filter(pk__in=via_cases.union(granted, all=True))


def placements_visible_to(user: User) -> QuerySet[Placement]:
    condition = _case_condition(user)
    if condition is None:
        return Placement.objects.all()
    return Placement.objects.filter(case__in=Case.objects.filter(condition).values("pk").order_by())


def visits_visible_to(user: User) -> QuerySet[Visit]:
    condition = _case_condition(user)
    if condition is None:
        return Visit.objects.all()
    return Visit.objects.filter(placement__case__in=Case.objects.filter(condition).values("pk").order_by())


def families_visible_to(user: User, among: Collection[int] | None = None) -> QuerySet[Family]:
    """The families of the user's unit (and units below), the families on the cases they see
    (placed, in a decision, or chosen for acquaintance: matching.models.Acquaintance), and families
    granted to them. Any other family is an anonymous profile to them (matching.selectors).

    ``among`` (family ids, e.g. the page of a ranking): the same answer limited to those ids, with
    each part of the union limited to them first, so each is a few index probes on the family
    column instead of every family of the unit and every placement of the user's cases (a worker
    with 2,000 cases: 180 ms at national scale, bench/README.md "Matching")."""
    from matching.models import Acquaintance

    if not sees_personal_data(user):
        return Family.objects.none()
    if user.is_administrator:
        return Family.objects.all() if among is None else Family.objects.filter(pk__in=among)

    def limited(rows: QuerySet, column: str) -> QuerySet:
        return rows if among is None else rows.filter(**{f"{column}__in": among})

    condition = _case_condition(user)
    visible_case_ids = Case.objects.filter(condition).values("pk").order_by()
    ids = (
        limited(Family.objects.filter(responsible_unit_id__in=unit_ids_for(user)), "pk").values("pk").order_by()
        .union(
            limited(Placement.objects.filter(case__in=visible_case_ids), "family_id").values("family_id").order_by(),
            limited(Case.objects.filter(condition, decision_family__isnull=False), "decision_family_id")
            .values("decision_family_id").order_by(),
            limited(Acquaintance.objects.filter(case__in=visible_case_ids), "family_id").values("family_id").order_by(),
            _grants(user, FamilyUserObjectPermission, FamilyGroupObjectPermission, "view_family"),
            all=True,
        )
    )
    return limited(Family.objects.filter(pk__in=ids), "pk")


def visible_family_ids(user: User, family_ids: Iterable[int | None]) -> set[int]:
    """Which of these families (ids; None ignored) ``user`` sees (families_visible_to), so that a
    page or an inbox naming families links each only to a page that opens for the reader. One query,
    none for no ids."""
    ids = {pk for pk in family_ids if pk}
    if not ids:
        return set()
    return set(families_visible_to(user, among=ids).values_list("pk", flat=True))


def cases_editable_by(user: User) -> QuerySet[Case]:
    """Cases this user may change: their own assignments (worker), their unit's cases (supervisor),
    and cases granted with change_case. Administrators and analysts change no case."""
    if not sees_personal_data(user) or user.is_administrator:
        return Case.objects.none()
    return Case.objects.filter(_case_condition(user, "change_case"))


def children_editable_by(user: User) -> QuerySet[Child]:
    """Children whose record this user may change: those with a case the user may change. An
    administrator corrects any child's record (never the sensitive fields: see children.services)."""
    if not sees_personal_data(user):
        return Child.objects.none()
    if user.is_administrator:
        return Child.objects.all()
    case_ids = Case.objects.filter(_case_condition(user, "change_case")).values_list("child_id", flat=True).order_by()
    return Child.objects.filter(pk__in=case_ids)


def families_editable_by(user: User) -> QuerySet[Family]:
    """Families whose record this user may change: those of their unit and the units below it
    (the unit that registered and assesses them); an administrator any family."""
    if not sees_personal_data(user):
        return Family.objects.none()
    if user.is_administrator:
        return Family.objects.all()
    return Family.objects.filter(responsible_unit_id__in=unit_ids_for(user))


def cases_supervised_by(user: User) -> QuerySet[Case]:
    """Cases whose history, access log, shares and assignment this supervisor manages: their unit
    and the units below it (grants do not count: a share lets one see a case, not manage it)."""
    if not user.is_authenticated or not user.is_supervisor:
        return Case.objects.none()
    return Case.objects.filter(responsible_unit_id__in=unit_ids_for(user))


def sensitive_case_ids(user: User, case_ids: Iterable[int]) -> set[int]:
    """Which of these cases the user holds ``view_sensitive`` on: the assigned worker, a supervisor
    of the case's unit, or an unexpired grant of view_sensitive (a share that includes it).
    One query for a whole page (plus the unit lookup once per request)."""
    return _sensitive(user, list(case_ids), "pk")


def sensitive_case_condition(user: User, prefix: str = "") -> Q | None:
    """The cases on which the user holds ``view_sensitive``, as a condition on case rows (reached
    through ``prefix``, e.g. ``"placement__case__"``), for values derived from sensitive fields that a
    list shows or filters on (the risk band: risk.selectors.seen_risk). None when every case the user
    sees is such a case — the usual worker or supervisor, without a share lacking view_sensitive — so
    the caller may use the stored values as they are. Two small grant lookups, whatever the list."""
    if not sees_personal_data(user) or user.is_administrator:
        return Q(**{f"{prefix}pk__in": []})
    sensitive = granted_case_ids(user, VIEW_SENSITIVE)
    if set(granted_case_ids(user, "view_case")) <= set(sensitive):
        return None
    own = (Q(**{f"{prefix}responsible_unit_id__in": unit_ids_for(user)}) if user.is_supervisor
           else Q(**{f"{prefix}assigned_worker_id": user.pk}))
    return own | Q(**{f"{prefix}pk__in": sensitive}) if sensitive else own


def sensitive_child_ids(user: User, child_ids: Iterable[int]) -> set[int]:
    """Which of these children the user may see the sensitive fields of: view_sensitive on one of
    the child's cases."""
    return _sensitive(user, list(child_ids), "child_id")


def sensitive_case_rows(user: User) -> QuerySet[Case]:
    """The cases on which the user holds ``view_sensitive``, as a queryset to be narrowed down to a
    few rows (by id, child, or ``OuterRef`` in an Exists): the ORed grant subqueries are cheap on a
    page's rows, not on the whole table. Administrators and analysts: none."""
    if not sees_personal_data(user) or user.is_administrator:
        return Case.objects.none()
    own = Q(responsible_unit_id__in=unit_ids_for(user)) if user.is_supervisor else Q(assigned_worker_id=user.pk)
    grants = CaseUserObjectPermission.objects.active().filter(user_id=user.pk, permission__codename=VIEW_SENSITIVE)
    group_grants = CaseGroupObjectPermission.objects.active().filter(group__user=user.pk, permission__codename=VIEW_SENSITIVE)
    return Case.objects.filter(
        own
        | Q(pk__in=grants.values("content_object_id").order_by())
        | Q(pk__in=group_grants.values("content_object_id").order_by())
    )


def _sensitive(user: User, ids: list[int], field: str) -> set[int]:
    if not ids or not sees_personal_data(user) or user.is_administrator:
        return set()
    # The pk/child list bounds the scan to one page, so the ORed subqueries stay cheap here.
    rows = sensitive_case_rows(user).filter(**{f"{field}__in": ids})
    return set(rows.values_list(field, flat=True))


def users_visible_to(user: User) -> QuerySet[User]:
    """The users whose names this user may see in a choice or a filter: themselves and the people
    of their unit and the units below it (a worker: their district's colleagues). Administrators
    see everyone (they manage the accounts); analysts see only themselves."""
    if not user.is_authenticated:
        return User.objects.none()
    if user.is_administrator:
        return User.objects.all()
    if not sees_personal_data(user):
        return User.objects.filter(pk=user.pk)
    return User.objects.filter(Q(unit_id__in=unit_ids_for(user)) | Q(pk=user.pk))


def sibling_groups_visible_to(user: User) -> QuerySet:
    """Sibling groups with at least one child this user sees."""
    from children.models import SiblingGroup

    if not sees_personal_data(user):
        return SiblingGroup.objects.none()
    if user.is_administrator:
        return SiblingGroup.objects.all()
    return SiblingGroup.objects.filter(pk__in=children_visible_to(user).filter(sibling_group__isnull=False)
                                       .values("sibling_group_id").order_by())


def children_with_sensitive_access(user: User) -> QuerySet:
    """Ids of the children whose sensitive fields this user may see (``child_id`` values, for an
    ``IN``): the children of their own cases (worker: assigned, supervisor: their units) and of
    cases granted with view_sensitive. For filters on a sensitive field, so that filtering cannot
    reveal what the field would not (issue 14). Administrators and analysts: none."""
    if not sees_personal_data(user) or user.is_administrator:
        return Case.objects.none().values("child_id")
    own = Q(responsible_unit_id__in=unit_ids_for(user)) if user.is_supervisor else Q(assigned_worker_id=user.pk)
    granted = granted_case_ids(user, VIEW_SENSITIVE)
    condition = own | Q(pk__in=granted) if granted else own
    return Case.objects.filter(condition).values("child_id").order_by()


def require_change(user: User | None, case: Case) -> None:
    """Raise DomainError (code ``permission_denied``, answered 403) unless ``user`` may change the
    case now. Services call it right after locking the case row, so the answer holds until they
    commit: a transfer or reassignment committed meanwhile is seen (READ COMMITTED re-reads), and
    one started after waits for the lock. ``user`` None is the system itself (sweeps, import)."""
    from django.utils.translation import gettext as _

    from core.exceptions import DomainError

    if user is None:
        return
    if not cases_editable_by(user).filter(pk=case.pk).exists():
        raise DomainError(
            _("You may not change this case (any more): it may have been transferred, reassigned or its share ended."),
            code="permission_denied",
        )
