"""Matching benchmark: rank 100,000 prospective families for one child at the matching stage.

Uses its own database ``otbasy_bench_matching`` (created and migrated when missing; 100,000 families
loaded once with COPY, so the national data set in otbasy_bench is not touched). For one case at
the matching stage it measures, over ``--runs`` runs (median and p95, milliseconds):
  - ``matching.selectors.rank_families`` (the top 20 with explanations: the ORM query plus Python);
  - the API: GET /api/v1/cases/{id}/matches/ through DRF;
  - the same filtering, scoring and top 20 in hand-written raw SQL (the reference);
  - rank_families as it was before the slice (every eligible family scored: scored_families),
    alternately with today's (bench.timing.measure_pair), and the ratio of the two.
With ``--sample N``: over N matching cases drawn at random (seed 1), with and without the health
factor, how often the slice proved the page and the median time of the ranking's statement either way.

The database may also be a copy of the national data set (``createdb -T otbasy_bench
otbasy_bench_matching``): with 1,000,000 families already there nothing is loaded, and ``--case``
picks the case (bench/bench_record_pages.py's: the first matching case of the worker with most cases).

Usage:  .venv/bin/python bench/bench_matching.py [--runs 50] [--families 100000] [--case ID] [--sample N]
"""

import argparse
import datetime as dt
import io
import os
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
DB = "otbasy_bench_matching"
SERVER = os.environ.get("BENCH_PGSERVER", "postgres://postgres@127.0.0.1:5432")
sys.path.insert(0, str(ROOT))
os.environ["DATABASE_URL"] = f"{SERVER}/{DB}"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
os.environ.setdefault("THROTTLE_USER", "1000000/minute")
os.environ.setdefault("ALLOWED_HOSTS", "testserver")


def ensure_database() -> None:
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DB]).fetchone():
            conn.execute(f"CREATE DATABASE {DB}")
    env = {**os.environ}
    for attempt in range(5):
        try:
            subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)
            return
        except subprocess.CalledProcessError:
            if attempt == 4:
                raise
            time.sleep(3)


ensure_database()

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402
from rest_framework.test import APIClient  # noqa: E402

from accounts.models import OrganisationalUnit, User  # noqa: E402
from bench.timing import measure, measure_pair  # noqa: E402
from cases.models import Case, Stage  # noqa: E402
from children.models import Child, ChildrensHome  # noqa: E402
from families.models import Family  # noqa: E402
from matching import selectors  # noqa: E402
from matching.policy import COMPATIBLE_FORMS, weights  # noqa: E402
from matching.selectors import FACTORS, age_on, factors_for, rank_families, scored_families, sibling_group_size  # noqa: E402
from regions.models import Region  # noqa: E402

FORMS = ["adoption"] * 4 + ["guardianship", "trusteeship", "foster_family", "patronage", "professional_foster", "guest_family"]
COLUMNS = (
    "created_at, updated_at, region_id, responsible_unit_id, address, form_of_care, applied_on, "
    "preferred_age_min, preferred_age_max, preferred_sex, max_siblings, max_health_needs, home_study_issued_on, "
    "home_study_expires_on, training_certificate_number, training_issued_on, training_expires_on, approval_status, "
    "approved_on, approval_expires_on"
)


def load_families(n: int) -> None:
    """Top the families table up to ``n`` rows with a plausible mix (70% approved, some expired)."""
    have = Family.objects.count()
    if have >= n:
        return
    rng = random.Random(42)
    today = timezone.localdate()
    units = dict(OrganisationalUnit.objects.filter(kind="region").values_list("region_id", "id"))
    region_ids = list(units)
    now = timezone.now().isoformat()
    buffer = io.StringIO()
    for _ in range(n - have):
        region = rng.choice(region_ids)
        lo = rng.randint(0, 12)
        hi = rng.randint(lo, 17)
        approved = rng.random() < 0.7
        status = "approved" if approved else rng.choice(["applied", "under_assessment", "suspended", "withdrawn"])
        expires = today + dt.timedelta(days=rng.randint(-120, 700))
        issued = expires - dt.timedelta(days=730)
        applied = today - dt.timedelta(days=rng.randint(0, 1500))
        fields = [
            now, now, region, units[region], "", rng.choice(FORMS), applied, lo, hi, rng.choice(["", "", "M", "F"]),
            rng.randint(1, 4), rng.randint(0, 3), issued, expires, "SAP", issued, expires + dt.timedelta(days=rng.randint(-30, 60)),
            status, issued if approved else r"\N", expires if approved else r"\N",
        ]
        buffer.write("\t".join(str(f) for f in fields) + "\n")
    buffer.seek(0)
    with connection.cursor() as cursor, cursor.copy(f"COPY families_family ({COLUMNS}) FROM STDIN") as copy:
        while chunk := buffer.read(1 << 20):
            copy.write(chunk)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE families_family")


def the_case(pk: int | None = None) -> Case:
    if pk:
        return Case.objects.select_related("child").get(pk=pk)
    case = Case.objects.filter(stage=Stage.MATCHING).select_related("child").first()
    if case:
        return case
    almaty = Region.objects.get(code="almaty")
    unit = OrganisationalUnit.objects.get(code="dept-almaty")
    home = ChildrensHome.objects.create(name_ru="Bench home", home_type="childrens_home", region=almaty, capacity=100)
    child = Child.objects.create(last_name="Bench", first_name="Child", birth_date=dt.date(2017, 4, 2), sex="M",
                                 legal_status="orphan", region=almaty, current_home=home, entered_care_on=dt.date(2020, 1, 1),
                                 health_needs=1)
    return Case.objects.create(child=child, stage=Stage.MATCHING, form_of_care="adoption", responsible_unit=unit)


RAW_SQL = """
SELECT id,
       f_form + f_age + f_sex + f_siblings + f_health + f_region + f_waiting AS score
FROM (
  SELECT f.id, f.applied_on,
         CASE WHEN f.form_of_care = %(form)s THEN %(w_form)s ELSE %(w_form_c)s END AS f_form,
         CASE WHEN f.preferred_age_min <= %(age)s AND f.preferred_age_max >= %(age)s THEN %(w_age)s
              ELSE GREATEST(0, %(w_age)s - (GREATEST(0, f.preferred_age_min - %(age)s)
                                            + GREATEST(0, %(age)s - f.preferred_age_max)) * %(w_age_pen)s) END AS f_age,
         CASE WHEN f.preferred_sex = %(sex)s THEN %(w_sex)s WHEN f.preferred_sex = '' THEN %(w_sex_any)s ELSE 0 END AS f_sex,
         CASE WHEN f.max_siblings >= %(siblings)s THEN %(w_sib)s ELSE 0 END AS f_siblings,
         CASE WHEN f.max_health_needs >= %(health)s THEN %(w_health)s ELSE 0 END AS f_health,
         CASE WHEN f.region_id = %(region)s THEN %(w_region)s ELSE 0 END AS f_region,
         LEAST(GREATEST(%(today)s::date - f.applied_on, 0), %(cap)s)::float * %(w_wait)s / %(cap)s AS f_waiting
  FROM families_family f
  WHERE f.approval_status = 'approved' AND f.approval_expires_on >= %(today)s
    AND f.home_study_expires_on >= %(today)s AND f.training_expires_on >= %(today)s
    AND f.form_of_care = ANY(%(forms)s)
    AND NOT (f.psychological_training_issued_on IS NULL AND f.form_of_care IN (
        SELECT form_of_care FROM cases_formofcarerule WHERE requires_psychological_training))
) scored
ORDER BY score DESC, applied_on, id
LIMIT 20
"""


def raw_reference(case: Case) -> Callable[[], list]:
    w = weights()
    today = timezone.localdate()
    params = {
        "form": case.form_of_care, "forms": [case.form_of_care, *COMPATIBLE_FORMS.get(case.form_of_care, ())],
        "age": age_on(case.child.birth_date, today), "sex": case.child.sex, "siblings": sibling_group_size(case.child),
        "health": case.child.health_needs, "region": case.child.region_id,
        "today": today, "cap": w["waiting_cap_days"], "w_form": w["form_of_care_exact"],
        "w_form_c": w["form_of_care_compatible"], "w_age": w["age_in_range"], "w_age_pen": w["age_penalty_per_year"],
        "w_sex": w["sex_preferred"], "w_sex_any": w["sex_any"], "w_sib": w["siblings_accepted"],
        "w_health": w["health_accepted"], "w_region": w["same_region"], "w_wait": w["waiting_max"],
    }

    def run() -> list:
        with connection.cursor() as cursor:
            cursor.execute(RAW_SQL, params)
            return cursor.fetchall()

    return run




def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--families", type=int, default=100_000)
    parser.add_argument("--case", type=int, default=0, help="the case to rank for (default: the first at matching)")
    parser.add_argument("--sample", type=int, default=0, help="also: how often the slice proves the page, over N cases")
    args = parser.parse_args()

    load_families(args.families)
    case = the_case(args.case)
    admin = User.objects.filter(username="bench-admin").first() or User.objects.create_superuser(
        "bench-admin", "bench@example.kz", "bench-pass-1", role="administrator")
    client = APIClient()
    client.force_authenticate(admin)
    url = f"/api/v1/cases/{case.pk}/matches/"
    assert client.get(url).status_code == 200

    raw = raw_reference(case)
    # The two must agree on the order before their times mean anything.
    ours = [c.family.pk for c in rank_families(case=case, limit=20)]
    assert ours == [row[0] for row in raw()], "ORM and raw SQL rankings differ"

    families = Family.objects.count()
    eligible = scored_families(case=case).count()
    _rows, proved = selectors._ranked_ids(case=case, on=timezone.localdate(), siblings=sibling_group_size(case.child),
                                          factors=FACTORS, k=20)
    print(f"families: {families}, case {case.pk} ({case.form_of_care}, region {case.child.region_id}): {eligible} eligible "
          f"families, the slice proved the page: {proved}; runs: {args.runs}, nproc: {os.cpu_count()}, "
          f"load average {os.getloadavg()[0]:.1f}")
    for name, fn in (
        ("rank_families (top 20 + explanations)", lambda: rank_families(case=case, limit=20)),
        ("API GET /cases/{id}/matches/", lambda: client.get(url)),
        ("raw SQL reference (top 20)", raw),
    ):
        median, p95 = measure(fn, args.runs)
        print(f"{name:42s} median {median:8.2f} ms   p95 {p95:8.2f} ms")
    median, p95, before, before_p95, ratio = measure_pair(lambda: rank_families(case=case, limit=20),
                                                          lambda: before_slice(case), args.runs)
    print(f"{'rank_families, alternately with before':42s} median {median:8.2f} ms   p95 {p95:8.2f} ms")
    print(f"{'  before: every eligible family scored':42s} median {before:8.2f} ms   p95 {before_p95:8.2f} ms   "
          f"ratio {ratio}")
    if args.sample:
        proof_rate(args.sample)


def before_slice(case: Case) -> list:
    """rank_families as it was: the top 20 of every eligible family (scored_families)."""
    real = selectors._ranked_ids
    selectors._ranked_ids = lambda *, case, on, siblings, factors, k: (
        list(scored_families(case=case, on=on, siblings=siblings, factors=factors).values_list("id", "match_score")[:k]),
        False)
    try:
        return rank_families(case=case, limit=20)
    finally:
        selectors._ranked_ids = real


def proof_rate(n: int) -> None:
    """Over ``n`` matching cases drawn at random: how often the slice proves the page, and the ranking
    statement's median time (ms) when it does and when every family is scored."""
    ids = list(Case.objects.filter(stage=Stage.MATCHING).exclude(form_of_care="").order_by("pk").values_list("pk", flat=True))
    random.Random(1).shuffle(ids)
    on = timezone.localdate()
    times: dict[bool, list[float]] = {True: [], False: []}
    for pk in ids[:n]:
        case = Case.objects.select_related("child").get(pk=pk)
        siblings = sibling_group_size(case.child)
        for sensitive in (True, False):
            start = time.perf_counter()
            _rows, proved = selectors._ranked_ids(case=case, on=on, siblings=siblings, factors=factors_for(sensitive=sensitive), k=20)
            times[proved].append((time.perf_counter() - start) * 1000)
    total = len(times[True]) + len(times[False])
    print(f"sample: {n} matching cases x (with, without the health factor): the slice proved {len(times[True])} of {total} pages")
    for proved, label in ((True, "slice proved"), (False, "every family scored")):
        if times[proved]:
            print(f"  {label:20s} median {statistics.median(times[proved]):8.2f} ms  ({len(times[proved])} pages)")


if __name__ == "__main__":
    main()
