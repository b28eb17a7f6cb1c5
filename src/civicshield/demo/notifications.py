"""Veridia's notifications: an attempted breach told to a party and acknowledged, and one
nobody acknowledged, escalated up the party's chain to its chair (a senior official).

Written through the services, as real use would: the coordination centre reports each
attempt, the report's victim is notified, the messages are delivered (to files when no
EMAIL_HOST is set) and the clock is moved back to let the second one run past its deadline.
Every name, address and event is invented.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.utils import timezone

from civicshield.comms.choices import DeliveryStatus
from civicshield.comms.models import Delivery, Notification
from civicshield.comms.notifications import clock, services, signing
from civicshield.core.markings import TLP
from civicshield.directory.models import Organisation, User
from civicshield.reports import services as report_services
from civicshield.reports.choices import Confidence, Consent, Outcome

Progress = Callable[[str, int, int], None]

ACKNOWLEDGED_TITLE = "Fake party-webmail login page sent to Liberal Forum staff — blocked"
ESCALATED_TITLE = "Password spraying against Heritage party webmail accounts — stopped"


def load(*, actor: Any, progress: Progress | None = None) -> None:
    """Create the two demo notifications. Needs the demo directory; idempotent."""
    if Notification.objects.filter(report__title=ACKNOWLEDGED_TITLE).exists():
        return
    organisations = {o.slug: o for o in Organisation.objects.filter(
        slug__in=["eicc", "liberal-forum", "heritage"])}
    reporter = User.objects.get(username="coordinator")
    now = timezone.now()

    # 1. Told to the Liberal Forum's security coordinator, who acknowledged within the hour.
    with clock.frozen(now - timedelta(hours=26)) as frozen:
        report = _report(reporter, ACKNOWLEDGED_TITLE,
                         "Nine Liberal Forum staff received an e-mail asking them to sign in to "
                         "'party webmail' at liberalforum-mail[.]example. The party's mail "
                         "filter quarantined most copies; nobody entered a password.",
                         organisations["liberal-forum"], ["phishing"], severity=3, tlp=TLP.AMBER,
                         audience=[organisations["liberal-forum"]], observed=frozen.now())
        acknowledged = services.notify_report_victims(report_id=report.pk)[0]
        _deliver(acknowledged)
        frozen.advance(minutes=40)
        recipient = acknowledged.recipients.get()
        token = signing.ack_token(recipient_id=recipient.pk, nonce=recipient.link_nonce,
                                  expires_at=frozen.now() + timedelta(days=7))
        services.open_link(token)
        frozen.advance(minutes=2)
        services.acknowledge_by_link(token)
    if progress:
        progress("notifications", 1, 2)

    # 2. Told to Heritage's digital campaign manager, unanswered past the 4-hour deadline of
    #    a severity-4 matter: escalated to the party chair. The report stays AMBER+STRICT
    #    to the centre, so the party is told what happened to it, not the report itself.
    with clock.frozen(now - timedelta(hours=5)) as frozen:
        report = _report(reporter, ESCALATED_TITLE,
                         "About 4,000 sign-in attempts using common passwords hit Heritage "
                         "webmail accounts from one hosting range overnight; the second factor "
                         "stopped them.", organisations["heritage"], ["account_compromise"],
                         severity=4, tlp=TLP.AMBER_STRICT, audience=[organisations["eicc"]],
                         observed=frozen.now() - timedelta(hours=2))
        escalated = services.notify_report_victims(report_id=report.pk)[0]
        _deliver(escalated)
    services.escalate(notification=escalated)
    _deliver(escalated)
    if progress:
        progress("notifications", 2, 2)


def _report(reporter: Any, title: str, description: str, victim: Organisation,
            information_types: list[str], *, severity: int, tlp: str,
            audience: list[Organisation], observed: Any) -> Any:
    return report_services.create_report(actor=reporter, data=report_services.ReportInput(
        title=title, description=description, observed_start=observed,
        phases=["campaign"], information_types=information_types, outcome=Outcome.ATTEMPTED,
        severity=severity, confidence=Confidence.HIGH, tlp=tlp, audience_organisations=audience,
        victims=[{"organisation": victim, "consent": Consent.PARTNERS}],
    ))


def _deliver(notification: Notification) -> None:
    """Send what is queued now (the demo runs on the command line, not in a request)."""
    for delivery_id in Delivery.objects.filter(
            notification=notification, status=DeliveryStatus.QUEUED).values_list("pk", flat=True):
        services.deliver(delivery_id=delivery_id)
