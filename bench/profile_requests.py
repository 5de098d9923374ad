"""Where the milliseconds of the everyday requests go (issue 20): each request is run many times
under cProfile with the process's CPU clock (time spent waiting for PostgreSQL or for a core on a
busy machine is not counted), and the CPU milliseconds per request of the steps that matter are
printed: the whole request, the view, the permission and grant look-ups, building the SQL, running
it (driver), making model instances, writing the JSON or the HTML, the access-log row.

Read-only except the access-log rows of the case detail, which are rolled back.

Usage:  .venv/bin/python bench/profile_requests.py [--runs 100] [--only detail,list,web]
        (DATABASE_URL defaults to postgres://postgres@127.0.0.1:5432/otbasy_bench)
"""

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/otbasy_bench")
os.environ.setdefault("THROTTLE_USER", "1000000000/minute")  # throttling is not what is measured
os.environ.setdefault("ALLOWED_HOSTS", "testserver")

import django

django.setup()

from django.db import transaction  # noqa: E402
from django.test import Client  # noqa: E402
from rest_framework.test import APIClient  # noqa: E402

from accounts.models import User  # noqa: E402
from cases.models import Case  # noqa: E402

# (label, file suffix, function name): the steps reported, matched in the profile's entries.
STEPS = [
    ("middleware and DRF dispatch (whole request)", "django/core/handlers/base.py", "get_response"),
    ("the view", "rest_framework/views.py", "dispatch"),
    ("  permission look-ups (grants, units)", "access/selectors.py", "granted_case_ids"),
    ("  filter set (django-filter)", "django_filters/rest_framework/backends.py", "filter_queryset"),
    ("  building SQL (ORM compiler)", "django/db/models/sql/compiler.py", "as_sql"),
    ("  running SQL (driver, fetch)", "django/db/backends/utils.py", "_execute"),
    ("  model instances", "django/db/models/base.py", "from_db"),
    ("  JSON of the rows (serializer)", "rest_framework/serializers.py", "data"),
    ("  access-log row", "audit/services.py", "log_access"),
    ("  page template", "django/template/backends/django.py", "render"),
]


def profile(client: object, url: str, runs: int) -> tuple[float, dict[str, float]]:
    for _ in range(5):
        assert client.get(url).status_code == 200
    cpu = []
    for _ in range(runs):
        start = time.process_time()
        client.get(url)
        cpu.append(time.process_time() - start)
    profiler = cProfile.Profile(time.process_time)
    profiler.enable()
    for _ in range(runs):
        client.get(url)
    profiler.disable()
    stats = pstats.Stats(profiler).stats  # (file, line, name) -> (cc, nc, tt, ct, callers)
    total = 0.0
    steps: dict[str, float] = {}
    for (file, _line, name), (_cc, _nc, _tt, ct, _callers) in stats.items():
        for label, suffix, function in STEPS:
            if file.endswith(suffix) and name == function:
                steps[label] = steps.get(label, 0.0) + ct
        if file.endswith("django/core/handlers/base.py") and name == "get_response":
            total = ct
    # Profiling slows everything by about the same factor: scale the steps to the unprofiled median.
    median = statistics.median(cpu)
    scale = median / (total / runs) if total else 0.0
    return median * 1000, {label: seconds / runs * scale * 1000 for label, seconds in steps.items()}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--only", default="detail,list,supervisor-list,web")
    args = parser.parse_args()
    wanted = set(args.only.split(","))
    case = (Case.objects.filter(stage="placed", assigned_worker__isnull=False).select_related("assigned_worker")
            .order_by("id")[1000:1001].get())
    worker = case.assigned_worker
    supervisor = User.objects.filter(role="supervisor", unit__kind="region", is_active=True).order_by("id").first()
    api, api_supervisor, web = APIClient(), APIClient(), Client()
    api.force_authenticate(worker)
    api_supervisor.force_authenticate(supervisor)
    web.force_login(worker)
    requests = [
        ("detail", "API case detail (worker)", api, f"/api/v1/cases/{case.pk}/"),
        ("list", "API case list (worker)", api, "/api/v1/cases/"),
        ("supervisor-list", "API case list (regional supervisor)", api_supervisor, "/api/v1/cases/"),
        ("web", "My cases page (worker)", web, "/cases/"),
    ]
    print(f"database {os.environ['DATABASE_URL'].rsplit('/', 1)[-1]}, nproc {os.cpu_count()}, "
          f"load average {os.getloadavg()[0]:.1f}, runs {args.runs}; CPU ms per request")
    with transaction.atomic():
        for key, label, client, url in requests:
            if key not in wanted:
                continue
            median, steps = profile(client, url, args.runs)
            print(f"\n{label}: {url}\n  CPU per request (median, unprofiled) {median:7.2f} ms")
            for step in dict.fromkeys(label for label, *_ in STEPS):
                if step in steps:
                    print(f"  {step:48} {steps[step]:7.2f}")
        transaction.set_rollback(True)


if __name__ == "__main__":
    main()
