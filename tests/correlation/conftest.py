"""Helpers for correlation tests: reports with observables, narratives and techniques."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from civicshield.core.markings import TLP
from civicshield.correlation.services import correlate_reports
from civicshield.reports.models import Observable, Report, Victim
from civicshield.vocab.models import Release, Term, Vocabulary
from tests.report_factories import make_report

NOW = timezone.now()


def technique(code: str = "T0049.003") -> Term:
    vocabulary, _ = Vocabulary.objects.get_or_create(
        slug="disarm", defaults={"name": "DISARM", "source": "disarm"})
    release = Release.objects.filter(vocabulary=vocabulary).first() or Release.objects.create(
        vocabulary=vocabulary, label="test", digest="0" * 64)
    term, _ = Term.objects.get_or_create(
        vocabulary=vocabulary, code=code,
        defaults={"name": f"Technique {code}", "kind": "technique", "plain": "A technique.",
                  "release": release})
    return term


def phase(code: str = "voting_operations") -> Term:
    return Term.objects.get(vocabulary__slug="phases", code=code)


def add_report(*, observables: Sequence[tuple[str, str]] = (), description: str = "",
               severity: int = 3, confidence: str = "medium", tlp: str = TLP.GREEN,
               owner: Any = None, observed: datetime | None = None,
               techniques: Sequence[Term] = (), phases: Sequence[Term] = (),
               victims: Sequence[Victim] = (), information_types: Sequence[Term] = (),
               correlate: bool = True, **fields: Any) -> Report:
    """A report stored directly (as an importer would), then correlated."""
    extra = {"description": description} if description else {}
    report = make_report(tlp=tlp, owner=owner, severity=severity, confidence=confidence,
                         observed_start=observed or NOW - timedelta(days=1), **extra,
                         **fields)
    for kind, value in observables:
        observable, _ = Observable.objects.get_or_create(type=kind, value=value)
        report.observables.add(observable)
    report.techniques.set(techniques)
    report.phases.set(phases)
    report.victims.set(victims)
    report.information_types.set(information_types)
    if correlate:
        correlate_reports(report_ids=[report.pk])
    return report


def victim(name: str = "Parliamentary candidate, district 3") -> Victim:
    return Victim.objects.create(kind="candidate", name=name, region="North")


COPYPASTA = (
    "Breaking: the Electoral Commission confirms that this year you can vote by sending a "
    "text message with your ID number to 4455. Polling stations will be crowded, so save "
    "time and vote from home! Share this with everyone you know before election day."
)


@pytest.fixture
def correlation_settings(settings: Any) -> Any:
    """Settings with small, explicit numbers, so tests read as specifications."""
    settings.CIVICSHIELD_CORRELATION = {
        "over_correlation_limit": 5, "max_links_per_report": 20, "alert_threshold": 5.0,
    }
    return settings
