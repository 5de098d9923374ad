"""Case-file PDF benchmark (issue 20, item 6: a child with many visits in <= 300 ms).

On otbasy_bench it takes the child with the most visits (among the first 200,000 children, to keep
the search short) and measures documents.export.build_case_file_pdf: the first call of the process
(which also cuts the fonts down and parses them, once per process) and then --runs calls (median,
p95). Beside it, the reads alone (documents.export.case_file_data: the same queries, no PDF), so
the difference is the PDF itself. Read-only.

Usage:  .venv/bin/python bench/bench_case_file_pdf.py [--runs 15]
        (DATABASE_URL defaults to postgres://postgres@127.0.0.1:5432/otbasy_bench)
"""

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/otbasy_bench")

import django

django.setup()

from django.db import connection  # noqa: E402

from accounts.models import User  # noqa: E402
from bench.timing import measure, ms  # noqa: E402
from children.models import Child  # noqa: E402
from documents.export import build_case_file_pdf, case_file_data  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    with connection.cursor() as cursor:
        cursor.execute("""
            SELECT p.child_id, count(*) FROM visits_visit v JOIN cases_placement p ON p.id = v.placement_id
            WHERE p.child_id <= (SELECT min(id) + 200000 FROM children_child) GROUP BY p.child_id ORDER BY 2 DESC, 1 LIMIT 1
        """)
        child_id, visits = cursor.fetchone()
    child = Child.objects.get(pk=child_id)
    user = User.objects.filter(role="supervisor").order_by("id").first()
    start = time.perf_counter()
    size = len(build_case_file_pdf(child=child, generated_by=user))
    first = ms(time.perf_counter() - start)
    median, p95 = measure(lambda: build_case_file_pdf(child=child, generated_by=user), args.runs, warmup=1)
    reads, reads_p95 = measure(lambda: case_file_data(child), args.runs, warmup=1)
    print(f"nproc {os.cpu_count()}, load average {os.getloadavg()[0]:.1f}, runs {args.runs}; "
          f"child {child_id} with {visits} visits, PDF of {size:,} bytes")
    print(f"first PDF of the process (fonts cut and parsed)  {first:9} ms")
    print(f"case-file PDF                        median {median:9} ms   p95 {p95:9} ms")
    print(f"its reads alone (case_file_data)     median {reads:9} ms   p95 {reads_p95:9} ms")


if __name__ == "__main__":
    main()
