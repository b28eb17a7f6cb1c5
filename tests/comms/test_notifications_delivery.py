"""Delivery: a real SMTP server, signed webhooks checked by a receiver, retries with
backoff then failure on the board, and no duplicates across a worker restart."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.core.management import call_command

from civicshield.comms.choices import DeliveryChannel, DeliveryStatus, NotificationKind
from civicshield.comms.models import Delivery, Notification
from civicshield.comms.notifications import clock, selectors, services, signing, tasks
from civicshield.core.authz import OPERATOR
from civicshield.core.models import AuditEntry
from tests.comms.notification_support import Party, Receiver, SmtpServer, free_port

pytest_plugins = ["tests.comms.notification_fixtures"]  # its fixtures


@pytest.fixture(autouse=True)
def _few_quick_retries(settings: Any) -> None:
    settings.CIVICSHIELD_NOTIFICATIONS = {**settings.CIVICSHIELD_NOTIFICATIONS,
                                          "MAX_ATTEMPTS": 3, "RETRY_BASE_SECONDS": 60,
                                          "WEBHOOK_TIMEOUT_SECONDS": 0.5}


def _notify(party: Party, capture: Any, **fields: Any) -> Notification:
    with capture(execute=True):
        return services.notify(**{
            "actor": OPERATOR, "kind": NotificationKind.ATTEMPTED_BREACH,
            "organisation": party.organisation, "title": "Phishing aimed at your staff",
            "what_happened": "Eleven staff received a fake password-reset e-mail.",
            "topic": "phishing", "phase": "campaign", "severity": 3, **fields})


def _run_worker() -> None:
    """What `civicshield worker --batch` does: every outstanding task, then exit.

    The worker closes "old" database connections between tasks; inside a test's transaction
    on PostgreSQL that would close the test's own connection, so it is kept open here.
    """
    from unittest import mock

    with mock.patch("django_tasks_db.management.commands.db_worker.close_old_connections"):
        call_command("db_worker", batch=True, queue_name="*", startup_delay=False,
                     verbosity=0)


def test_email_is_received_by_a_real_smtp_server_with_a_working_acknowledgement_link(
        party: Party, coordinator_org: Any, smtp_server: SmtpServer, client: Any,
        django_capture_on_commit_callbacks: Any) -> None:
    notification = _notify(party, django_capture_on_commit_callbacks)
    assert smtp_server.messages == []  # nothing is sent inside the request
    _run_worker()
    assert len(smtp_server.messages) == 1
    received = smtp_server.messages[0]
    assert smtp_server.handler.recipients == [["lea@sunrise.example"]]
    assert "Tentative de violation" in received["Subject"]
    body = smtp_server.body()
    assert "Eleven staff received a fake password-reset e-mail." in body
    delivery = notification.deliveries.get(channel=DeliveryChannel.EMAIL)
    assert received["Message-ID"] == f"<{delivery.idempotency_key}@civicshield>"
    assert delivery.status == DeliveryStatus.SENT
    link = next(line.strip() for line in body.splitlines() if "/notifications/ack/" in line)
    path = link.removeprefix("http://127.0.0.1:8000")
    assert client.get(path).status_code == 200
    assert client.post(path).status_code == 200
    notification.refresh_from_db()
    assert notification.status == "acknowledged"


def test_smtp_server_down_is_retried_with_backoff_then_failed_on_the_board(
        party: Party, coordinator: Any, settings: Any, frozen_clock: clock.FrozenClock,
        django_capture_on_commit_callbacks: Any) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", free_port(), 2
    notification = _notify(party, django_capture_on_commit_callbacks)
    _run_worker()
    delivery = notification.deliveries.get(channel=DeliveryChannel.EMAIL)
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.RETRYING, 1)
    assert delivery.next_attempt_at == frozen_clock.now() + timedelta(seconds=60)
    # Not due yet: nothing happens.
    services.run_checks(send_now=True)
    delivery.refresh_from_db()
    assert delivery.attempts == 1
    frozen_clock.advance(seconds=60)
    services.run_checks(send_now=True)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.RETRYING, 2)
    assert delivery.next_attempt_at == frozen_clock.now() + timedelta(seconds=120)
    frozen_clock.advance(seconds=120)
    services.run_checks(send_now=True)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.FAILED, 3)
    assert delivery.history.count() == 3
    assert "Connection" in delivery.last_error or "refused" in delivery.last_error.lower()
    assert delivery in selectors.waiting_board(coordinator).failed
    assert AuditEntry.objects.filter(action="notification.delivery_failed").count() == 1


def test_webhook_is_signed_and_the_receiver_verifies_it(
        party: Party, coordinator_org: Any, webhook_receiver: Receiver,
        django_capture_on_commit_callbacks: Any) -> None:
    issued = services.register_webhook(actor=OPERATOR, organisation=party.organisation,
                                       url=webhook_receiver.url)
    webhook_receiver.secret = issued.secret
    # The secret itself is not stored: only a salt and a fingerprint.
    assert issued.secret not in (issued.endpoint.secret_salt, issued.endpoint.secret_fingerprint)
    notification = _notify(party, django_capture_on_commit_callbacks)
    _run_worker()
    assert webhook_receiver.verified == [True]
    received = webhook_receiver.received[0]
    delivery = notification.deliveries.get(channel=DeliveryChannel.WEBHOOK)
    assert received["headers"]["x-civicshield-delivery"] == delivery.idempotency_key
    assert received["payload"]["kind"] == "attempted_breach"
    assert received["payload"]["delivery"] == delivery.idempotency_key
    assert delivery.status == DeliveryStatus.SENT


def test_a_webhook_signature_fails_with_another_secret_or_an_old_timestamp() -> None:
    body = b'{"id":1}'
    signature = signing.webhook_signature("whsec_right", 1_700_000_000, body)
    assert signing.verify_webhook(secret="whsec_right", timestamp="1700000000",
                                  signature=signature, body=body, now=1_700_000_100)
    assert not signing.verify_webhook(secret="whsec_wrong", timestamp="1700000000",
                                      signature=signature, body=body, now=1_700_000_100)
    assert not signing.verify_webhook(secret="whsec_right", timestamp="1700000000",
                                      signature=signature, body=body, now=1_700_000_301)
    assert not signing.verify_webhook(secret="whsec_right", timestamp="1700000000",
                                      signature=signature, body=b'{"id":2}', now=1_700_000_100)


@pytest.mark.parametrize("trouble", ["error", "timeout"])
def test_a_webhook_answering_500_or_timing_out_is_retried_then_failed(
        trouble: str, party: Party, coordinator: Any, webhook_receiver: Receiver,
        frozen_clock: clock.FrozenClock, django_capture_on_commit_callbacks: Any) -> None:
    issued = services.register_webhook(actor=OPERATOR, organisation=party.organisation,
                                       url=webhook_receiver.url)
    webhook_receiver.secret = issued.secret
    if trouble == "error":
        webhook_receiver.answer = 500
    else:
        webhook_receiver.delay = 1.0
    notification = _notify(party, django_capture_on_commit_callbacks)
    _run_worker()
    delivery = notification.deliveries.get(channel=DeliveryChannel.WEBHOOK)
    assert delivery.status == DeliveryStatus.RETRYING
    for wait in (60, 120):
        frozen_clock.advance(seconds=wait)
        services.run_checks(send_now=True)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.FAILED, 3)
    assert ("HTTP 500" if trouble == "error" else "timed out") in delivery.last_error
    assert delivery in selectors.waiting_board(coordinator).failed
    # The idempotency key is the same on every attempt, so a receiver can drop repeats.
    if trouble == "error":
        keys = {r["headers"]["x-civicshield-delivery"] for r in webhook_receiver.received}
        assert keys == {delivery.idempotency_key}


def test_a_worker_crash_between_claim_and_send_never_sends_twice(
        party: Party, coordinator_org: Any, frozen_clock: clock.FrozenClock,
        django_capture_on_commit_callbacks: Any) -> None:
    notification = _notify(party, django_capture_on_commit_callbacks)
    delivery = notification.deliveries.get(channel=DeliveryChannel.EMAIL)
    # Worker A claims the delivery, then dies before sending (nothing reaches the server).
    assert services.claim_delivery(delivery.pk) is not None
    # The restarted worker runs the queued task again: the claim stands, nothing is sent.
    _run_worker()
    assert tasks.send_delivery.call(delivery.pk) == "skipped"
    assert mail.outbox == []
    # Within the lease the periodic check leaves it alone (A may still be sending)...
    services.run_checks(send_now=True)
    assert mail.outbox == []
    # ...after it, the delivery is retried once, with the same idempotency key.
    frozen_clock.advance(seconds=601)
    summary = services.run_checks(send_now=True)
    assert summary.interrupted == 1
    assert len(mail.outbox) == 1
    assert mail.outbox[0].extra_headers["X-CivicShield-Delivery"] == delivery.idempotency_key
    # Further runs, checks and stray task copies send nothing more.
    services.run_checks(send_now=True)
    assert tasks.send_delivery.call(delivery.pk) == "skipped"
    _run_worker()
    assert len(mail.outbox) == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.SENT, 2)


def test_two_workers_running_the_same_delivery_send_it_once(
        party: Party, coordinator_org: Any, django_capture_on_commit_callbacks: Any) -> None:
    notification = _notify(party, django_capture_on_commit_callbacks)
    delivery = notification.deliveries.get(channel=DeliveryChannel.EMAIL)
    tasks.send_delivery.enqueue(delivery.pk)  # a duplicate task in the queue
    _run_worker()
    assert len(mail.outbox) == 1
    assert Delivery.objects.get(pk=delivery.pk).attempts == 1
