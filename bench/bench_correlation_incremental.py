"""Correlating one new report costs the same at 10,000 or 1,000,000 stored observables.

The store grows with generated, realistic data (bench/correlation_data.py: mostly unique
values, reused campaign infrastructure, a few very popular values; narratives with some
copy-pasta) inserted in bulk. At each size, new reports — each with 10 observables (new
ones, reused infrastructure, a popular value) and a 500-word narrative, a third of them
copies of a circulating text — are correlated one at a time, as after a save. The baseline
is the same measurement at the smallest size: the ratio largest/smallest should be ≤ 2.

BENCH_INCREMENTAL_MENTIONS (comma-separated sizes) and BENCH_INCREMENTAL_TRIALS shrink it.
"""

from __future__ import annotations

import os
import time
from statistics import median

from django.utils import timezone

from bench.correlation_data import (
    Generator,
    _value,
    analyse,
    fingerprint_cheaply,
    mentions,
    reset,
)
from civicshield.core.markings import TLP
from civicshield.correlation import warninglists
from civicshield.correlation.conf import correlation_settings
from civicshield.correlation.services import correlate_reports
from civicshield.reports.models import Observable, Report

SIZES = [int(size) for size in os.environ.get(
    "BENCH_INCREMENTAL_MENTIONS", "10000,100000,1000000").split(",")]
TRIALS = int(os.environ.get("BENCH_INCREMENTAL_TRIALS", "15"))


def _new_report(generator: Generator, number: int) -> Report:
    rng = generator.rng
    report = Report.objects.create(
        reference=f"CS-BI{number:08d}", title="New report",
        description=generator.narrative(500, copypasta=1 / 3), observed_start=timezone.now(),
        tlp=TLP.GREEN, owner_organisation=generator.organisation)
    reports = Report.objects.count()
    values = [("domain", _value("domain", generator._token())) for _ in range(5)]
    values += [(kind, _value(kind, f"camp{rng.randrange(max(10, reports // 5))}"))
               for kind in ("url", "ipv4", "email", "domain")]
    values.append(("hashtag", "#pop1"))
    for kind, value in values:
        observable, _ = Observable.objects.get_or_create(type=kind, value=value)
        report.observables.add(observable)
    return report


def run() -> None:
    reset()
    try:
        _measure()
    finally:
        reset()


def _measure() -> None:
    generator = Generator()
    conf = correlation_settings()
    warninglists.vendored()  # read once per process, not per report
    results = []
    number = 0
    for size in SIZES:
        started = time.perf_counter()
        while mentions() < size:
            missing = size - mentions()
            for ids in generator.add_reports(max(1, missing // 8), batch=10000):
                fingerprint_cheaply(ids, conf)
        analyse()
        built = time.perf_counter() - started
        samples = []
        for _ in range(TRIALS):
            number += 1
            report = _new_report(generator, number)
            began = time.perf_counter()
            correlate_reports(report_ids=[report.pk])
            samples.append(time.perf_counter() - began)
        results.append(median(samples))
        print(f"  {mentions():>10,} stored observable mentions ({Observable.objects.count():,} "
              f"distinct, {Report.objects.count():,} reports; built in {built:5.0f} s): "
              f"{median(samples) * 1000:7.1f} ms per report (median of {TRIALS}, slowest "
              f"{max(samples) * 1000:6.1f} ms)")
    print(f"  ratio largest/smallest: {results[-1] / results[0]:.2f} (target ≤ 2)")
