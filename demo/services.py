"""Loading synthetic demo data (``seed_demo``) and the demo users of the quick start (``demo_setup``).

A seed either loads every row or none; rows go in with COPY. Small seeds and seeds into tables that
already hold rows run in one transaction; a big seed into empty tables (the national one) loads
staging tables on two connections and swaps them in with one short transaction (demo/staged.py).
"""

from __future__ import annotations

import datetime as dt
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TextIO

from django.contrib.auth.hashers import make_password
from django.core.management.color import no_style
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from tqdm import tqdm

from accounts.models import OrganisationalUnit, User
from cases.models import Case, Placement, StageChange
from children.models import Child, ChildrensHome, SiblingGroup
from core.exceptions import DomainError
from demo import generator, loader, names
from families.models import Applicant, Family
from matching.models import Acquaintance
from regions.models import Region
from visits.models import Visit

MAX_CHILDREN = 2_000_000
MAX_SEED = 2**63 - 1
# From this size on, a seed into empty tables loads staging tables on two connections and swaps them
# in (demo/staged.py); smaller ones (the quick start's, the tests') take the one-transaction path.
STAGED_MIN_CHILDREN = 50_000
# Insertion order (parents first); flushing goes the other way.
SEEDED_MODELS = [ChildrensHome, SiblingGroup, Child, Family, Applicant, Case, StageChange, Acquaintance, Placement, Visit]


class SeedMode:
    REFUSE = "refuse"  # refuse a database that already holds children
    APPEND = "append"
    FLUSH = "flush"


@dataclass
class SeedResult:
    counts: dict[str, int]
    seconds: float
    timings: dict[str, float]  # seconds per phase, for benchmarks


def validate_seed_arguments(*, children: int, seed: int) -> None:
    if isinstance(children, bool) or not isinstance(children, int) or not 1 <= children <= MAX_CHILDREN:
        raise DomainError(
            _("The number of children must be a whole number from 1 to %(max)s.") % {"max": f"{MAX_CHILDREN:,}"},
            field="children",
        )
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= MAX_SEED:
        raise DomainError(_("The seed must be a whole number from 0 to 2^63-1."), field="seed")


def seed_demo(
    *, children: int, seed: int = 1, mode: str = SeedMode.REFUSE, stderr: TextIO | None = None, progress: bool = True,
    today: dt.date | None = None,
) -> SeedResult:
    """Load ``children`` synthetic children with their cases, families, placements and visits."""
    validate_seed_arguments(children=children, seed=seed)
    if mode not in (SeedMode.REFUSE, SeedMode.APPEND, SeedMode.FLUSH):
        raise DomainError(_("Unknown seed mode %(mode)s.") % {"mode": mode}, field="mode")
    began = time.perf_counter()
    today = today or timezone.localdate()
    if _staged_path(children=children, mode=mode):
        return _seed_staged(children=children, seed=seed, stderr=stderr, progress=progress, today=today, began=began)
    with transaction.atomic():
        if mode == SeedMode.REFUSE:
            _refuse_if_seeded()
        if mode == SeedMode.FLUSH:
            _flush()
        structure = ensure_structure(n_children=children)
        ids = _next_ids()
        # Appending: IINs already taken are looked up now (the generator may run in another process).
        taken = _taken_iins() if mode == SeedMode.APPEND and ids.child > 1 else set()
        timings: dict[str, float] = {"prepare": time.perf_counter() - began}
        now_ts = timezone.now().strftime("%Y-%m-%d %H:%M:%S+00")

        def make_tables() -> Iterator[generator.Table]:
            for table in generator.iter_tables(
                n_children=children, seed=seed, today=today, structure=structure, ids=ids, now_ts=now_ts
            ):
                if taken and table.name == Child._meta.db_table:
                    _drop_clashing_iins(table, taken)
                yield table

        # A counter of the rows written, without a total: the generator draws each table's size as it
        # goes, so any total given up front is an estimate that the bar would have to correct at the
        # end (a jump back and a second 100%). The last line shows the true number of rows.
        bar = tqdm(unit="rows", unit_scale=True, desc="seed_demo", file=stderr or sys.stderr, disable=not progress, mininterval=0.5)
        with bar:
            counts = _load_postgres(make_tables, bar, timings)
            bar.set_postfix_str("indexes built", refresh=False)
        _reset_sequences()
    return SeedResult(counts=counts, seconds=time.perf_counter() - began, timings=timings)


def _staged_path(*, children: int, mode: str) -> bool:
    """A big seed into empty tables, not inside a caller's transaction (the staging tables are
    written and committed on connections of their own)."""
    if mode != SeedMode.REFUSE or children < STAGED_MIN_CHILDREN or connection.in_atomic_block:
        return False
    return not any(m.objects.exists() for m in SEEDED_MODELS)


def _refuse_if_seeded() -> None:
    if Child.objects.exists():
        raise DomainError(
            _(
                "The database already holds children. Run again with --append to add to them, "
                "or with --flush to delete the seeded data (children, homes, families, cases, placements, "
                "visits) first."
            ),
            field="children",
        )


def _seed_staged(*, children: int, seed: int, stderr: TextIO | None, progress: bool, today: dt.date, began: float) -> SeedResult:
    """The two-connection seed (demo/staged.py). The units and users it hangs the rows on are created
    first, in a transaction of their own (a next seed reuses them); the seeded tables change only in
    the final swap."""
    from demo import staged

    with transaction.atomic():
        structure = ensure_structure(n_children=children)
    ids = _next_ids()
    timings: dict[str, float] = {"prepare": time.perf_counter() - began}
    now_ts = timezone.now().strftime("%Y-%m-%d %H:%M:%S+00")

    def make_tables() -> Iterator[generator.Table]:
        yield from generator.iter_tables(n_children=children, seed=seed, today=today, structure=structure, ids=ids, now_ts=now_ts)

    def swap_check() -> None:
        # Someone may have loaded rows while the staging tables were filled: then nothing is swapped.
        _refuse_if_seeded()
        if any(m.objects.exists() for m in SEEDED_MODELS):
            raise DomainError(_("Seeded data appeared in the database during the seed; nothing was changed."), field="children")

    bar = tqdm(unit="rows", unit_scale=True, desc="seed_demo", file=stderr or sys.stderr, disable=not progress, mininterval=0.5)
    with bar:
        counts = staged.staged_load(
            connection, [m._meta.db_table for m in SEEDED_MODELS], make_tables, progress=bar.update,
            status=lambda text: bar.set_postfix_str(text), timings=timings, swap_check=swap_check,
            after_swap=_reset_sequences,
        )
        bar.set_postfix_str("indexes built", refresh=False)
    return SeedResult(counts=counts, seconds=time.perf_counter() - began, timings=timings)


def _load_postgres(make_tables: Callable[[], Iterator[generator.Table]], bar: tqdm, timings: dict[str, float]) -> dict[str, int]:
    names_ = [m._meta.db_table for m in SEEDED_MODELS]
    with connection.cursor() as cursor:
        # Index builds and constraint checks of a national load need memory and both cores.
        cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
        cursor.execute("SET LOCAL max_parallel_maintenance_workers = 2")
        cursor.execute("SET LOCAL work_mem = '128MB'")
        cursor.execute("SET LOCAL synchronous_commit = off")
        # Check the units and users created above now: a table with pending deferred checks cannot be altered.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    saved = loader.drop_secondary_structures(connection, names_)
    counts = loader.copy_from_worker(connection, make_tables, progress=bar.update, timings=timings, table_names=names_)
    bar.set_postfix_str("building indexes")
    loader.rebuild_secondary_structures(connection, saved, lambda table: bar.set_postfix_str(f"indexed {table}"), timings)
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    # No ANALYZE here: autovacuum analyzes the new rows after the commit (bench/seed_national.py
    # runs VACUUM (ANALYZE) and reports it separately).
    return counts


def _flush() -> None:
    """Delete seeded data (units and users stay: the next seed reuses them)."""
    tables = ", ".join(m._meta.db_table for m in reversed(SEEDED_MODELS))
    with connection.cursor() as cursor:
        # CASCADE also empties rows of other apps that point at these (notifications, shares...).
        cursor.execute(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")


def _next_ids() -> generator.IdStarts:
    from django.db.models import Max

    def next_id(model) -> int:
        return (model.objects.aggregate(m=Max("id"))["m"] or 0) + 1

    return generator.IdStarts(
        home=next_id(ChildrensHome), sibling_group=next_id(SiblingGroup), child=next_id(Child), family=next_id(Family),
        applicant=next_id(Applicant), case=next_id(Case), stage_change=next_id(StageChange), placement=next_id(Placement),
        visit=next_id(Visit), acquaintance=next_id(Acquaintance),
    )


def _taken_iins() -> set[str]:
    return set(Child.objects.filter(iin__isnull=False).values_list("iin", flat=True).iterator(chunk_size=50_000))


def _drop_clashing_iins(children: generator.Table, taken: set[str]) -> None:
    """When appending, a new child whose IIN is already taken is recorded without one."""
    column = next(c for c in children.columns if c.name == "iin")
    column.data = [None if v in taken else v for v in column.data]


def _reset_sequences() -> None:
    statements = connection.ops.sequence_reset_sql(no_style(), SEEDED_MODELS)
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def ensure_structure(*, n_children: int) -> generator.Structure:
    """District guardianship authorities under each regional department, social workers (about one
    per 1,000 children, at least one per district) and a supervisor per region. Existing ones are
    reused, so a second seed hangs on the same units and users."""
    regions = list(Region.objects.order_by("code"))
    per_region = min(10, max(2, n_children // 20_000))
    departments = {u.region_id: u for u in OrganisationalUnit.objects.filter(kind=OrganisationalUnit.Kind.REGION)}
    wanted_units = []
    for region in regions:
        department = departments.get(region.pk)
        if department is None:
            raise DomainError(_("Region %(code)s has no regional department; run migrate first.") % {"code": region.code})
        for i in range(per_region):
            kk, ru, en = names.DISTRICT_NAMES[i % len(names.DISTRICT_NAMES)]
            wanted_units.append(
                OrganisationalUnit(
                    code=f"{region.code}-district-{i + 1:02d}", kind=OrganisationalUnit.Kind.DISTRICT, parent=department,
                    region=region, name_kk=f"{kk} ауданының қорғаншылық органы, {region.name_kk}",
                    name_ru=f"Отдел опеки и попечительства: {ru} район, {region.name_ru}",
                    name_en=f"{en} District guardianship authority, {region.name_en}",
                )
            )
    OrganisationalUnit.objects.bulk_create(wanted_units, ignore_conflicts=True)
    districts = {u.code: u for u in OrganisationalUnit.objects.filter(code__in=[u.code for u in wanted_units])}
    district_ids = [[districts[f"{r.code}-district-{i + 1:02d}"].pk for i in range(per_region)] for r in regions]

    n_districts = len(regions) * per_region
    per_district = max(1, round(n_children / 1000 / n_districts))
    unusable = make_password(None)
    wanted_users = []
    for r_index, region in enumerate(regions):
        wanted_users.append(_seed_user(f"seed.supervisor.{region.code}", User.Role.SUPERVISOR, departments[region.pk], r_index, unusable))
        for d_index in range(per_region):
            unit = districts[f"{region.code}-district-{d_index + 1:02d}"]
            for w in range(per_district):
                username = f"seed.worker.{region.code}.{d_index + 1:02d}.{w + 1:02d}"
                wanted_users.append(_seed_user(username, User.Role.SOCIAL_WORKER, unit, r_index * 1000 + d_index * 37 + w, unusable))
    User.objects.bulk_create(wanted_users, ignore_conflicts=True)
    users = {
        u.username: u
        for u in User.objects.filter(username__in=[u.username for u in wanted_users]).only("id", "username", "first_name", "last_name")
    }
    worker_ids: list[list[int]] = []
    labels: list[str] = []
    for region in regions:
        for d_index in range(per_region):
            ids: list[int] = []
            for w in range(per_district):
                user = users[f"seed.worker.{region.code}.{d_index + 1:02d}.{w + 1:02d}"]
                ids.append(user.pk)
                labels.append(f"{user.last_name} {user.first_name}, социальный работник")
            worker_ids.append(ids)
    return generator.Structure(
        region_ids=[r.pk for r in regions], region_codes=[r.code for r in regions],
        region_names=[(r.name_kk, r.name_ru, r.name_en) for r in regions], district_ids=district_ids,
        worker_ids=worker_ids, worker_labels=labels,
    )


def _seed_user(username: str, role: str, unit: OrganisationalUnit, n: int, password: str) -> User:
    sex = "F" if n % 3 else "M"  # most guardianship staff are women
    first = names.FEMALE_FIRST_NAMES if sex == "F" else names.MALE_FIRST_NAMES
    return User(
        username=username, role=role, unit=unit, password=password, first_name=first[n % len(first)],
        last_name=names.surname(names.SURNAME_STEMS[(n * 7) % len(names.SURNAME_STEMS)], sex),
        email=f"{username}@example.kz",
    )


# --- demo_setup ------------------------------------------------------------------------------

DEMO_CHILDREN = 2000
DEMO_SEED = 1
DEMO_REGION = "almaty"
DEMO_CASES_FOR_WORKER = 40


@dataclass
class DemoLogin:
    username: str
    password: str
    role: str
    unit: str


DEMO_USERS = [
    # username, password, role, where they work
    ("worker", "otbasy-worker", User.Role.SOCIAL_WORKER, "district"),
    ("supervisor", "otbasy-supervisor", User.Role.SUPERVISOR, "region"),
    ("analyst", "otbasy-analyst", User.Role.ANALYST, "ministry"),
    ("admin", "otbasy-admin", User.Role.ADMINISTRATOR, "ministry"),
]

# The demo users' names as Kazakhstan writes them (Cyrillic, first name then surname), the same on the
# kk, ru and en pages: names are not translated. The logins above stay as the README prints them.
DEMO_NAMES = {
    "worker": ("Айгерим", "Серикова"),
    "supervisor": ("Гульнара", "Бекова"),
    "analyst": ("Марат", "Жакупов"),
    "admin": ("Данияр", "Омаров"),
}


def _placeholder_name(role: str) -> tuple[str, str]:
    """The name demo_setup gave its users before they had real ones ("Social Worker" "Demo")."""
    return role.replace("_", " ").title(), "Demo"


@dataclass
class DemoSetup:
    seeded: bool
    logins: list[DemoLogin]
    summary: list[str]  # one line per step that brought the demo up to today


def demo_setup(
    *, children: int = DEMO_CHILDREN, stderr: TextIO | None = None, progress: bool = True, today: dt.date | None = None
) -> DemoSetup:
    """Seed the demo data set once (when there are no children yet), make sure one user of each role
    exists with a known password (the social worker gets real cases of its district), and bring
    the demo up to today as the periodic jobs would: every risk score, today's reminders, the
    statistics snapshot. Safe to run again: each step is idempotent."""
    today = today or timezone.localdate()
    seeded = False
    if not Child.objects.exists():
        seed_demo(children=children, seed=DEMO_SEED, mode=SeedMode.REFUSE, stderr=stderr, progress=progress, today=today)
        seeded = True
    with transaction.atomic():
        ministry = OrganisationalUnit.objects.get(kind=OrganisationalUnit.Kind.MINISTRY)
        district = (
            OrganisationalUnit.objects.filter(kind=OrganisationalUnit.Kind.DISTRICT, region__code=DEMO_REGION).order_by("code").first()
            or OrganisationalUnit.objects.filter(kind=OrganisationalUnit.Kind.DISTRICT).order_by("code").first()
        )
        if district is None:
            raise DomainError(_("No district guardianship authority exists; run seed_demo first."))
        units = {"district": district, "region": district.parent, "ministry": ministry}
        logins = []
        for username, password, role, where in DEMO_USERS:
            user = User.objects.filter(username=username).first() or User(username=username)
            user.role = role
            user.unit = units[where]
            user.is_staff = role == User.Role.ADMINISTRATOR
            user.is_superuser = role == User.Role.ADMINISTRATOR
            user.is_active = True
            # A name given by hand in the demo is kept; none, or the old placeholder, becomes the demo's.
            if not (user.first_name or user.last_name) or (user.first_name, user.last_name) == _placeholder_name(role):
                user.first_name, user.last_name = DEMO_NAMES[username]
            user.email = user.email or f"{username}@example.kz"
            user.set_password(password)
            user.full_clean()
            user.save()
            logins.append(DemoLogin(username, password, role, str(user.unit)))
            if role == User.Role.SOCIAL_WORKER:
                _give_cases(user, district)
                _families_awaiting_approval(user, district, today=today)
    summary = bring_up_to_today(today=today)
    return DemoSetup(seeded=seeded, logins=logins, summary=summary)


def bring_up_to_today(*, today: dt.date) -> list[str]:
    """What the nightly and daily jobs would have done by today, so the demo opens with work to see.
    The demo app sits above the apps it calls, so it may call their services. First, the history of the
    seeded records that have none (demo.history: the COPY writes none), so their pages show one."""
    from demo.history import write_demo_history
    from notifications.services import run_reminder_sweep
    from risk.models import RiskBacktest
    from risk.services import recompute_all_risks, record_backtest, record_risk_history
    from stats.services import refresh_statistics
    from web.figures import refresh_unit_figures

    # The seed's records get the history a register would hold (the COPY wrote none), once.
    histories = write_demo_history(today=today)
    began = time.perf_counter()
    with connection.cursor() as cursor:
        # A fresh load has no planner statistics yet (autovacuum comes later); the history's joins need them.
        cursor.execute("ANALYZE " + ", ".join(m._meta.db_table for m in SEEDED_MODELS))
    # The history first (each placement at its start and at each visit done, once), for calibration.
    history = record_risk_history()
    moved = recompute_all_risks(today=today)
    risk_seconds = time.perf_counter() - began
    # The supervisors' calibration page reads a stored backtest: the last three years, once.
    backtest = None
    if not RiskBacktest.objects.exists():
        backtest = record_backtest(from_date=today - dt.timedelta(days=3 * 365), to_date=today - dt.timedelta(days=1))
    began = time.perf_counter()
    sweep = run_reminder_sweep(today=today)
    sweep_seconds = time.perf_counter() - began
    began = time.perf_counter()
    refresh_statistics()
    stats_seconds = time.perf_counter() - began
    # The supervisors' dashboard reads its figures precomputed per unit (beat refreshes them too).
    refresh_unit_figures(today=today)
    return [
        *([f"Record histories written: {histories['family']} family, {histories['applicant']} applicant and "
           f"{histories['child']} child versions."] if any(histories.values()) else []),
        f"Risk of return scored: {history} past assessments, {moved} placements moved into high ({risk_seconds:.1f} s).",
        f"Reminder sweep for {today.isoformat()}: {sum(sweep.created.values())} new reminders ({sweep_seconds:.1f} s).",
        f"Statistics snapshot refreshed ({stats_seconds:.1f} s).",
        *([f"Risk score backtest: {backtest.returns_flagged_early} of {backtest.returns} returns flagged high 60 days "
           f"ahead, {backtest.placements_flagged} of {backtest.placements} placements ever flagged ({backtest.seconds:.1f} s)."]
          if backtest else []),
    ]


# Two families the demo worker has assessed and sent for approval, so that the supervisor's approvals
# list (/families/approvals/) opens with work: one whose carers' check has passed, one with none recorded
# (the list warns of it before the approval). Cyrillic names, as the seed's; IINs made from the birth dates.
DEMO_AWAITING_FAMILIES = [
    {"form_of_care": "guardianship", "check": True, "applicants": [
        ("Жумабекова", "Сауле", "Ериковна", dt.date(1986, 4, 12), "F"),
        ("Жумабеков", "Данияр", "Маратович", dt.date(1984, 9, 3), "M")]},
    {"form_of_care": "foster_family", "check": False, "applicants": [
        ("Ахметова", "Гульмира", "Кайратовна", dt.date(1979, 1, 25), "F")]},
]


def _families_awaiting_approval(worker: User, district: OrganisationalUnit, *, today: dt.date) -> None:
    """The demo worker registers DEMO_AWAITING_FAMILIES in its district, with a home study and a training
    certificate in date, and sends them for approval, through the families' services as a worker does
    on the pages (create_family, record_carer_check, request_approval). Once: not when a family of the
    district already waits for approval (the supervisor decides on them, and they are not made again)."""
    if Family.objects.filter(responsible_unit=district, approval_requested_at__isnull=False).exists():
        return
    for number, data in enumerate(DEMO_AWAITING_FAMILIES):
        _register_and_send(worker, district, number, data, today=today)


def _register_and_send(worker: User, district: OrganisationalUnit, number: int, data: dict, *, today: dt.date) -> None:
    """One of DEMO_AWAITING_FAMILIES (the ``number``-th), registered, checked if it says so, and sent. Outside
    a request the history has no user nor reason: each step gets the worker and the page's request, as the
    pages would record them (and as demo.history writes the seed's)."""
    from core.history import recorded_as
    from core.iin import make_iin
    from families.services import create_family, record_carer_check, request_approval

    applicants = []
    for last_name, first_name, patronymic, birth_date, sex in data["applicants"]:
        serial = 7301 + number * 10
        while (iin := make_iin(birth_date, sex, serial)) is None:  # a serial with no check digit
            serial += 1
        applicants.append({"last_name": last_name, "first_name": first_name, "patronymic": patronymic,
                           "birth_date": birth_date, "sex": sex, "iin": iin})
    with recorded_as(worker, "POST /families/new/"):
        family, _warnings = create_family(
            actor=worker, applicants=applicants, responsible_unit=district, require_current_certificates=True,
            region=district.region, form_of_care=data["form_of_care"], applied_on=today - dt.timedelta(days=60 + number * 15),
            preferred_age_min=0, preferred_age_max=10, max_siblings=2,
            home_study_issued_on=today - dt.timedelta(days=20 + number * 5),
            home_study_expires_on=today + dt.timedelta(days=345 - number * 5),
            training_certificate_number=f"ШПР-{today.year}-{71 + number:03d}",
            training_issued_on=today - dt.timedelta(days=30 + number * 5),
            training_expires_on=today + dt.timedelta(days=700),
        )
    if data["check"]:
        with recorded_as(worker, f"POST /families/{family.pk}/carer-check/"):
            record_carer_check(family=family, checked_on=today - dt.timedelta(days=10), actor=worker)
    with recorded_as(worker, f"POST /families/{family.pk}/approval/request/"):
        request_approval(family=family, actor=worker)


def _give_cases(worker: User, district: OrganisationalUnit) -> None:
    """The demo social worker takes over some cases of its district (open ones first), once."""
    if Case.objects.filter(assigned_worker=worker).exists():
        return
    open_first = Case.objects.filter(responsible_unit=district).order_by("stage", "id")
    picked = list(open_first.exclude(stage="closed").values_list("id", flat=True)[:DEMO_CASES_FOR_WORKER])
    picked += list(open_first.filter(stage="closed").values_list("id", flat=True)[: max(0, DEMO_CASES_FOR_WORKER - len(picked)) or 5])
    Case.objects.filter(id__in=picked).update(assigned_worker=worker)
