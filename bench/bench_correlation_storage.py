"""Correlation storage per mention stays flat as data grows (no table of all pairs).

Reports are generated with a realistic mix of values (bench/correlation_data.py) and
correlated batch by batch, as an importer would. At each size the benchmark prints the
correlation tables' size per mention (SQLite's dbstat: links, narrative fingerprints and
bands, technique postings, too-common values; the mentions themselves are the reports
app's table and are counted apart) and, as the baseline, how many rows a table of every
correlating pair (MISP's approach) would hold.
"""

from __future__ import annotations

import os
import time

from django.db import connection

from bench.correlation_data import Generator, analyse, mentions, reset
from civicshield.correlation.services import correlate_reports

SIZES = [int(size) for size in os.environ.get(
    "BENCH_STORAGE_REPORTS", "2000,8000,32000").split(",")]
TABLES = ("correlation_link", "correlation_narrativefingerprint", "correlation_narrativeband",
          "correlation_techniqueposting", "correlation_toocommonobservable")


def _bytes(names: tuple[str, ...]) -> int:
    """Bytes of these tables and their indexes (SQLite dbstat)."""
    placeholders = ",".join("%s" for _ in names)
    with connection.cursor() as cursor:
        query = ("SELECT COALESCE(SUM(pgsize), 0) FROM dbstat WHERE name IN (SELECT name "  # noqa: S608 — fixed names
                 f"FROM sqlite_master WHERE tbl_name IN ({placeholders}))")
        cursor.execute(query, list(names))
        return int(cursor.fetchone()[0])


def _all_pairs() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT COALESCE(SUM(n * (n - 1) / 2), 0) FROM (SELECT COUNT(*) AS n "
                       "FROM reports_reportobservable GROUP BY observable_id)")
        return int(cursor.fetchone()[0])


def run() -> None:
    reset()
    try:
        _measure()
    finally:
        reset()


def _measure() -> None:
    if connection.vendor != "sqlite":
        print("  skipped: measures SQLite's dbstat")
        return
    generator = Generator()
    done = 0
    rows = []
    for size in SIZES:
        started = time.perf_counter()
        for ids in generator.add_reports(size - done, batch=2000):
            correlate_reports(report_ids=ids)
        done = size
        analyse()
        count = mentions()
        stored = _bytes(TABLES)
        mention_bytes = _bytes(("reports_reportobservable",))
        with connection.cursor() as cursor:
            cursor.execute("SELECT COUNT(*) FROM correlation_link")
            links = cursor.fetchone()[0]
        pairs = _all_pairs()
        rows.append(stored / count)
        print(f"  {size:>8,} reports {count:>9,} mentions: correlation {stored / count:7.1f} "
              f"bytes/mention ({links / count:5.2f} links/mention; the postings themselves "
              f"{mention_bytes / count:5.1f} bytes/mention); all-pairs baseline "
              f"{pairs / count:8.1f} pairs/mention; {time.perf_counter() - started:6.1f} s")
    print(f"  storage per mention, largest / smallest size: {rows[-1] / rows[0]:.2f} "
          f"(flat means about 1)")
