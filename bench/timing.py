"""The one timing helper of the benchmark scripts: median and p95 of repeated calls, in ms."""

import statistics
import time
from collections.abc import Callable


def ms(seconds: float) -> float:
    return round(seconds * 1000, 2)


def measure(fn: Callable[[], object], runs: int, warmup: int = 3) -> tuple[float, float]:
    """Median and p95 in milliseconds of ``runs`` calls after ``warmup`` untimed ones."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    times.sort()
    return ms(statistics.median(times)), ms(times[min(len(times) - 1, int(len(times) * 0.95))])


def measure_pair(fn: Callable[[], object], reference: Callable[[], object], runs: int,
                 warmup: int = 3) -> tuple[float, float, float, float, float]:
    """``fn`` and its ``reference`` called alternately, so that both see the same load on a shared
    machine: (median ms, p95 ms of fn, median ms, p95 ms of the reference, median of the per-pair
    ratios fn / reference)."""
    for _ in range(warmup):
        fn()
        reference()
    ours, theirs, ratios = [], [], []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        middle = time.perf_counter()
        reference()
        end = time.perf_counter()
        ours.append(middle - start)
        theirs.append(end - middle)
        ratios.append((middle - start) / max(end - middle, 1e-9))

    def p95(values: list[float]) -> float:
        values = sorted(values)
        return ms(values[min(len(values) - 1, int(len(values) * 0.95))])

    return (ms(statistics.median(ours)), p95(ours), ms(statistics.median(theirs)), p95(theirs),
            round(statistics.median(ratios), 2))
