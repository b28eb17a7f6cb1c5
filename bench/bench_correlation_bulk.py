"""Bulk correlation of 100,000 reports from scratch, against a naive all-pairs baseline.

The reports are generated (bench/correlation_data.py) and correlated in one call, as the
STIX importer does. The baseline compares every pair of reports — shared observables by set
intersection, narratives by their MinHash signatures (vectorised with numpy, which is
generous to it) — on a 5,000-report subset, and is scaled to the full size by the square
of the ratio, since all pairs grow so. Both print reports per second.

BENCH_BULK_REPORTS and BENCH_BULK_BASELINE shrink it.
"""

from __future__ import annotations

import os
import time
from collections import defaultdict

import numpy as np

from bench.correlation_data import Generator, analyse, mentions, reset
from civicshield.correlation import narrative, warninglists
from civicshield.correlation.conf import correlation_settings
from civicshield.correlation.models import Campaign, Link
from civicshield.correlation.services import correlate_reports
from civicshield.reports.models import Report, ReportObservable

REPORTS = int(os.environ.get("BENCH_BULK_REPORTS", "100000"))
SUBSET = int(os.environ.get("BENCH_BULK_BASELINE", "5000"))


def _all_pairs(report_ids: list[int]) -> tuple[float, int]:
    """The naive way: every pair compared; returns seconds and correlating pairs."""
    conf = correlation_settings()
    started = time.perf_counter()
    values: dict[int, set[int]] = defaultdict(set)
    for report_id, observable_id in ReportObservable.objects.filter(
            report_id__in=report_ids).values_list("report_id", "observable_id"):
        values[report_id].add(observable_id)
    texts = dict(Report.objects.filter(pk__in=report_ids).values_list("pk", "description"))
    signatures = np.stack([narrative.fingerprint(texts[pk], shingle_size=conf.shingle_size,
                                                 permutations=conf.minhash_permutations)
                           .signature for pk in report_ids])
    sets = [values[pk] for pk in report_ids]
    pairs = 0
    for index in range(len(report_ids)):
        mine = sets[index]
        similar = (signatures[index + 1:] == signatures[index]).mean(axis=1)
        for offset, other in enumerate(sets[index + 1:]):
            if mine & other or similar[offset] >= conf.narrative_threshold:
                pairs += 1
    return time.perf_counter() - started, pairs


def run() -> None:
    reset()
    try:
        _measure()
    finally:
        reset()


def _measure() -> None:
    generator = Generator()
    started = time.perf_counter()
    ids = [pk for batch in generator.add_reports(REPORTS, batch=10000) for pk in batch]
    analyse()
    print(f"  generated {REPORTS:,} reports, {mentions():,} mentions in "
          f"{time.perf_counter() - started:.0f} s")
    warninglists.vendored()
    started = time.perf_counter()
    correlate_reports(report_ids=ids)
    elapsed = time.perf_counter() - started
    print(f"  postings: {elapsed:8.1f} s, {REPORTS / elapsed:8.0f} reports/s; "
          f"{Link.objects.count():,} links stored, {Campaign.objects.count():,} campaigns")
    subset = ids[:SUBSET]
    seconds, pairs = _all_pairs(subset)
    scaled = seconds * (REPORTS / len(subset)) ** 2
    print(f"  all pairs on {len(subset):,} reports: {seconds:.1f} s, {len(subset) / seconds:.0f} "
          f"reports/s, {pairs:,} correlating pairs; scaled to {REPORTS:,}: {scaled:,.0f} s, "
          f"{REPORTS / scaled:.1f} reports/s")
    print(f"  speed-up of postings over all pairs at {REPORTS:,}: {scaled / elapsed:,.0f} times")
