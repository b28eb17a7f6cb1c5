"""The cumulative score of a campaign (docs/correlation.md, "Cumulative score").

    weight(r)  = severity(r) / 5 * confidence(r) * 0.5 ^ (age_days(r) / half_life)
    evidence   = Σ weight(r) over the members
    breadth    = 1 + breadth_weight * (victims + phases + information types + observable types)
    score      = evidence * breadth

so many low-severity reports add up, and a campaign that reaches many victims, phases and
platforms counts for more than the same number of reports about one thing. Pure: the
caller passes the facts and the clock.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from civicshield.reports.choices import Confidence

CONFIDENCE_WEIGHTS: dict[str, float] = {
    Confidence.LOW: 0.5, Confidence.MEDIUM: 0.75, Confidence.HIGH: 1.0,
}


@dataclass(frozen=True)
class MemberFacts:
    """What the score needs of one member report."""

    report_id: int
    severity: int
    confidence: str
    observed_start: datetime
    victims: frozenset[int] = frozenset()
    phases: frozenset[int] = frozenset()
    information_types: frozenset[int] = frozenset()
    observable_types: frozenset[str] = frozenset()


@dataclass(frozen=True)
class ScoreParts:
    reports: int
    severity_confidence: float  # Σ severity/5 * confidence, before time decay
    evidence: float  # the same with time decay
    recency: float  # evidence / severity_confidence: 1 when everything is fresh
    victims: int
    phases: int
    information_types: int
    observable_types: int
    breadth: float
    score: float
    threshold: float
    crossed: bool
    phase_ids: frozenset[int] = field(default=frozenset(), repr=False)
    victim_ids: frozenset[int] = field(default=frozenset(), repr=False)

    def as_dict(self) -> dict[str, float | int | bool]:
        return {
            "reports": self.reports, "severity_confidence": self.severity_confidence,
            "evidence": self.evidence, "recency": self.recency, "victims": self.victims,
            "phases": self.phases, "information_types": self.information_types,
            "observable_types": self.observable_types, "breadth": self.breadth,
            "score": self.score, "threshold": self.threshold, "crossed": self.crossed,
        }


def report_weight(member: MemberFacts, *, now: datetime, half_life_days: float) -> float:
    age_days = max(0.0, (now - member.observed_start).total_seconds() / 86400)
    return (member.severity / 5) * CONFIDENCE_WEIGHTS.get(member.confidence, 0.75) * (
        0.5 ** (age_days / half_life_days))


def score(members: Iterable[MemberFacts], *, now: datetime, half_life_days: float,
          breadth_weight: float, threshold: float) -> ScoreParts:
    members = list(members)
    undecayed = sum((m.severity / 5) * CONFIDENCE_WEIGHTS.get(m.confidence, 0.75)
                    for m in members)
    evidence = sum(report_weight(m, now=now, half_life_days=half_life_days) for m in members)
    victims = frozenset().union(*(m.victims for m in members))
    phases = frozenset().union(*(m.phases for m in members))
    information_types = frozenset().union(*(m.information_types for m in members))
    observable_types = frozenset().union(*(m.observable_types for m in members))
    breadth = 1 + breadth_weight * (len(victims) + len(phases) + len(information_types)
                                    + len(observable_types))
    total = evidence * breadth
    return ScoreParts(
        reports=len(members), severity_confidence=round(undecayed, 3),
        evidence=round(evidence, 3), recency=round(evidence / undecayed, 3) if undecayed else 0,
        victims=len(victims), phases=len(phases), information_types=len(information_types),
        observable_types=len(observable_types), breadth=round(breadth, 3),
        score=round(total, 2), threshold=threshold, crossed=total >= threshold,
        phase_ids=phases, victim_ids=victims)
