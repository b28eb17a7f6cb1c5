"""Many small things add up: the cumulative score, and alerts once per crossing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from civicshield.core.authz import OPERATOR
from civicshield.core.choices import Role
from civicshield.core.markings import TLP
from civicshield.correlation import services
from civicshield.correlation.choices import AlertKind
from civicshield.correlation.models import Alert, AlertReceipt, Campaign
from civicshield.correlation.selectors import alerts_for, unread_alerts
from civicshield.vocab.models import Term
from tests.correlation.conftest import NOW, add_report
from tests.factories import make_organisation, make_user

HALF_LIFE, BREADTH, THRESHOLD = 30.0, 0.1, 2.0


@pytest.fixture
def scored(settings: Any) -> None:
    settings.CIVICSHIELD_CORRELATION = {"alert_threshold": THRESHOLD, "half_life_days": HALF_LIFE,
                                        "breadth_weight": BREADTH}


@pytest.fixture
def coordinator() -> Any:
    return make_user(Role.COORDINATOR, organisation=make_organisation(is_coordinator=True))


def expected_score(reports: list[dict[str, Any]]) -> float:
    """The formula of docs/correlation.md, written out independently of the code."""
    confidence = {"low": 0.5, "medium": 0.75, "high": 1.0}
    now = timezone.now()
    evidence = sum(r["severity"] / 5 * confidence[r["confidence"]]
                   * 0.5 ** ((now - r["observed"]).total_seconds() / 86400 / HALF_LIFE)
                   for r in reports)
    breadth = 1 + BREADTH * (len({p for r in reports for p in r["phases"]})
                             + len({t for r in reports for t in r["types"]}))
    return evidence * breadth


def low_report(phase: Term, days: float = 1) -> tuple[Any, dict[str, Any]]:
    facts = {"severity": 1, "confidence": "low", "observed": NOW - timedelta(days=days),
             "phases": {phase.pk}, "types": {"domain"}}
    report = add_report(observables=[("domain", "vote-info-veridia.com")], severity=1,
                        confidence="low", observed=facts["observed"], phases=[phase])
    return report, facts


def test_many_low_severity_reports_cross_a_threshold_no_single_report_would(
        vocabulary: None, scored: None, coordinator: Any) -> None:
    phases = list(Term.objects.filter(vocabulary__slug="phases").order_by("code"))
    made = [low_report(phases[i % len(phases)]) for i in range(14)]
    single = expected_score([made[0][1]])
    assert single < THRESHOLD
    campaign = Campaign.objects.get()
    expected = expected_score([facts for _, facts in made])
    assert campaign.score == pytest.approx(expected, abs=0.02)
    assert expected >= THRESHOLD
    assert campaign.threshold_crossed
    alerts = Alert.objects.filter(kind=AlertKind.THRESHOLD)
    assert alerts.count() == 1
    assert list(alerts.get().recipients.all()) == [coordinator]


def test_a_threshold_alert_is_raised_once_per_crossing(
        vocabulary: None, scored: None, coordinator: Any) -> None:
    voting = Term.objects.get(vocabulary__slug="phases", code="voting_operations")
    reports = [low_report(voting)[0] for _ in range(25)]
    assert Alert.objects.filter(kind=AlertKind.THRESHOLD).count() == 1
    low_report(voting)  # still above: no new alert
    assert Alert.objects.filter(kind=AlertKind.THRESHOLD).count() == 1
    campaign = Campaign.objects.get()
    for report in reports[:20]:  # fall below the threshold...
        services.exclude_report(actor=OPERATOR, campaign=campaign, report=report)
    campaign.refresh_from_db()
    assert not campaign.threshold_crossed
    for report in reports[:20]:  # ...and cross it again: a second alert
        services.pin_report(actor=OPERATOR, campaign=campaign, report=report)
    assert Alert.objects.filter(kind=AlertKind.THRESHOLD).count() == 2


def test_a_campaign_spanning_a_new_phase_alerts_the_coordinator_and_panel_who_see_it(
        vocabulary: None, scored: None, coordinator: Any) -> None:
    panel = make_user(Role.PANEL)
    voting = Term.objects.get(vocabulary__slug="phases", code="voting_operations")
    counting = Term.objects.get(vocabulary__slug="phases", code="counting_results")
    low_report(voting)
    low_report(voting)
    assert not Alert.objects.filter(kind=AlertKind.NEW_PHASE).exists()
    add_report(observables=[("domain", "vote-info-veridia.com")], phases=[counting],
               tlp=TLP.AMBER_STRICT, owner=coordinator.organisation)
    alert = Alert.objects.get(kind=AlertKind.NEW_PHASE)
    assert counting.name in alert.message
    # The panel member may not see the AMBER+STRICT report that brought the new phase.
    assert list(alert.recipients.all()) == [coordinator]
    assert unread_alerts(panel) == 0


def test_alerts_are_read_by_their_recipient_only(
        vocabulary: None, scored: None, coordinator: Any) -> None:
    voting = Term.objects.get(vocabulary__slug="phases", code="voting_operations")
    for _ in range(25):
        low_report(voting)
    assert unread_alerts(coordinator) == 1
    other = make_user(Role.COORDINATOR)
    services.mark_alerts_read(actor=other)
    assert unread_alerts(coordinator) == 1
    services.mark_alerts_read(actor=coordinator)
    assert unread_alerts(coordinator) == 0
    assert alerts_for(coordinator).count() == AlertReceipt.objects.filter(
        user=coordinator).count()
