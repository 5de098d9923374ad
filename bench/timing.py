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
