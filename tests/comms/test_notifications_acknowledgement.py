"""Acknowledgement (signed link and inbox), escalation after the deadline, suppression,
digests, the board, and the API — with a controllable clock."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import Client

from civicshield.comms.choices import DeliveryStatus, NotificationKind, NotificationStatus
from civicshield.comms.models import Delivery, Notification, NotificationRecipient
from civicshield.comms.notifications import clock, selectors, services, signing
from civicshield.core.authz import OPERATOR
from civicshield.core.choices import Role
from civicshield.core.errors import PermissionDenied
from civicshield.core.models import AuditEntry
from tests.comms.notification_support import Party
from tests.factories import make_contact, make_organisation, make_user

pytest_plugins = ["tests.comms.notification_fixtures"]  # its fixtures


@pytest.fixture(autouse=True)
def _immediate_tasks(settings: Any) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
                                  "QUEUES": ["default", "notifications"]}}


def _notify(party: Party, capture: Any, **fields: Any) -> Notification:
    with capture(execute=True):
        return services.notify(**{
            "actor": OPERATOR, "kind": NotificationKind.ATTEMPTED_BREACH,
            "organisation": party.organisation, "title": "Phishing aimed at your staff",
            "topic": "phishing", "phase": "campaign", "severity": 3, **fields})


def _link_path(message: Any) -> str:
    line = next(line.strip() for line in message.body.splitlines()
                if "/notifications/ack/" in line)
    return line.removeprefix("http://127.0.0.1:8000")


# --- The signed link ----------------------------------------------------------------------


def test_the_link_opens_then_acknowledges_once_without_signing_in(
        party: Party, coordinator_org: Any, client: Any, frozen_clock: clock.FrozenClock,
        django_capture_on_commit_callbacks: Any) -> None:
    notification = _notify(party, django_capture_on_commit_callbacks)
    path = _link_path(mail.outbox[0])
    recipient = notification.recipients.get()
    page = client.get(path)
    assert page.status_code == 200
    assert "CE QUI VOUS EST ARRIVÉ" in page.content.decode()
    recipient.refresh_from_db()
    assert recipient.opened_at == frozen_clock.now() and recipient.acknowledged_at is None
    frozen_clock.advance(minutes=5)
    assert client.post(path).status_code == 200
    recipient.refresh_from_db()
    assert recipient.acknowledged_at == frozen_clock.now()
    assert recipient.acknowledged_via == "link"
    notification.refresh_from_db()
    assert notification.status == NotificationStatus.ACKNOWLEDGED
    # Used: the page says so, and nothing is recorded again.
    again = client.post(path)
    assert "Already acknowledged" in again.content.decode()
    assert AuditEntry.objects.filter(action="notification.acknowledge").count() == 1


def test_an_expired_link_acknowledges_nothing(
        party: Party, coordinator_org: Any, client: Any, frozen_clock: clock.FrozenClock,
        django_capture_on_commit_callbacks: Any) -> None:
    notification = _notify(party, django_capture_on_commit_callbacks)
    path = _link_path(mail.outbox[0])
    frozen_clock.advance(days=7, seconds=1)
    response = client.post(path)
    assert response.status_code == 410
    assert "expired" in response.content.decode()
    assert notification.recipients.get().acknowledged_at is None


@pytest.mark.parametrize("tamper", ["signature", "recipient"])
def test_a_tampered_link_is_refused(
        tamper: str, party: Party, coordinator_org: Any, client: Any,
        django_capture_on_commit_callbacks: Any) -> None:
    notification = _notify(party, django_capture_on_commit_callbacks)
    recipient = notification.recipients.get()
    path = _link_path(mail.outbox[0])
    token = path.rstrip("/").rsplit("/", 1)[1]
    if tamper == "signature":
        forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    else:  # a genuine-looking token signed with another salt cannot name another recipient
        from django.core import signing as django_signing

        forged = django_signing.dumps({"r": recipient.pk, "n": recipient.link_nonce,
                                       "e": 9_999_999_999}, salt="another-salt")
    response = client.post(f"/app/comms/notifications/ack/{forged}/")
    assert response.status_code == 404
    assert notification.recipients.get().acknowledged_at is None


def test_link_tokens_read_back_only_with_their_salt_and_before_expiry() -> None:
    at = clock.now()
    token = signing.ack_token(recipient_id=7, nonce="abc", expires_at=at + timedelta(hours=1))
    assert signing.read_ack_token(token, now=at).recipient_id == 7
    with pytest.raises(signing.ExpiredLink):
        signing.read_ack_token(token, now=at + timedelta(hours=2))
    with pytest.raises(signing.BadLink):
        signing.read_ack_token(token + "x", now=at)


# --- The inbox ----------------------------------------------------------------------------


def test_the_inbox_item_opens_and_its_button_acknowledges(
        party: Party, coordinator_org: Any, client_for: Any,
        django_capture_on_commit_callbacks: Any) -> None:
    lea = make_user(Role.VIEWER, party.organisation, email="lea@sunrise.example")
    notification = _notify(party, django_capture_on_commit_callbacks)
    recipient = notification.recipients.get()
    client = client_for(lea)
    assert "Phishing aimed at your staff" in client.get(
        "/app/comms/notifications/inbox/").content.decode()
    assert client.get(f"/app/comms/notifications/inbox/{recipient.pk}/").status_code == 200
    recipient.refresh_from_db()
    assert recipient.opened_at is not None
    response = client.post(f"/app/comms/notifications/inbox/{recipient.pk}/acknowledge/")
    assert response.status_code == 302
    recipient.refresh_from_db()
    assert recipient.acknowledged_via == "inbox"
    # Someone else's item is not found.
    stranger = client_for(make_user(Role.VIEWER, party.organisation))
    assert stranger.get(f"/app/comms/notifications/inbox/{recipient.pk}/").status_code == 404


# --- Escalation ---------------------------------------------------------------------------


def test_unacknowledged_notifications_climb_the_chain_to_the_senior_official(
        party: Party, coordinator: Any, frozen_clock: clock.FrozenClock,
        django_capture_on_commit_callbacks: Any) -> None:
    notification = _notify(party, django_capture_on_commit_callbacks, severity=5)
    assert notification.ack_deadline_at == frozen_clock.now() + timedelta(hours=1)
    frozen_clock.advance(minutes=59)
    services.run_checks()
    assert notification.recipients.count() == 1
    frozen_clock.advance(minutes=2)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.run_checks().escalated == 1
    steps = dict(NotificationRecipient.objects.filter(notification=notification)
                 .values_list("contact_id", "escalation_step"))
    assert steps == {party.analyst.pk: 0, party.manager.pk: 1}
    assert [m.to for m in mail.outbox][-1] == ["manager@sunrise.example"]
    frozen_clock.advance(hours=1, minutes=1)
    with django_capture_on_commit_callbacks(execute=True):
        call_command("escalate", stdout=StringIO())
    chair = notification.recipients.get(contact=party.chair)
    assert chair.escalation_step == 2 and chair.language == "es"
    assert "LO QUE LE HA OCURRIDO" in mail.outbox[-1].body
    frozen_clock.advance(hours=2)
    assert services.run_checks().top_of_chain == 1
    notification.refresh_from_db()
    assert notification.top_of_chain_reached and notification.escalation_step == 2
    board = selectors.waiting_board(coordinator)
    assert board.waiting == [notification]
    assert AuditEntry.objects.filter(action="notification.escalate").count() == 2


def test_acknowledged_notifications_do_not_escalate(
        party: Party, coordinator_org: Any, client: Any, frozen_clock: clock.FrozenClock,
        django_capture_on_commit_callbacks: Any) -> None:
    notification = _notify(party, django_capture_on_commit_callbacks, severity=5)
    client.post(_link_path(mail.outbox[0]))
    frozen_clock.advance(hours=3)
    assert services.run_checks().escalated == 0
    assert notification.recipients.count() == 1


def test_the_deadline_follows_the_severity_and_is_configurable(
        party: Party, coordinator_org: Any, settings: Any, frozen_clock: clock.FrozenClock,
        django_capture_on_commit_callbacks: Any) -> None:
    low = _notify(party, django_capture_on_commit_callbacks, severity=1)
    assert low.ack_deadline_at - frozen_clock.now() == timedelta(hours=24)
    settings.CIVICSHIELD_NOTIFICATIONS = {**settings.CIVICSHIELD_NOTIFICATIONS,
                                          "ACK_HOURS_BY_SEVERITY": {1: 48}}
    later = _notify(party, django_capture_on_commit_callbacks, severity=1)
    assert later.ack_deadline_at - frozen_clock.now() == timedelta(hours=48)


# --- Suppression --------------------------------------------------------------------------


def test_suppressing_an_attempted_breach_needs_a_coordinator_and_a_reason(
        party: Party, coordinator: Any, settings: Any,
        django_capture_on_commit_callbacks: Any) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend",
                                  "QUEUES": ["default", "notifications"]}}
    notification = _notify(party, django_capture_on_commit_callbacks)
    with pytest.raises(PermissionDenied):
        services.suppress(actor=make_user(Role.ANALYST, party.organisation),
                          notification=notification, reason="Test of the phishing filter")
    with pytest.raises(ValidationError) as problem:
        services.suppress(actor=coordinator, notification=notification, reason="  ")
    assert "reason" in problem.value.message_dict
    services.suppress(actor=coordinator, notification=notification,
                      reason="The 'phishing' was our own staff awareness test.")
    notification.refresh_from_db()
    assert notification.status == NotificationStatus.SUPPRESSED
    assert set(notification.deliveries.values_list("status", flat=True)) == {
        DeliveryStatus.CANCELLED}
    entry = AuditEntry.objects.get(action="notification.suppress")
    assert entry.details["reason"] == "The 'phishing' was our own staff awareness test."


def test_a_breach_cannot_be_suppressed(party: Party, coordinator: Any,
                                       django_capture_on_commit_callbacks: Any) -> None:
    notification = _notify(party, django_capture_on_commit_callbacks,
                           kind=NotificationKind.BREACH)
    with pytest.raises(ValidationError):
        services.suppress(actor=coordinator, notification=notification, reason="Not needed")


# --- Digest -------------------------------------------------------------------------------


def test_low_severity_matters_go_into_one_daily_digest_for_who_asked(
        party: Party, coordinator_org: Any, frozen_clock: clock.FrozenClock,
        django_capture_on_commit_callbacks: Any) -> None:
    services.set_digest_preference(actor=OPERATOR, contact=party.analyst, daily_digest=True,
                                   max_severity=2)
    first = _notify(party, django_capture_on_commit_callbacks, severity=1, title="Spam wave")
    second = _notify(party, django_capture_on_commit_callbacks, severity=2, title="Probe")
    _notify(party, django_capture_on_commit_callbacks, severity=4, title="Urgent one")
    assert [m.subject for m in mail.outbox] == [
        "[Civic Shield] Tentative de violation: Urgent one"]
    frozen_clock.advance(hours=1)
    assert services.run_checks().digests == 1
    digest = mail.outbox[-1]
    assert "résumé quotidien" in digest.subject
    assert "Spam wave" in digest.body and "Probe" in digest.body
    assert digest.body.count("/notifications/ack/") == 2
    for notification in (first, second):
        assert Delivery.objects.get(notification=notification).status == DeliveryStatus.SENT
    assert services.run_checks().digests == 0  # once a day


# --- The board, the pages and the API -------------------------------------------------------


def test_the_board_is_for_coordinators(party: Party, coordinator: Any, client: Any,
                                       client_for: Any,
                                       django_capture_on_commit_callbacks: Any) -> None:
    _notify(party, django_capture_on_commit_callbacks)
    assert client.get("/app/comms/notifications/board/").status_code == 302
    analyst = make_user(Role.ANALYST, party.organisation)
    assert client_for(analyst).get("/app/comms/notifications/board/").status_code == 403
    page = client_for(coordinator).get("/app/comms/notifications/board/")
    assert page.status_code == 200
    assert "Phishing aimed at your staff" in page.content.decode()
    assert "Analyst Lea Brun" in page.content.decode()


def test_the_sender_sees_delivered_opened_and_acknowledged_per_contact(
        party: Party, coordinator: Any, api_client_for: Any, client: Any,
        django_capture_on_commit_callbacks: Any) -> None:
    notification = _notify(party, django_capture_on_commit_callbacks, actor=coordinator)
    client.post(_link_path(mail.outbox[0]))
    body = api_client_for(coordinator).get("/api/v1/notifications").json()
    assert body["count"] == 1
    item = body["items"][0]
    assert (item["id"], item["role"], item["status"]) == (notification.pk, "sent",
                                                          "acknowledged")
    recipient = item["recipients"][0]
    assert recipient["contact"] == "Analyst Lea Brun"
    assert recipient["delivered"] is True
    assert recipient["opened_at"] and recipient["acknowledged_at"]
    assert recipient["deliveries"] == [{"channel": "email", "status": "sent", "attempts": 1,
                                        "sent_at": recipient["deliveries"][0]["sent_at"],
                                        "last_error": ""}]


def test_the_api_lists_only_what_the_caller_sent_or_received(
        party: Party, coordinator: Any, api_client_for: Any,
        django_capture_on_commit_callbacks: Any) -> None:
    _notify(party, django_capture_on_commit_callbacks, actor=coordinator)
    other = make_organisation(slug="dawn", name="Dawn Party")
    make_contact(other, name="Dawn Analyst", topics=["phishing"])
    _notify(party, django_capture_on_commit_callbacks, actor=coordinator, organisation=other,
            title="Something for Dawn")
    member = make_user(Role.VIEWER, party.organisation)
    received = api_client_for(member).get("/api/v1/notifications").json()
    assert [i["title"] for i in received["items"]] == ["Phishing aimed at your staff"]
    assert received["items"][0]["role"] == "received"
    attacker = make_user(Role.ANALYST, make_organisation())
    assert api_client_for(attacker).get("/api/v1/notifications").json()["count"] == 0
    hidden = Notification.objects.get(organisation=other)
    assert api_client_for(member).get(
        f"/api/v1/notifications/{hidden.pk}").status_code == 404
    assert api_client_for(coordinator).get("/api/v1/notifications").json()["count"] == 2
    assert Client().get("/api/v1/notifications").status_code == 401


def test_the_api_list_costs_the_same_queries_however_many_notifications(
        party: Party, coordinator: Any, api_client_for: Any,
        django_assert_max_num_queries: Any, django_capture_on_commit_callbacks: Any) -> None:
    client = api_client_for(coordinator)
    _notify(party, django_capture_on_commit_callbacks, actor=coordinator)
    with django_assert_max_num_queries(12):
        client.get("/api/v1/notifications")
    for number in range(5):
        _notify(party, django_capture_on_commit_callbacks, actor=coordinator,
                title=f"Matter {number}")
    with django_assert_max_num_queries(12):
        assert client.get("/api/v1/notifications").json()["count"] == 6
