"""Timing helpers shared by the benchmarks."""

from __future__ import annotations

import time
from collections.abc import Callable
from statistics import median
from typing import Any


def median_seconds(call: Callable[[], Any], repeat: int = 7) -> float:
    """The median wall time of `repeat` calls (the median shrugs off one slow outlier)."""
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        samples.append(time.perf_counter() - start)
    return median(samples)
