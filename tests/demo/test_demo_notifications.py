"""The demo's notifications: an attempted breach told to a party and acknowledged, and one
escalated up the party's chain to a senior official."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail

from civicshield.comms.choices import DeliveryStatus, NotificationKind, NotificationStatus
from civicshield.comms.models import Notification
from civicshield.comms.notifications import selectors
from civicshield.core.authz import OPERATOR
from civicshield.demo import directory as demo_directory
from civicshield.demo import notifications as demo_notifications
from civicshield.directory.choices import EscalationLevel
from civicshield.directory.models import User
from civicshield.vocab.services import load_builtin_vocabularies


@pytest.fixture
def demo(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    load_builtin_vocabularies(actor=OPERATOR, include_sources=False)
    demo_directory.load(actor=OPERATOR)
    demo_notifications.load(actor=OPERATOR)


@pytest.mark.usefixtures("demo")
def test_an_attempted_breach_was_told_to_a_party_and_acknowledged() -> None:
    notification = Notification.objects.get(
        report__title=demo_notifications.ACKNOWLEDGED_TITLE)
    assert notification.kind == NotificationKind.ATTEMPTED_BREACH
    assert notification.organisation.slug == "liberal-forum"
    assert notification.status == NotificationStatus.ACKNOWLEDGED
    recipient = notification.recipients.get()
    assert recipient.contact_name == "Caspar Wend"
    assert recipient.opened_at < recipient.acknowledged_at
    assert recipient.acknowledged_via == "link"
    assert notification.deliveries.get().status == DeliveryStatus.SENT


@pytest.mark.usefixtures("demo")
def test_an_unanswered_one_was_escalated_to_the_party_chair() -> None:
    notification = Notification.objects.get(report__title=demo_notifications.ESCALATED_TITLE)
    assert notification.status == NotificationStatus.WAITING
    assert notification.escalation_step == 1
    top = notification.recipients.get(escalation_step=1)
    assert top.contact.escalation_level == EscalationLevel.SENIOR_OFFICIAL
    assert top.contact_name == "Magdalena Stroud"
    coordinator = User.objects.get(username="coordinator")
    assert notification in selectors.waiting_board(coordinator).waiting
    # The report is AMBER+STRICT to the centre: the party hears what happened, not the report.
    chair_mail = next(m for m in mail.outbox if m.to == [top.email])
    assert "tried to break into" in chair_mail.body and "restricted marking" in chair_mail.body
    assert "4,000 sign-in attempts" not in chair_mail.body


def test_loading_twice_changes_nothing(demo: None) -> None:
    before = Notification.objects.count()
    demo_notifications.load(actor=OPERATOR)
    assert Notification.objects.count() == before == 2
