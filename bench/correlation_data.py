"""Generated, realistic report data for the correlation benchmarks (not a benchmark itself).

The mix, per report (about 8 mentions on average):
- most values are seen once (a phishing URL, a file hash, an account);
- some come from a pool of campaign infrastructure reused by a handful of reports;
- a few come from a small pool of very popular values (a hashtag of the election, a
  shortener) mentioned by thousands of reports — the values that blow up pair tables;
- narratives are random sentences from a word list; one in twenty is a lightly edited copy
  of a few copy-pasta texts.
Everything is inserted with bulk_create in batches, so a million mentions take minutes.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import timedelta

from django.db import connection, transaction
from django.utils import timezone

from civicshield.core import rows as rows_sql
from civicshield.core.markings import TLP
from civicshield.directory.models import Organisation
from civicshield.reports.models import Observable, Report, ReportObservable

WORDS = (  # noqa: SIM905 — a paragraph reads better than a list
    "vote ballot polling station commission count fraud text message register deadline "
    "candidate party leaflet video account network site fake official claim share "
    "election results queue ink postal district north south region observer statement "
    "posted link page followers warning officers phone email password login campaign "
    "voters town hall poster debate broadcaster website minutes hours days weeks"
).split()
TYPES = ("domain", "url", "ipv4", "sha256", "email", "social_account", "hashtag")
POPULAR = 12  # values mentioned by a large share of all reports (an election hashtag...)
COPYPASTA_TEMPLATES = 5
COPYPASTA_MARK = "Shared: "  # lets a benchmark find the copies without comparing texts


def words(rng: random.Random, count: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(count))


def _value(kind: str, token: str) -> str:
    if kind == "domain":
        return f"{token}.veridia-bench.example"
    if kind == "url":
        return f"https://{token}.veridia-bench.example/p/{token}"
    if kind == "ipv4":
        number = int(token, 36) % (2 ** 24)
        return f"10.{number >> 16 & 255}.{number >> 8 & 255}.{number & 255}"
    if kind == "sha256":
        return (token * 64)[:64]
    if kind == "email":
        return f"{token}@mail.veridia-bench.example"
    if kind == "social_account":
        return f"x:@{token}"
    return f"#{token}"


class Generator:
    """Adds reports with their observables; keeps pools so later batches reuse values."""

    def __init__(self, seed: int = 20261125) -> None:
        self.rng = random.Random(seed)
        self.serial = 0
        self.templates = [words(self.rng, 500) for _ in range(COPYPASTA_TEMPLATES)]
        self.organisation = Organisation.objects.get_or_create(
            slug="bench-correlation", defaults={"name": "Bench", "sector": "civil_society",
                                                "country": "Veridia"})[0]
        self.observable_ids: dict[tuple[str, str], int] = {}

    def _token(self) -> str:
        self.serial += 1
        return f"v{self.serial:x}"

    def mention_values(self, reports_so_far: int) -> list[tuple[str, str]]:
        rng = self.rng
        values = []
        for _ in range(rng.randint(4, 12)):
            kind = rng.choice(TYPES)
            draw = rng.random()
            if draw < 0.08:
                popular = rng.randrange(POPULAR)
                token = f"pop{popular}"
                kind = "hashtag" if popular < POPULAR // 2 else "domain"
            elif draw < 0.35:
                # Campaign infrastructure: a pool growing with the data, each reused ~5 times.
                token = f"camp{rng.randrange(max(10, reports_so_far // 5))}"
            else:
                token = self._token()
            values.append((kind, _value(kind, token)))
        return list(dict.fromkeys(values))

    def narrative(self, length: int = 80, *, copypasta: float = 0.05) -> str:
        if self.rng.random() < copypasta:
            text = self.rng.choice(self.templates).split()[:length]
            for _ in range(3):  # a few edits, as copy-pasta gets them
                text[self.rng.randrange(len(text))] = self.rng.choice(WORDS)
            return COPYPASTA_MARK + " ".join(text)
        return words(self.rng, length)

    def add_reports(self, count: int, *, narrative_words: int = 80,
                    batch: int = 5000) -> Iterator[list[int]]:
        """Insert `count` reports; yields the ids of each batch."""
        now = timezone.now()
        existing = Report.objects.count()
        for start in range(0, count, batch):
            size = min(batch, count - start)
            with transaction.atomic():
                reports = Report.objects.bulk_create([
                    Report(reference=f"CS-BC{existing + start + n:08d}", title="Bench report",
                           description=self.narrative(narrative_words),
                           observed_start=now - timedelta(hours=self.rng.randrange(24 * 90)),
                           tlp=TLP.GREEN, owner_organisation=self.organisation)
                    for n in range(size)])
                wanted = [(report.pk, self.mention_values(existing + start + n))
                          for n, report in enumerate(reports)]
                fresh = {pair for _, values in wanted for pair in values
                         if pair not in self.observable_ids}
                Observable.objects.bulk_create(
                    [Observable(type=kind, value=value) for kind, value in fresh],
                    batch_size=5000, ignore_conflicts=True)
                self._remember(fresh)
                ReportObservable.objects.bulk_create(
                    [ReportObservable(report_id=report_id,
                                      observable_id=self.observable_ids[pair])
                     for report_id, values in wanted for pair in values], batch_size=5000)
            yield [report.pk for report in reports]

    def _remember(self, pairs: set[tuple[str, str]]) -> None:
        values = [value for _, value in pairs]
        for pk, value, kind in rows_sql.ids_by(Observable, "value", values, "type"):
            self.observable_ids[(kind, value)] = pk


def analyse() -> None:
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def mentions() -> int:
    return ReportObservable.objects.count()


def fingerprint_cheaply(report_ids: list[int], conf: object) -> None:
    """Store narrative fingerprints for generated reports without hashing every text: real
    ones for the copy-pasta (they must find each other), random ones for the rest (random
    prose is as unlike anything as a random signature). Minutes saved at a million rows."""
    import numpy as np

    from civicshield.correlation import narrative
    from civicshield.correlation.models import NarrativeBand, NarrativeFingerprint

    permutations = conf.minhash_permutations  # type: ignore[attr-defined]
    threshold = conf.narrative_threshold  # type: ignore[attr-defined]
    generator = np.random.default_rng(len(report_ids))
    prints, bands = [], []
    for pk, text in Report.objects.filter(pk__in=report_ids).values_list("pk", "description"):
        if text.startswith(COPYPASTA_MARK):
            real = narrative.fingerprint(text, shingle_size=5, permutations=permutations)
            signature, digest = real.signature, real.digest
        else:
            signature = generator.integers(0, 2 ** 32, permutations, dtype=np.uint32)
            digest = f"random-{pk}"
        prints.append(NarrativeFingerprint(report_id=pk, signature=signature.astype("<u4")
                                           .tobytes(), characters=len(text), digest=digest))
        bands += [NarrativeBand(key=key, report_id=pk)
                  for key in narrative.band_keys(signature, threshold=threshold)]
    NarrativeFingerprint.objects.bulk_create(prints, batch_size=5000)
    NarrativeBand.objects.bulk_create(bands, batch_size=5000)


def reset() -> None:
    """Empty reports, observables and correlation in the throwaway benchmark database, so
    each benchmark starts from nothing and leaves nothing for the next one."""
    tables = connection.introspection.table_names()
    order = [t for t in tables if t.startswith("correlation_")]
    order += [t for t in tables if t.startswith("reports_report_") or t in (
        "reports_reportobservable", "reports_comment", "reports_attachment")]
    order += ["reports_report", "reports_observable"]
    with transaction.atomic(), connection.cursor() as cursor:
        for table in order:
            if table in tables:
                cursor.execute(f"DELETE FROM {connection.ops.quote_name(table)}")  # noqa: S608
