"""Correlation settings, with defaults: override any of them in
`settings.CIVICSHIELD_CORRELATION` (a dict), e.g. in tests or a deployment's settings."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from django.conf import settings


@dataclass(frozen=True)
class CorrelationSettings:
    # A value mentioned by more reports than this links nothing: "not correlated: too common".
    over_correlation_limit: int = 50
    # Narratives at least this similar (estimated Jaccard of character shingles) link.
    narrative_threshold: float = 0.7
    # Shorter texts say too little to compare ("What happened." is not a narrative).
    narrative_min_characters: int = 80
    shingle_size: int = 5
    minhash_permutations: int = 64
    # Same technique against the same victim or in the same phase within this many days.
    technique_window_days: int = 14
    technique_victim_strength: float = 0.55
    technique_phase_strength: float = 0.35
    # Links weaker than this are not stored at all; links at least `campaign_link_threshold`
    # strong join reports into campaigns.
    store_threshold: float = 0.3
    campaign_link_threshold: float = 0.5
    # At most this many links are stored per correlated report (its strongest), so a popular
    # value costs one posting per mention and a bounded number of links, never all pairs.
    max_links_per_report: int = 20
    # Candidates examined per rule and report (the most recent first).
    candidates_per_rule: int = 300
    # Cumulative score: an alert when a campaign's score reaches this.
    alert_threshold: float = 5.0
    half_life_days: float = 30.0
    breadth_weight: float = 0.1
    # Fewer reports than this do not make a campaign.
    min_campaign_size: int = 2


def correlation_settings() -> CorrelationSettings:
    overrides: dict[str, Any] = {
        key.lower(): value
        for key, value in getattr(settings, "CIVICSHIELD_CORRELATION", {}).items()
    }
    known = {f.name for f in fields(CorrelationSettings)}
    unknown = set(overrides) - known
    if unknown:
        raise ValueError(f"unknown correlation settings: {', '.join(sorted(unknown))}")
    return CorrelationSettings(**overrides)
