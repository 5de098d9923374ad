"""`make bench`: every benchmark at national scale, one summary table in bench/README.md.

1. Makes sure otbasy_bench holds the national data set: runs bench/seed_national.py (minutes) only
   when children_child does not hold exactly 1,000,000 rows, or with --reseed.
2. Migrates otbasy_bench (new tables of apps added since the load; lock_timeout so a busy database
   fails loudly instead of waiting forever).
3. Runs each bench script that exists, saving its whole output to bench/results/<name>.txt, and
   reads its figures: a final ``BENCH_RESULT {json}`` line when the script prints one, otherwise
   the lines each script prints (parsers below, one per script).
4. Writes the table (figure, reference, ratio) and the machine it ran on into bench/README.md,
   between the markers <!-- bench:summary:start --> and <!-- bench:summary:end -->.

Usage:  .venv/bin/python bench/run_all.py [--quick] [--only caseload,stats,...] [--reseed] [--no-readme]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
RESULTS = BENCH / "results"
README = BENCH / "README.md"
START, END = "<!-- bench:summary:start -->", "<!-- bench:summary:end -->"
SERVER = os.environ.get("BENCH_PGSERVER", "postgres://postgres@127.0.0.1:5432")
DATABASE_URL = f"{SERVER}/otbasy_bench"
NATIONAL_CHILDREN = 1_000_000


@dataclass
class Row:
    figure: str
    value: float | None
    unit: str  # "ms", "s" or "req/s"
    reference: str = ""
    reference_value: float | None = None
    note: str = ""

    @property
    def ratio(self) -> float | None:
        """How many times slower than the reference (throughput: reference req/s over ours)."""
        if self.value is None or not self.reference_value:
            return None
        if self.unit == "req/s":
            return self.reference_value / self.value if self.value else None
        return self.value / self.reference_value


@dataclass
class Bench:
    name: str
    script: str
    args: list[str]
    quick_args: list[str]
    parse: Callable[[str], list[Row]]  # used when the script prints no BENCH_RESULT line
    rows: list[Row] = field(default_factory=list)
    seconds: float = 0.0
    status: str = "not run"


# --- parsers: one per script's own output --------------------------------------------------------

def bench_result_lines(out: str) -> list[Row]:
    rows = []
    for line in out.splitlines():
        if not line.startswith("BENCH_RESULT "):
            continue
        data = json.loads(line.removeprefix("BENCH_RESULT "))
        if "median_rps" in data:
            rows.append(Row(data["name"], data["median_rps"], "req/s", data.get("reference", ""), data.get("reference_rps"),
                            note=f"median latency {data.get('median_ms')} ms vs {data.get('reference_ms')} ms"))
        else:
            rows.append(Row(data["name"], data.get("median_ms"), "ms", data.get("reference", ""), data.get("reference_ms")))
    return rows


def number_after(pattern: str, out: str) -> float | None:
    match = re.search(pattern, out, re.M)
    return float(match.group(1)) if match else None


def parse_seed(out: str) -> list[Row]:
    def median_of_runs(summary: str, per_run: str) -> float | None:
        value = number_after(summary, out)
        runs = [float(x) for x in re.findall(per_run, out, re.M)]
        return value if value is not None else (statistics.median(runs) if runs else None)

    return [Row("import: seed_demo --children 1000000 (whole command)",
                median_of_runs(r"seed_demo median:\s+([\d.]+) s", r"^run \d+: seed_demo .*: ([\d.]+) s$"), "s",
                "raw SQL (INSERT ... SELECT of the same rows + indexes)",
                median_of_runs(r"raw-SQL reference median:\s+([\d.]+) s", r"^run \d+: raw-SQL reference .*: ([\d.]+) s$"))]


def parse_caseload(out: str) -> list[Row]:
    table = {}
    for line in out.split("measurement", 1)[-1].splitlines():
        match = re.match(r"^(.+?)\s{2,}([\d.]+)(?:\s+([\d.]+))?\s*$", line)
        if match:
            table[match.group(1).strip()] = float(match.group(2))
    worker_api = table.get("worker: API /api/v1/cases/ (page + count)")
    region_api = table.get("supervisor: API /api/v1/cases/ (region, page + count)")
    return [
        Row("caseload page, social worker (API, page + count)", worker_api,
            "ms", "raw SQL", table.get("worker: raw SQL, same page + count")),
        Row("caseload page, social worker (API, page + count)", worker_api,
            "ms", "generic guardian get_objects_for_user", table.get("worker: guardian get_objects_for_user")),
        Row("region list, supervisor of the largest region (API)", region_api,
            "ms", "raw SQL", table.get("supervisor: raw SQL, same page + count")),
        Row("region list, supervisor of the largest region (API)", region_api,
            "ms", "generic guardian (group grants)", table.get("supervisor: guardian get_objects_for_user (group grants)")),
    ]


def parse_matching(out: str) -> list[Row]:
    def median(name: str) -> float | None:
        return number_after(re.escape(name) + r"\s+median\s+([\d.]+) ms", out)

    families = re.search(r"families: (\d+)", out)
    return [Row(f"matching: rank {families.group(1) if families else '?'} families for a child (API, top 20)",
                median("API GET /cases/{id}/matches/"), "ms", "raw SQL", median("raw SQL reference (top 20)"),
                note=f"selector alone {median('rank_families (top 20 + explanations)')} ms")]


def parse_sweep(out: str) -> list[Row]:
    def steps_of(label: str) -> dict[str, float]:
        """'its steps: visits 1.466 s, ...' under the scenario whose line starts with ``label``."""
        match = re.search(rf"^{label}.*?\n(?:.*\n)*?\s+its steps: (.+)$", out, re.M)
        pairs = re.findall(r"(\w+) ([\d.]+) s", match.group(1)) if match else []
        return {name: float(seconds) * 1000 for name, seconds in pairs}

    daily, cold = steps_of("daily sweep"), steps_of("cold start")
    raw_due = number_after(r"due \+ overdue visits INSERT \.\.\. ON CONFLICT: median ([\d.]+) s", out)
    raw_risk = number_after(r"high-risk-without-visit anti-join: median ([\d.]+) s", out)
    whole = number_after(r"sweep, first run: median ([\d.]+) s", out)
    forced = number_after(r"sweep, re-run finding nothing new: median ([\d.]+) s", out)
    same_day = number_after(r"re-run the same day \(kinds done are skipped\): median ([\d.]+) s", out)
    return [
        Row("reminder sweep, daily: first run of the day, every kind (1M active placements)",
            whole * 1000 if whole else None, "ms",
            note=f"re-run the same day {fmt(same_day * 1000 if same_day else None, 'ms')}; forced re-check of every "
                 f"kind over its whole window {fmt(forced * 1000 if forced else None, 'ms')}"),
        Row("reminder sweep, daily: visits step (due, overdue, escalated)", daily.get("visits"), "ms"),
        Row("reminder sweep, daily: high-risk-without-visit step", daily.get("high_risk_no_visit"), "ms",
            "raw SQL anti-join (count only, nothing inserted)", raw_risk * 1000 if raw_risk else None),
        Row("reminder sweep, cold start: visits step (whole windows inserted)", cold.get("visits"), "ms",
            "raw SQL due + overdue INSERT ... ON CONFLICT", raw_due * 1000 if raw_due else None),
        Row("reminder sweep, cold start: high-risk step (every due placement inserted)", cold.get("high_risk_no_visit"),
            "ms", "raw SQL anti-join (count only, nothing inserted)", raw_risk * 1000 if raw_risk else None),
    ]


def parse_stats(out: str) -> list[Row]:
    rows = []
    for match in re.finditer(r"^(\w+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+(\w+)\s*$", out, re.M):
        name, admin, analyst, raw, _ratio, same = match.groups()
        rows.append(Row(f"statistics: {name} by region and year (API)", float(admin), "ms", "raw SQL", float(raw),
                        note=f"as analyst with suppression {analyst} ms; same numbers: {same}"))
    return rows


def parse_documents(out: str) -> list[Row]:
    rows = []
    for match in re.finditer(r"^- (social_worker|supervisor) \S+: first page of (\d+) documents: API median ([\d.]+) ms.*?"
                             r"raw SQL median ([\d.]+) ms", out, re.M):
        role, total, api, raw = match.groups()
        rows.append(Row(f"documents: first page, {role.replace('_', ' ')} ({total} documents, API)", float(api), "ms",
                        "raw SQL", float(raw)))
    return rows


def parse_web_pages(out: str) -> list[Row]:
    table = {}
    for line in out.split("measurement", 1)[-1].splitlines():
        match = re.match(r"^(.+?)\s+([\d.]+)\s+([\d.]+)\s+(\d+)\s*$", line)
        if match:
            table[match.group(1).strip()] = (float(match.group(2)), int(match.group(4)))

    def median(name: str) -> float | None:
        return table.get(name, (None, 0))[0]

    return [
        Row("web page: worker's My cases (whole page)", median("worker: GET /cases/ (page)"), "ms",
            "raw SQL (count + 50 rows)", median("worker: raw SQL reference (count + 50 rows)")),
        Row("web page: region supervisor's cases (whole page)", median("region supervisor: GET /cases/ (page)"), "ms",
            "raw SQL (count + 50 rows)", median("region supervisor: raw SQL reference")),
        Row("web page: region supervisor's dashboard", median("region supervisor: GET /unit/ (dashboard)"), "ms",
            note=f"{table.get('region supervisor: GET /unit/ (dashboard)', (0, '?'))[1]} queries"),
    ]


def parse_generic(out: str) -> list[Row]:
    return bench_result_lines(out)


def benches() -> list[Bench]:
    return [
        Bench("caseload", "bench_caseload.py", ["--runs", "100"], ["--runs", "20"], parse_caseload),
        Bench("case_detail", "bench_case_detail.py", ["--runs", "200"], ["--runs", "30"], parse_generic),
        Bench("matching", "bench_matching.py", ["--runs", "30"], ["--runs", "5"], parse_matching),
        Bench("sweep", "bench_sweep.py", ["--runs", "3", "--active-placements", "1000000"], ["--runs", "1"], parse_sweep),
        Bench("stats", "bench_stats.py", ["--runs", "5"], ["--runs", "1"], parse_stats),
        Bench("documents", "bench_documents.py", ["--runs", "30"], ["--runs", "5"], parse_documents),
        Bench("web_pages", "bench_web_pages.py", ["--runs", "30"], ["--runs", "5"], parse_web_pages),
        Bench("throughput", "throughput.py", ["--runs", "3", "--duration", "10"], ["--runs", "1", "--duration", "5"], parse_generic),
    ]


def figures(bench: Bench, out: str) -> list[Row]:
    return bench_result_lines(out) or bench.parse(out)


# --- running -------------------------------------------------------------------------------------

def run_script(script: str, args: list[str], log: Path, env: dict[str, str] | None = None) -> tuple[int, str, float]:
    started = time.monotonic()
    print(f"==> {script} {' '.join(args)}", flush=True)
    process = subprocess.run([sys.executable, str(BENCH / script), *args], cwd=ROOT, capture_output=True, text=True,
                             env={**os.environ, "DATABASE_URL": DATABASE_URL, **(env or {})})
    elapsed = time.monotonic() - started
    log.write_text(process.stdout + ("\n--- stderr ---\n" + process.stderr if process.stderr.strip() else ""))
    print(f"    {'ok' if process.returncode == 0 else 'FAILED'} in {elapsed:.0f} s (output: {log.relative_to(ROOT)})", flush=True)
    return process.returncode, process.stdout, elapsed


def children_count() -> int | None:
    try:
        with psycopg.connect(DATABASE_URL, connect_timeout=5) as db:
            return db.execute("SELECT count(*) FROM children_child").fetchone()[0]
    except psycopg.Error:
        return None  # no database or no table yet


def ensure_data_set(reseed: bool) -> Bench:
    seed = Bench("import", "seed_national.py", ["--runs", "1"], ["--runs", "1"], parse_seed)
    log = RESULTS / "seed_national.txt"
    count = children_count()
    if reseed or count != NATIONAL_CHILDREN:
        print(f"otbasy_bench holds {count} children, not {NATIONAL_CHILDREN:,}: loading the national data set (minutes)")
        code, out, seed.seconds = run_script(seed.script, seed.args, log)
        seed.status = "ok" if code == 0 else "failed"
        seed.rows = parse_seed(out)
        if code != 0:
            raise SystemExit(f"seed_national.py failed; see {log}")
    elif log.exists():
        seed.rows, seed.status = parse_seed(log.read_text()), "data present; figures from the last load (bench/results/seed_national.txt)"
    else:
        seed.status = "data present; not re-run (bench/run_all.py --reseed measures the import)"
        seed.rows = [Row("import: seed_demo --children 1000000 (whole command)", None, "s")]
    return seed


def migrate() -> None:
    env = {**os.environ, "DATABASE_URL": DATABASE_URL, "DJANGO_SETTINGS_MODULE": "config.settings.test",
           "PGOPTIONS": "-c lock_timeout=120000"}
    for attempt in range(3):
        result = subprocess.run([sys.executable, "manage.py", "migrate", "--noinput"], cwd=ROOT, env=env,
                                capture_output=True, text=True)
        if result.returncode == 0:
            return
        print(f"migrate failed (attempt {attempt + 1}), retrying: {result.stderr.strip().splitlines()[-1:]}")
        time.sleep(10)
    raise SystemExit("could not migrate otbasy_bench")


# --- the summary ---------------------------------------------------------------------------------

def machine(when: dt.datetime | None = None) -> str:
    memory = next((line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")), "0")
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor() or "?")
    with psycopg.connect(DATABASE_URL) as db:
        version = db.execute("SHOW server_version").fetchone()[0]
    return (f"**Machine:** nproc = {os.cpu_count()} ({cpu}), memory {int(memory) / 1024 / 1024:.1f} GiB, "
            f"PostgreSQL {version}, Python {platform.python_version()}, {platform.system()} {platform.release()}; "
            f"run {when or dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC")


def fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    if unit == "req/s":
        return f"{value:,.0f} req/s"
    if unit == "s" or value >= 1000:
        return f"{value / 1000:,.2f} s" if unit == "ms" else f"{value:,.1f} s"
    return f"{value:,.1f} ms" if value >= 10 else f"{value:,.2f} ms"


def summary(all_benches: list[Bench], quick: bool, when: dt.datetime | None = None) -> str:
    lines = [
        START,
        "## Summary (`make bench`)",
        "",
        machine(when),
        "",
        "Medians of several runs on the national data set in `otbasy_bench` (1,000,000 children and cases, "
        "~1.5M placements, ~10M visits). Ratio = figure / reference (for throughput: the reference's requests per "
        "second over ours), so 1.0 means as fast as the reference. Written by `bench/run_all.py`"
        + (" with `--quick` (fewer runs)" if quick else "") + "; each script's whole output is in `bench/results/`.",
        "",
        "| figure | median | reference | reference median | ratio | note |",
        "| --- | ---: | --- | ---: | ---: | --- |",
    ]
    for bench in all_benches:
        if not bench.rows:
            lines.append(f"| {bench.name} (`bench/{bench.script}`) | — | | | | {bench.status} |")
        for row in bench.rows:
            ratio = f"{row.ratio:.2f}" if row.ratio is not None else "—"
            note = "; ".join(x for x in (row.note, "" if bench.status == "ok" else bench.status) if x)
            lines.append(f"| {row.figure} | {fmt(row.value, row.unit)} | {row.reference or '—'} | "
                         f"{fmt(row.reference_value, row.unit)} | {ratio} | {note} |")
    lines += ["", END]
    return "\n".join(lines)


def write_readme(text: str) -> None:
    current = README.read_text() if README.exists() else "# Benchmarks\n"
    if START in current and END in current:
        head, rest = current.split(START, 1)
        _, tail = rest.split(END, 1)
        README.write_text(head + text + tail)
    else:  # first run: the table goes right under the title, the owners' sections stay below
        title, _, body = current.partition("\n")
        README.write_text(f"{title}\n\n{text}\n\n{body.lstrip()}")


def rebuild_from_results(args: argparse.Namespace) -> None:
    seed = ensure_data_set(reseed=False)
    chosen = [b for b in benches() if not args.only or b.name in args.only.split(",")]
    finished = []
    for bench in chosen:
        log = RESULTS / f"{bench.name}.txt"
        if log.exists():
            bench.rows, bench.status = figures(bench, log.read_text()), "ok"
            finished.append(dt.datetime.fromtimestamp(log.stat().st_mtime, dt.UTC))
    text = summary([seed, *chosen], args.quick, max(finished, default=None))
    print(text)
    if not args.no_readme:
        write_readme(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer runs per figure (a smoke run, minutes)")
    parser.add_argument("--only", default="", help="comma-separated bench names (caseload, case_detail, matching, ...)")
    parser.add_argument("--reseed", action="store_true", help="reload the national data set even if it is there")
    parser.add_argument("--no-readme", action="store_true", help="print the table, leave bench/README.md alone")
    parser.add_argument("--from-results", action="store_true",
                        help="run nothing: rebuild the table from the outputs kept in bench/results/")
    args = parser.parse_args()
    RESULTS.mkdir(exist_ok=True)
    if args.from_results:
        rebuild_from_results(args)
        return

    seed = ensure_data_set(args.reseed)
    migrate()
    chosen = [b for b in benches() if not args.only or b.name in args.only.split(",")]
    for bench in chosen:
        if not (BENCH / bench.script).exists():
            bench.status = "script not written yet"
            continue
        code, out, bench.seconds = run_script(bench.script, bench.quick_args if args.quick else bench.args,
                                              RESULTS / f"{bench.name}.txt")
        bench.rows = figures(bench, out)
        bench.status = "ok" if code == 0 else f"FAILED (exit {code}; see bench/results/{bench.name}.txt)"
        if code == 0 and not bench.rows:
            bench.status = f"no figures found in its output (bench/results/{bench.name}.txt)"
    text = summary([seed, *chosen], args.quick)
    print("\n" + text)
    if not args.no_readme:
        write_readme(text)
        print(f"\nwritten to {README.relative_to(ROOT)}")
    failed = [b.name for b in chosen if b.status.startswith("FAILED")]
    if failed:
        raise SystemExit(f"failed: {', '.join(failed)}")


if __name__ == "__main__":
    main()
