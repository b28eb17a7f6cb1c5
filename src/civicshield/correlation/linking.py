"""Finding links for a batch of reports from postings, never from all pairs.

For each correlated report, each rule asks its postings for a bounded number of candidates:
- observables: `reports.ReportObservable` (observable → reports), at most N+1 rows per value
  (N, the over-correlation limit: a value in more reports is "too common" and links nothing);
- narrative: the LSH bands of its MinHash signature (`NarrativeBand`), then the candidates'
  stored signatures;
- technique: (technique, victim) and (technique, phase) keys in a time window
  (`TechniquePosting`).
The report's strongest links above the storage threshold (at most `max_links_per_report`)
replace its previous ones. The engine reads all data: what a viewer sees is filtered later.
"""

from __future__ import annotations

import hashlib
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TypedDict

import numpy as np
from django.db import connection, models
from django.db.models import Q
from django.utils import timezone

from civicshield.core import rows as rows_sql
from civicshield.correlation import narrative, warninglists
from civicshield.correlation.choices import LinkKind
from civicshield.correlation.conf import CorrelationSettings
from civicshield.correlation.models import (
    AllowListEntry,
    Link,
    NarrativeBand,
    NarrativeFingerprint,
    TechniquePosting,
    TooCommonObservable,
)
from civicshield.reports.choices import ObservableType
from civicshield.reports.models import Observable, Report, ReportObservable

# Hashtags and accounts are easily shared by unrelated people: they weigh less than a URL.
TYPE_WEIGHTS: dict[str, float] = {
    ObservableType.HASHTAG: 0.8, ObservableType.SOCIAL_ACCOUNT: 0.85,
}
RARE_STRENGTH = 0.95  # two reports sharing a value no one else mentions
COMMON_STRENGTH = 0.6  # a value just under the over-correlation limit


class ReportRow(TypedDict):
    """The fields of a report that correlation reads (`Report.objects.values(...)`)."""

    pk: int
    title: str
    description: str
    observed_start: datetime


@dataclass
class Evidence:
    """What one rule found between the correlated report and one other."""

    strength: float
    details: dict


@dataclass
class LinkingResult:
    touched: set[int] = field(default_factory=set)  # reports whose links may have changed
    new_pairs: set[tuple[int, int]] = field(default_factory=set)


def observable_strength(observable_type: str, report_count: int, limit: int) -> float:
    """Rarer values link more strongly: 0.95 for two reports, 0.6 at the limit."""
    count = max(2, report_count)
    rarity = 1.0 if limit <= 2 else 1 - math.log(count - 1) / math.log(limit - 1)
    strength = COMMON_STRENGTH + (RARE_STRENGTH - COMMON_STRENGTH) * max(0.0, rarity)
    return round(strength * TYPE_WEIGHTS.get(observable_type, 1.0), 3)


def combined(strengths: Iterable[float]) -> float:
    """Independent pieces of evidence add up, never beyond 1: 1 - prod(1 - s)."""
    remaining = 1.0
    for strength in strengths:
        remaining *= 1 - strength
    return round(1 - remaining, 3)


def _key(*parts: object) -> int:
    digest = hashlib.blake2b("\x1f".join(str(p) for p in parts).encode(), digest_size=8)
    return int.from_bytes(digest.digest(), "little", signed=True)


def _allow_list() -> set[tuple[str, str]]:
    return {(entry.type or "*", entry.value.lower())
            for entry in AllowListEntry.objects.only("type", "value")}


_warning_cache: dict[tuple[str, str], str | None] = {}


def skip_reason(observable_type: str, value: str, allow: set[tuple[str, str]]) -> str | None:
    """Why a value never links: the name of a warning list, or "allow list"; else None."""
    lowered = value.lower()
    if (observable_type, lowered) in allow or ("*", lowered) in allow:
        return "allow list"
    key = (observable_type, lowered)
    if key not in _warning_cache:
        if len(_warning_cache) > 100_000:  # a long-running worker must not grow forever
            _warning_cache.clear()
        _warning_cache[key] = warninglists.vendored().match(observable_type, value)
    return _warning_cache[key]


def link_reports(report_ids: Sequence[int], conf: CorrelationSettings) -> LinkingResult:
    """Recompute the links of these reports (they exist; missing ids are ignored)."""
    result = LinkingResult()
    reports = {row["pk"]: row for row in Report.objects.filter(pk__in=report_ids).values(
        "pk", "title", "description", "observed_start")}
    if not reports:
        return result
    ids = sorted(reports)
    found: dict[int, dict[int, dict[str, Evidence]]] = {r: defaultdict(dict) for r in ids}
    _observable_evidence(ids, conf, found)
    _technique_evidence(reports, conf, found)
    # Last: it keeps only the candidates that can still make the report's strongest links.
    _narrative_evidence(reports, conf, found)

    old = list(Link.objects.filter(Q(source_id__in=ids) | Q(target_id__in=ids))
               .values_list("source_id", "target_id"))
    old_pairs = set(old)
    result.touched.update(ids)
    result.touched.update(r for pair in old for r in pair)
    Link.objects.filter(Q(source_id__in=ids) | Q(target_id__in=ids)).delete()

    rows: dict[tuple[int, int, str], Evidence] = {}
    threshold = conf.store_threshold
    for report_id in ids:
        ranked = []
        for other, kinds in found[report_id].items():
            kept = {kind: e for kind, e in kinds.items() if e.strength >= threshold}
            if kept:
                total = (round(next(iter(kept.values())).strength, 3) if len(kept) == 1
                         else combined(e.strength for e in kept.values()))
                ranked.append((total, other, kept))
        # Strongest first; among equals the most recent report (highest id), so that a
        # popular value links each new report to the latest mentions.
        ranked.sort(key=lambda item: (-item[0], -item[1]))
        for _, other, kept in ranked[:conf.max_links_per_report]:
            source, target = sorted((report_id, other))
            for kind, evidence in kept.items():
                existing = rows.get((source, target, kind))
                if existing is None or existing.strength < evidence.strength:
                    rows[(source, target, kind)] = evidence
            result.touched.add(other)
            if (source, target) not in old_pairs:
                result.new_pairs.add((source, target))
    now = rows_sql.db_datetime(timezone.now())
    rows_sql.insert(Link, ("source", "target", "kind", "strength", "details", "created_at"), (
        (source, target, kind, min(1.0, round(evidence.strength, 3)),
         rows_sql.db_json(Link, "details", evidence.details), now)
        for (source, target, kind), evidence in rows.items()))
    return result


# --- Shared observables ----------------------------------------------------------------


def _observable_evidence(ids: list[int], conf: CorrelationSettings,
                         found: dict[int, dict[int, dict[str, Evidence]]]) -> None:
    mentions = list(ReportObservable.objects.filter(report_id__in=ids).values_list(
        "report_id", "observable_id", "observable__type", "observable__value"))
    if not mentions:
        return
    allow = _allow_list()
    values = {observable: (kind, value) for _, observable, kind, value in mentions}
    linkable = {observable for observable, (kind, value) in values.items()
                if skip_reason(kind, value, allow) is None}
    known_common = set(TooCommonObservable.objects.filter(
        observable_id__in=linkable).values_list("observable_id", flat=True))
    limit = conf.over_correlation_limit
    postings: dict[int, list[int]] = {}
    newly_common: list[TooCommonObservable] = []
    # One query per batch of values, at most N+1 rows per value: enough to tell "too
    # common". No ORDER BY: under the limit every mention comes back anyway. A value is
    # marked too common the first time it passes the limit and never read again, so the
    # window only ever spans about N+1 mentions. Raw SQL: the ORM has no per-group limit.
    table = ReportObservable._meta.db_table
    mentioned: dict[int, list[int]] = defaultdict(list)
    wanted = sorted(linkable - known_common)
    cursor = connection.cursor()
    for start in range(0, len(wanted), rows_sql.CHUNK):
        chunk = wanted[start:start + rows_sql.CHUNK]
        cursor.execute(
            "SELECT observable_id, report_id FROM (SELECT observable_id, report_id, "  # noqa: S608
            "ROW_NUMBER() OVER (PARTITION BY observable_id) AS position "
            f"FROM {table} WHERE observable_id IN ({','.join(['%s'] * len(chunk))})) mentions "
            "WHERE position <= %s", [*chunk, limit + 1])
        for observable, report in cursor.fetchall():
            mentioned[observable].append(report)
    for observable in wanted:
        mentioned_by = mentioned.get(observable, [])
        if len(mentioned_by) > limit:
            newly_common.append(TooCommonObservable(observable_id=observable,
                                                    report_count=len(mentioned_by)))
            continue
        postings[observable] = mentioned_by
    if newly_common:
        TooCommonObservable.objects.bulk_create(newly_common, ignore_conflicts=True)
    for report_id, observable, kind, value in mentions:
        others = postings.get(observable)
        if not others or len(others) < 2:
            continue
        strength = observable_strength(kind, len(others), limit)
        for other in others[:conf.candidates_per_rule]:
            if other == report_id:
                continue
            evidence = found[report_id][other].get(LinkKind.OBSERVABLE)
            item = {"id": observable, "type": kind, "value": value, "reports": len(others),
                    "strength": strength}
            if evidence is None:
                found[report_id][other][LinkKind.OBSERVABLE] = Evidence(
                    strength, {"observables": [item]})
            else:
                items = [*evidence.details["observables"], item]
                items.sort(key=lambda i: (-i["strength"], i["value"]))
                evidence.details = {"observables": items[:5], "count": len(items)}
                evidence.strength = combined(i["strength"] for i in items)


# --- Shared narrative -------------------------------------------------------------------


def _text(row: ReportRow) -> str:
    return f"{row['title']}\n{row['description']}"


def _narrative_evidence(reports: dict[int, ReportRow], conf: CorrelationSettings,
                        found: dict[int, dict[int, dict[str, Evidence]]]) -> None:
    ids = sorted(reports)
    stored_digests = dict(NarrativeFingerprint.objects.filter(report_id__in=ids)
                          .values_list("report_id", "digest"))
    prints = narrative.fingerprints([_text(reports[r]) for r in ids],
                                    shingle_size=conf.shingle_size,
                                    permutations=conf.minhash_permutations)
    signatures: dict[int, np.ndarray] = {}
    keys: dict[int, list[int]] = {}
    changed: list[int] = []
    fresh: list[tuple[int, bytes, int, str]] = []
    for report_id, print_ in zip(ids, prints, strict=True):
        if stored_digests.get(report_id) != print_.digest:
            # A new or changed narrative: store its signature and bands again.
            fresh.append((report_id, print_.to_bytes(), print_.characters, print_.digest))
            changed.append(report_id)
        if print_.characters >= conf.narrative_min_characters:
            signatures[report_id] = print_.signature
            keys[report_id] = narrative.band_keys(print_.signature,
                                                  threshold=conf.narrative_threshold)
    if changed:
        NarrativeFingerprint.objects.filter(report_id__in=changed).delete()
        rows_sql.insert(NarrativeFingerprint, ("report", "signature", "characters", "digest"),
                        fresh)
        NarrativeBand.objects.filter(report_id__in=changed).delete()
        rows_sql.insert(NarrativeBand, ("key", "report"),
                        [(key, report_id) for report_id in changed
                         for key in keys.get(report_id, [])])
    cursor = connection.cursor()
    candidates: dict[int, list[int]] = {}
    for report_id, report_keys in keys.items():
        placeholders = ",".join(["%s"] * len(report_keys))
        cursor.execute(
            f"SELECT report_id FROM {NarrativeBand._meta.db_table} "  # noqa: S608 — fixed names
            f"WHERE key IN ({placeholders}) AND report_id <> %s LIMIT %s",
            [*report_keys, report_id, conf.candidates_per_rule])
        candidates[report_id] = sorted({row[0] for row in cursor.fetchall()})
    # The candidates' signatures, read once for the whole batch (they overlap heavily when
    # a narrative is being copied) and compared row-wise in one numpy operation per report.
    known = dict(signatures)
    wanted = sorted({other for others in candidates.values() for other in others} - set(known))
    for _pk, other, signature in rows_sql.ids_by(NarrativeFingerprint, "report", wanted,
                                                 "signature"):
        known[other] = narrative.signature_from_bytes(signature)
    # One matrix of every signature of the batch's width (a stored one of another width,
    # from before a settings change, compares with nothing); candidates are rows of it.
    width = conf.minhash_permutations
    row_of = {other: row for row, other in enumerate(
        other for other, signature in known.items() if len(signature) == width)}
    matrix = (np.stack([known[other] for other in row_of]) if row_of
              else np.zeros((0, width), dtype=np.uint32))
    for report_id, others in candidates.items():
        present = np.array([other for other in others if other in row_of], dtype=np.int64)
        if not len(present) or len(signatures[report_id]) != width:
            continue
        scores = narrative.similarities(signatures[report_id],
                                        matrix[[row_of[other] for other in present.tolist()]])
        similar = scores >= conf.narrative_threshold
        present, scores = present[similar], scores[similar]
        # Only the strongest can be among the report's stored links: keep the top ones in
        # the final ranking's order (strength rounded as `combined` rounds it, then the
        # newest), and any candidate another rule already found (their strengths add up).
        # Rules that run before this one are the only others, so nothing is lost.
        order = np.lexsort((-present, -np.round(scores, 3)))
        chosen = set(order[:conf.max_links_per_report].tolist())
        chosen.update(i for i, other in enumerate(present.tolist())
                      if other in found[report_id])
        for index in sorted(chosen):
            value = float(scores[index])
            found[report_id][int(present[index])][LinkKind.NARRATIVE] = Evidence(
                value, {"similarity": round(value, 2)})


# --- Shared technique and target ----------------------------------------------------------


def _technique_evidence(reports: dict[int, ReportRow], conf: CorrelationSettings,
                        found: dict[int, dict[int, dict[str, Evidence]]]) -> None:
    ids = sorted(reports)
    techniques = grouped(Report.techniques.through, ids, "term_id")
    victims = grouped(Report.victims.through, ids, "victim_id")
    phases = grouped(Report.phases.through, ids, "term_id")
    term_ids = {t for ts in techniques.values() for t in ts} | {
        p for ps in phases.values() for p in ps}
    from civicshield.vocab.models import Term  # names for the explanations only

    names: dict[int, str] = {}
    phase_names: dict[int, str] = {}
    for pk, code, name in Term.objects.filter(pk__in=term_ids).values_list("pk", "code", "name"):
        names[pk], phase_names[pk] = code, name
    postings: list[TechniquePosting] = []
    meanings: dict[int, dict] = {}
    keys_of: dict[int, list[int]] = {}
    for report_id in ids:
        observed = reports[report_id]["observed_start"]
        keys_of[report_id] = []
        for technique in techniques.get(report_id, ()):
            for victim in victims.get(report_id, ()):
                key = _key("victim", technique, victim)
                meanings[key] = {"technique": names.get(technique, ""), "victim": True}
                keys_of[report_id].append(key)
            for phase in phases.get(report_id, ()):
                key = _key("phase", technique, phase)
                meanings[key] = {"technique": names.get(technique, ""),
                                 "phase": phase_names.get(phase, "")}
                keys_of[report_id].append(key)
        postings += [TechniquePosting(key=key, observed_at=observed, report_id=report_id)
                     for key in keys_of[report_id]]
    TechniquePosting.objects.filter(report_id__in=ids).delete()
    TechniquePosting.objects.bulk_create(postings, batch_size=2000)
    window = timedelta(days=conf.technique_window_days)
    for report_id in ids:
        if not keys_of[report_id]:
            continue
        observed = reports[report_id]["observed_start"]
        rows = (TechniquePosting.objects.filter(
            key__in=keys_of[report_id], observed_at__gte=observed - window,
            observed_at__lte=observed + window).exclude(report_id=report_id)
            .values_list("report_id", "key")[:conf.candidates_per_rule])
        for other, key in rows:
            meaning = meanings[key]
            strength = (conf.technique_victim_strength if meaning.get("victim")
                        else conf.technique_phase_strength)
            current = found[report_id][other].get(LinkKind.TECHNIQUE)
            if current is None or current.strength < strength:
                found[report_id][other][LinkKind.TECHNIQUE] = Evidence(
                    strength, {**meaning, "days": conf.technique_window_days})


def grouped(through: type[models.Model], ids: list[int], column: str
            ) -> dict[int, set[int]]:
    """report id → the `column` values of a report's many-to-many rows (`through`)."""
    result: dict[int, set[int]] = defaultdict(set)
    for start in range(0, len(ids), rows_sql.CHUNK):
        for report_id, value in through._default_manager.filter(
                report_id__in=ids[start:start + rows_sql.CHUNK]).values_list(
                "report_id", column):
            result[report_id].add(value)
    return result


def too_common(observable_ids: Iterable[int]) -> set[int]:
    return set(TooCommonObservable.objects.filter(observable_id__in=list(observable_ids))
               .values_list("observable_id", flat=True))


def observables_of(report_id: int) -> list[Observable]:
    return list(Observable.objects.filter(reports__pk=report_id).order_by("type", "value"))
