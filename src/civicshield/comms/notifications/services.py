"""Every write of notifications: one transaction and one audit entry per business action.

`notify(...)` is the door for other apps (reports, correlation, panel, exercises): see
docs/notifications.md. Nothing here sends inside a web request: sending is the
`send_delivery` task, run by a worker; the periodic `check_notifications` task (or
`civicshield escalate`) retries, escalates and sends digests.

Deliveries are claimed before they are sent — one conditional UPDATE moves a delivery from
queued/retrying to sending — so two workers, or a worker re-running a task after a
restart, never send the same delivery twice.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils.translation import gettext as _

from civicshield.comms.choices import (
    AcknowledgementChannel,
    DeliveryChannel,
    DeliveryStatus,
    NotificationKind,
    NotificationStatus,
)
from civicshield.comms.models import (
    Delivery,
    DeliveryAttempt,
    Notification,
    NotificationPreference,
    NotificationRecipient,
    WebhookEndpoint,
)
from civicshield.comms.notifications import channels, clock, conf, selectors, signing
from civicshield.core import audit, authz
from civicshield.directory.models import Contact, Organisation

MAX_TITLE = 200
_PENDING = (DeliveryStatus.QUEUED, DeliveryStatus.RETRYING)


# --- Notify -----------------------------------------------------------------------------


def notify(
    *,
    actor: Any,
    kind: str,
    organisation: Organisation,
    title: str,
    severity: int = 3,
    what_happened: str = "",
    what_we_know: str = "",
    what_to_do: str = "",
    occurred_at: datetime | None = None,
    topic: str = "",
    phase: str = "",
    report: Any = None,
    subject: str = "",
    key: str = "",
    sender_organisation: Organisation | None = None,
    on_behalf_of: Any = None,
) -> Notification:
    """Tell `organisation` of a matter: resolve its contacts, queue one delivery per channel.

    `actor` is a user holding "notification:send", `authz.OPERATOR`, or None for the
    platform itself (hooks). The texts are shown as given, so they must be fit for the
    addressee; of a linked `report`, each recipient is shown only what the access layer and
    the victims' consent allow. `key` makes the call idempotent: a second call with the same
    key returns the first notification unchanged. `on_behalf_of`: the person a platform
    notification (a hook) is sent for, recorded as its creator. Raises ValidationError naming
    every bad field; returns the notification (its deliveries go out from a worker after
    commit).
    """
    if actor is not None:
        authz.require(actor, "notification:send")
    errors: dict[str, list[str]] = {}
    if kind not in NotificationKind.values:
        errors["kind"] = [_("Unknown kind of notification.")]
    if not title.strip():
        errors["title"] = [_("Give the notification a title.")]
    if len(title.strip()) > MAX_TITLE:
        errors["title"] = [_("Keep the title under 200 characters.")]
    if not 1 <= int(severity) <= 5:
        errors["severity"] = [_("Severity runs from 1 to 5.")]
    if organisation is None:
        errors["organisation"] = [_("Name the organisation to tell.")]
    if errors:
        raise ValidationError(errors)
    if key:
        existing = Notification.objects.filter(key=key).first()
        if existing is not None:
            return existing
    now = clock.now()
    if sender_organisation is None:
        sender_organisation = (getattr(actor, "organisation", None)
                               or Organisation.objects.filter(is_coordinator=True).first())
    contacts = selectors.resolve_recipients(organisation=organisation, topic=topic,
                                            phase=phase, severity=int(severity))
    with transaction.atomic():
        notification = Notification.objects.create(
            kind=kind, organisation=organisation, sender_organisation=sender_organisation,
            created_by=actor if getattr(actor, "is_authenticated", False) else on_behalf_of,
            severity=int(severity), title=title.strip(), what_happened=what_happened,
            what_we_know=what_we_know, what_to_do=what_to_do, occurred_at=occurred_at,
            topic=topic, phase=phase, report=report, subject=subject[:200],
            key=key or f"notification-{secrets.token_hex(16)}", created_at=now,
            ack_deadline_at=now + conf.ack_window(int(severity)),
            top_of_chain_reached=not contacts,
        )
        deliveries = _tell(notification, contacts, step=0, now=now)
        for endpoint in WebhookEndpoint.objects.filter(organisation=organisation, active=True):
            deliveries.append(_new_delivery(notification, None, DeliveryChannel.WEBHOOK, now,
                                            endpoint=endpoint))
        audit.record(actor=actor, action="notification.create", target=notification, details={
            "kind": kind, "organisation": organisation.slug, "severity": int(severity),
            "recipients": [c.name for c in contacts], "deliveries": len(deliveries),
            "report": getattr(report, "reference", None),
        })
        _enqueue_on_commit([d.pk for d in deliveries if d.status != DeliveryStatus.HELD])
    return notification


def notify_report_victims(*, report_id: int) -> list[Notification]:
    """The hook of `reports.services.create_report`: tell each victim organisation of a
    breach or an attempted breach (attempts are told by default).

    Runs as the platform after the report is committed. An organisation is not told of
    what it reported itself. Idempotent per report and organisation.
    """
    from civicshield.reports.choices import Outcome
    from civicshield.reports.models import Report

    report = (Report.objects.select_related("owner_organisation", "created_by")
              .prefetch_related("victims__organisation", "phases", "information_types")
              .filter(pk=report_id).first())
    if report is None:
        return []
    kind = (NotificationKind.ATTEMPTED_BREACH if report.outcome == Outcome.ATTEMPTED
            else NotificationKind.BREACH)
    topics = [term.code for term in report.information_types.all()]
    phases = [term.code for term in report.phases.all()]
    told = []
    for victim in report.victims.all():
        organisation = victim.organisation
        if organisation is None or organisation.pk == report.owner_organisation_id:
            continue
        if kind == NotificationKind.ATTEMPTED_BREACH:
            title = _("Attempted breach against %(organisation)s") % {
                "organisation": organisation.name}
            happened = _("Someone tried to break into or misuse the systems or accounts of "
                         "%(organisation)s. The attempt was reported to the platform.") % {
                "organisation": organisation.name}
        else:
            title = _("Breach affecting %(organisation)s") % {"organisation": organisation.name}
            happened = _("A breach affecting %(organisation)s was reported to the "
                         "platform.") % {"organisation": organisation.name}
        notification = notify(
            actor=None, kind=kind, organisation=organisation, title=title,
            severity=report.severity, what_happened=happened,
            occurred_at=report.observed_start, topic=topics[0] if topics else "",
            phase=phases[0] if phases else "", report=report,
            key=f"report-{report.pk}-{kind}-{organisation.pk}", on_behalf_of=report.created_by,
        )
        told.append(notification)
    return told


def _tell(notification: Notification, contacts: list[Contact], *, step: int, now: datetime
          ) -> list[Delivery]:
    """Add the contacts as recipients at this escalation step, each with their deliveries."""
    deliveries: list[Delivery] = []
    preferences = {p.contact_id: p for p in NotificationPreference.objects.filter(
        contact__in=contacts)}
    for contact in contacts:
        recipient = NotificationRecipient.objects.create(
            notification=notification, contact=contact, contact_name=contact.name,
            organisation_id=contact.organisation_id, email=contact.email,
            language=selectors.language_for(contact), user=selectors.account_for(contact),
            escalation_step=step, added_at=now, link_nonce=secrets.token_hex(8),
        )
        if recipient.user_id:
            deliveries.append(_new_delivery(notification, recipient, DeliveryChannel.INBOX, now))
        if contact.email:
            preference = preferences.get(contact.pk)
            held = bool(preference and preference.daily_digest
                        and notification.severity <= preference.digest_max_severity)
            deliveries.append(_new_delivery(notification, recipient, DeliveryChannel.EMAIL, now,
                                            held=held))
    return deliveries


def _new_delivery(notification: Notification, recipient: NotificationRecipient | None,
                  channel: str, now: datetime, *, endpoint: WebhookEndpoint | None = None,
                  held: bool = False) -> Delivery:
    return Delivery.objects.create(
        notification=notification, recipient=recipient, channel=channel, endpoint=endpoint,
        idempotency_key=f"cs-{secrets.token_hex(16)}",
        status=DeliveryStatus.HELD if held else DeliveryStatus.QUEUED,
        next_attempt_at=now, enqueued_at=None if held else now, created_at=now,
    )


def _enqueue_on_commit(delivery_ids: list[int], run_after: datetime | None = None) -> None:
    if not delivery_ids:
        return

    def enqueue() -> None:
        from civicshield.comms.notifications import tasks

        for delivery_id in delivery_ids:
            tasks.enqueue_send(delivery_id, run_after=run_after)
        tasks.schedule_next_check()

    transaction.on_commit(enqueue)


# --- Sending ---------------------------------------------------------------------------


def claim_delivery(delivery_id: int, *, now: datetime | None = None) -> Delivery | None:
    """Claim a due delivery for this worker, or None if another has it, it is done, or it
    is not due. One conditional UPDATE, committed before anything is sent."""
    now = now or clock.now()
    claimed = Delivery.objects.filter(
        pk=delivery_id, status__in=_PENDING, next_attempt_at__lte=now,
    ).update(status=DeliveryStatus.SENDING, claimed_at=now, attempts=F("attempts") + 1)
    if not claimed:
        return None
    return Delivery.objects.select_related(
        "notification__organisation", "notification__sender_organisation",
        "notification__report", "recipient__organisation", "recipient__user", "endpoint",
    ).get(pk=delivery_id)


def deliver(*, delivery_id: int) -> str:
    """Claim and send one delivery: "sent", "retrying", "failed", "cancelled" or "skipped"."""
    now = clock.now()
    delivery = claim_delivery(delivery_id, now=now)
    if delivery is None:
        return "skipped"
    if delivery.notification.status == NotificationStatus.SUPPRESSED:
        Delivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.SENDING).update(
            status=DeliveryStatus.CANCELLED)
        return "cancelled"
    try:
        _send(delivery, now)
    except channels.DeliveryError as error:
        return _failed(delivery, now, str(error))
    with transaction.atomic():
        Delivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.SENDING).update(
            status=DeliveryStatus.SENT, sent_at=now, last_error="")
        DeliveryAttempt.objects.create(delivery=delivery, number=delivery.attempts, at=now,
                                       succeeded=True)
    return "sent"


def ack_url(recipient: NotificationRecipient, *, now: datetime) -> str:
    from django.urls import reverse

    token = signing.ack_token(
        recipient_id=recipient.pk, nonce=recipient.link_nonce,
        expires_at=now + timedelta(days=float(conf.value("ACK_LINK_MAX_AGE_DAYS"))))
    return conf.base_url() + reverse("comms:notifications:acknowledge_link", args=[token])


def _send(delivery: Delivery, now: datetime) -> None:
    notification = delivery.notification
    if delivery.channel == DeliveryChannel.INBOX:
        return  # the item shows in the inbox once the delivery is marked sent
    if delivery.channel == DeliveryChannel.EMAIL:
        recipient = delivery.recipient
        assert recipient is not None
        if not recipient.email:
            raise channels.DeliveryError("the contact has no e-mail address")
        message = selectors.message_for(recipient, ack_url=ack_url(recipient, now=now))
        channels.send_email(channels.OutgoingEmail(
            to=recipient.email, subject=message.subject, body=message.body,
            idempotency_key=delivery.idempotency_key))
        return
    endpoint = delivery.endpoint
    if endpoint is None or not endpoint.active:
        raise channels.DeliveryError("the webhook endpoint was removed")
    payload = {**selectors.webhook_payload(notification), "delivery": delivery.idempotency_key}
    channels.send_webhook(
        url=endpoint.url, secret=signing.webhook_secret(endpoint.secret_salt), payload=payload,
        idempotency_key=delivery.idempotency_key, event=f"notification.{notification.kind}",
        # The receiver checks freshness against its own wall clock, so send the real time.
        timestamp=int(time.time()),
        timeout=float(conf.value("WEBHOOK_TIMEOUT_SECONDS")),
    )


def _failed(delivery: Delivery, now: datetime, error: str) -> str:
    final = delivery.attempts >= int(conf.value("MAX_ATTEMPTS"))
    next_at = now + conf.retry_delay(delivery.attempts)
    with transaction.atomic():
        DeliveryAttempt.objects.create(delivery=delivery, number=delivery.attempts, at=now,
                                       succeeded=False, error=error[:2000])
        Delivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.SENDING).update(
            status=DeliveryStatus.FAILED if final else DeliveryStatus.RETRYING,
            last_error=error[:2000], next_attempt_at=now if final else next_at,
            enqueued_at=None if final else next_at,
        )
        if final:
            audit.record(actor=None, action="notification.delivery_failed",
                         target=delivery.notification, details={
                             "channel": delivery.channel, "attempts": delivery.attempts,
                             "to": delivery.recipient.contact_name if delivery.recipient
                             else getattr(delivery.endpoint, "url", ""),
                             "error": error[:300]})
        else:
            _enqueue_on_commit([delivery.pk], run_after=next_at)
    return "failed" if final else "retrying"


# --- Acknowledgement ---------------------------------------------------------------------


@dataclass(frozen=True)
class LinkOutcome:
    """What the acknowledgement page says: state is "ok", "used", "expired" or "invalid"."""

    state: str
    recipient: NotificationRecipient | None = None


def _acknowledge(recipient: NotificationRecipient, *, via: str, actor: Any, now: datetime
                 ) -> None:
    """Record the acknowledgement (the caller holds the transaction and writes the audit)."""
    NotificationRecipient.objects.filter(pk=recipient.pk).update(
        acknowledged_at=now, acknowledged_via=via, link_nonce="",
        opened_at=recipient.opened_at or now)
    Notification.objects.filter(pk=recipient.notification_id,
                                status=NotificationStatus.WAITING).update(
        status=NotificationStatus.ACKNOWLEDGED, acknowledged_at=now)
    audit.record(actor=actor, action="notification.acknowledge", target=recipient.notification,
                 details={"contact": recipient.contact_name, "via": via})


def open_link(token: str) -> LinkOutcome:
    """Check an acknowledgement link and note that its page was opened (no login)."""
    now = clock.now()
    try:
        claim = signing.read_ack_token(token, now=now)
    except signing.ExpiredLink as expired:
        return LinkOutcome("expired", selectors.recipient_for_link(expired.recipient_id))
    except signing.BadLink:
        return LinkOutcome("invalid")
    recipient = selectors.recipient_for_link(claim.recipient_id)
    if recipient is None:
        return LinkOutcome("invalid")
    if recipient.acknowledged_at is not None or recipient.link_nonce != claim.nonce:
        return LinkOutcome("used", recipient)
    if recipient.opened_at is None:
        # An observation, not a business change: no audit entry (like a token's last use).
        NotificationRecipient.objects.filter(pk=recipient.pk, opened_at__isnull=True).update(
            opened_at=now)
        recipient.opened_at = now
    return LinkOutcome("ok", recipient)


def acknowledge_by_link(token: str) -> LinkOutcome:
    """Acknowledge through the one-click link: works once, until it expires."""
    now = clock.now()
    outcome = open_link(token)
    if outcome.state != "ok" or outcome.recipient is None:
        return outcome
    recipient = outcome.recipient
    with transaction.atomic():
        # The nonce is consumed in the same UPDATE that checks it: a link works once.
        used = NotificationRecipient.objects.filter(
            pk=recipient.pk, link_nonce=recipient.link_nonce, acknowledged_at__isnull=True,
        ).exclude(link_nonce="").update(link_nonce="")
        if not used:
            return LinkOutcome("used", recipient)
        _acknowledge(recipient, via=AcknowledgementChannel.LINK, actor=None, now=now)
    recipient.refresh_from_db()
    return LinkOutcome("ok", recipient)


def acknowledge_in_inbox(*, actor: Any, recipient_id: int,
                         via: str = AcknowledgementChannel.INBOX) -> NotificationRecipient:
    """The in-app button (or the API): the signed-in recipient acknowledges their item."""
    recipient = selectors.inbox_item_for(actor, recipient_id)
    if recipient.acknowledged_at is not None:
        return recipient
    with transaction.atomic():
        _acknowledge(recipient, via=via, actor=actor, now=clock.now())
    recipient.refresh_from_db()
    return recipient


def mark_opened(*, actor: Any, recipient_id: int) -> NotificationRecipient:
    """The recipient opened the item in their inbox."""
    recipient = selectors.inbox_item_for(actor, recipient_id)
    if recipient.opened_at is None:
        now = clock.now()
        NotificationRecipient.objects.filter(pk=recipient.pk, opened_at__isnull=True).update(
            opened_at=now)
        recipient.opened_at = now
    return recipient


# --- Suppression, endpoints, preferences -------------------------------------------------


def suppress(*, actor: Any, notification: Notification, reason: str) -> Notification:
    """A coordinator stops an attempted-breach notification, giving the reason.

    Deliveries not yet sent are cancelled and escalation stops. Breaches cannot be
    suppressed: the victim must hear of them.
    """
    authz.require(actor, "notification:suppress")
    errors: dict[str, list[str]] = {}
    if not reason.strip():
        errors["reason"] = [_("Say why this attempted breach should not be notified.")]
    if notification.kind != NotificationKind.ATTEMPTED_BREACH:
        errors["kind"] = [_("Only attempted breaches can be suppressed.")]
    if notification.status == NotificationStatus.SUPPRESSED:
        errors["status"] = [_("Already suppressed.")]
    if errors:
        raise ValidationError(errors)
    now = clock.now()
    with transaction.atomic():
        cancelled = Delivery.objects.filter(
            notification=notification,
            status__in=(*_PENDING, DeliveryStatus.HELD)).update(status=DeliveryStatus.CANCELLED)
        Notification.objects.filter(pk=notification.pk).update(
            status=NotificationStatus.SUPPRESSED, suppressed_at=now, suppressed_by=actor,
            suppression_reason=reason.strip())
        notification.refresh_from_db()
        audit.record(actor=actor, action="notification.suppress", target=notification,
                     details={"reason": reason.strip(), "cancelled_deliveries": cancelled})
    return notification


@dataclass(frozen=True)
class IssuedWebhook:
    endpoint: WebhookEndpoint
    secret: str  # shown once; derived again from SECRET_KEY when signing


def register_webhook(*, actor: Any, organisation: Organisation, url: str) -> IssuedWebhook:
    """Register where `organisation` receives signed notifications; returns its secret."""
    authz.require(actor, "notification:manage_webhooks", organisation)
    if not url.startswith(("https://", "http://")):
        raise ValidationError({"url": [_("Give an http or https address.")]})
    salt = secrets.token_hex(32)
    secret = signing.webhook_secret(salt)
    with transaction.atomic():
        endpoint = WebhookEndpoint.objects.create(
            organisation=organisation, url=url, secret_salt=salt,
            secret_fingerprint=signing.fingerprint(secret))
        audit.record(actor=actor, action="notification.webhook_register", target=endpoint,
                     details={"organisation": organisation.slug, "url": url,
                              "fingerprint": endpoint.secret_fingerprint})
    return IssuedWebhook(endpoint, secret)


def set_digest_preference(*, actor: Any, contact: Contact, daily_digest: bool,
                          max_severity: int = 2) -> NotificationPreference:
    """Whether `contact` hears of matters of `max_severity` or lower in a daily summary."""
    authz.require(actor, "contact:change", contact)
    if not 1 <= int(max_severity) <= 5:
        raise ValidationError({"max_severity": [_("Severity runs from 1 to 5.")]})
    with transaction.atomic():
        preference, _created = NotificationPreference.objects.update_or_create(
            contact=contact, defaults={"daily_digest": daily_digest,
                                       "digest_max_severity": int(max_severity)})
        audit.record(actor=actor, action="notification.digest_preference", target=contact,
                     details={"daily_digest": daily_digest, "max_severity": int(max_severity)})
    return preference


# --- The periodic check: interrupted claims, due retries, escalation, digests ---------------


@dataclass
class CheckSummary:
    interrupted: int = 0
    due: int = 0
    escalated: int = 0
    top_of_chain: int = 0
    digests: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def run_checks(*, send_now: bool = False) -> CheckSummary:
    """What the periodic task and `civicshield escalate` do, idempotently:

    1. a delivery claimed longer ago than the lease was interrupted (the worker stopped):
       it is retried with the same idempotency key, or failed after the last attempt;
    2. due deliveries are queued for a worker (or, with `send_now`, sent here);
    3. unacknowledged notifications past their deadline go one step up the chain;
    4. daily digests go out.
    """
    now = clock.now()
    summary = CheckSummary()
    lease = timedelta(seconds=float(conf.value("CLAIM_LEASE_SECONDS")))
    for delivery in Delivery.objects.filter(status=DeliveryStatus.SENDING,
                                            claimed_at__lt=now - lease):
        summary.interrupted += _recover_interrupted(delivery, now)
    due = Delivery.objects.filter(status__in=_PENDING, next_attempt_at__lte=now)
    if not send_now:
        due = due.filter(Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=now - lease))
    due_ids = list(due.values_list("pk", flat=True))
    summary.due = len(due_ids)
    if send_now:
        for delivery_id in due_ids:
            deliver(delivery_id=delivery_id)
    elif due_ids:
        Delivery.objects.filter(pk__in=due_ids).update(enqueued_at=now)
        with transaction.atomic():
            _enqueue_on_commit(due_ids)
    overdue = Notification.objects.filter(status=NotificationStatus.WAITING,
                                          top_of_chain_reached=False,
                                          ack_deadline_at__lte=now)
    for notification in overdue:
        outcome = escalate(notification=notification)
        summary.escalated += outcome == "escalated"
        summary.top_of_chain += outcome == "top_of_chain"
    summary.digests = send_digests()
    return summary


def _recover_interrupted(delivery: Delivery, now: datetime) -> int:
    final = delivery.attempts >= int(conf.value("MAX_ATTEMPTS"))
    error = _("The worker stopped before confirming the send; retried with the same "
              "idempotency key.")
    with transaction.atomic():
        changed = Delivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.SENDING,
                                          claimed_at=delivery.claimed_at).update(
            status=DeliveryStatus.FAILED if final else DeliveryStatus.RETRYING,
            next_attempt_at=now, enqueued_at=None, last_error=error)
        if changed:
            DeliveryAttempt.objects.create(delivery=delivery, number=delivery.attempts, at=now,
                                           succeeded=False, error=error)
            if final:
                audit.record(actor=None, action="notification.delivery_failed",
                             target=delivery.notification,
                             details={"channel": delivery.channel, "error": error})
    return changed


def escalate(*, notification: Notification) -> str:
    """Tell the next person up the chain of each contact told last; "escalated",
    "top_of_chain" (nobody left: the board says so) or "waiting" (digest not yet out)."""
    now = clock.now()
    recipients = list(notification.recipients.select_related("contact"))
    step = notification.escalation_step
    current = [r for r in recipients if r.escalation_step == step]
    if Delivery.objects.filter(recipient__in=current, status=DeliveryStatus.HELD).exists():
        return "waiting"
    already = {r.contact_id for r in recipients if r.contact_id}
    above: list[Contact] = []
    for recipient in current:
        if recipient.contact is None:
            continue
        nxt = selectors.next_up_the_chain(recipient.contact, already=already)
        if nxt is not None and nxt.pk not in already:
            above.append(nxt)
            already.add(nxt.pk)
    with transaction.atomic():
        if not above:
            Notification.objects.filter(pk=notification.pk).update(top_of_chain_reached=True)
            audit.record(actor=None, action="notification.top_of_chain", target=notification,
                         details={"step": step})
            return "top_of_chain"
        deliveries = _tell(notification, above, step=step + 1, now=now)
        Notification.objects.filter(pk=notification.pk).update(
            escalation_step=step + 1, escalated_at=now,
            ack_deadline_at=now + conf.ack_window(notification.severity))
        audit.record(actor=None, action="notification.escalate", target=notification, details={
            "step": step + 1, "to": [c.name for c in above],
            "levels": [c.escalation_level for c in above]})
        _enqueue_on_commit([d.pk for d in deliveries if d.status != DeliveryStatus.HELD])
    return "escalated"


def send_digests() -> int:
    """Send each contact whose digest is due one summary of their held messages."""
    now = clock.now()
    held = list(Delivery.objects.filter(status=DeliveryStatus.HELD).select_related(
        "recipient__contact", "recipient__organisation", "recipient__user",
        "notification__organisation", "notification__sender_organisation",
        "notification__report").order_by("recipient__contact_id", "id"))
    by_contact: dict[int, list[Delivery]] = {}
    for delivery in held:
        if delivery.recipient and delivery.recipient.contact_id:
            by_contact.setdefault(delivery.recipient.contact_id, []).append(delivery)
    preferences = {p.contact_id: p for p in NotificationPreference.objects.filter(
        contact_id__in=by_contact)}
    sent = 0
    for contact_id, deliveries in by_contact.items():
        preference = preferences.get(contact_id)
        if preference and preference.last_digest_at and \
                now - preference.last_digest_at < timedelta(days=1):
            continue
        ids = [d.pk for d in deliveries]
        if Delivery.objects.filter(pk__in=ids, status=DeliveryStatus.HELD).update(
                status=DeliveryStatus.SENDING, claimed_at=now,
                attempts=F("attempts") + 1) != len(ids):
            Delivery.objects.filter(pk__in=ids, status=DeliveryStatus.SENDING,
                                    claimed_at=now).update(status=DeliveryStatus.HELD)
            continue  # another worker is on it
        first = deliveries[0].recipient
        assert first is not None
        message = selectors.digest_for(
            [(d.recipient, ack_url(d.recipient, now=now)) for d in deliveries if d.recipient],
            language=first.language if first.language in selectors.MESSAGE_LANGUAGES else "en")
        try:
            channels.send_email(channels.OutgoingEmail(
                to=first.email, subject=message.subject, body=message.body,
                idempotency_key=f"digest-{deliveries[0].idempotency_key}"))
        except channels.DeliveryError as error:
            _digest_failed(deliveries, now, str(error))
            continue
        with transaction.atomic():
            Delivery.objects.filter(pk__in=ids).update(status=DeliveryStatus.SENT, sent_at=now)
            DeliveryAttempt.objects.bulk_create([DeliveryAttempt(
                delivery=d, number=d.attempts + 1, at=now, succeeded=True) for d in deliveries])
            NotificationPreference.objects.filter(contact_id=contact_id).update(
                last_digest_at=now)
            # The clock for acknowledging starts when the digest went out.
            for delivery in deliveries:
                window = conf.ack_window(delivery.notification.severity)
                Notification.objects.filter(pk=delivery.notification_id,
                                            ack_deadline_at__lt=now + window).update(
                    ack_deadline_at=now + window)
        sent += 1
    return sent


def _digest_failed(deliveries: list[Delivery], now: datetime, error: str) -> None:
    """Back to held for the next check, or failed (on the board) after the last attempt."""
    final = deliveries[0].attempts + 1 >= int(conf.value("MAX_ATTEMPTS"))
    with transaction.atomic():
        Delivery.objects.filter(pk__in=[d.pk for d in deliveries]).update(
            status=DeliveryStatus.FAILED if final else DeliveryStatus.HELD,
            last_error=error[:2000])
        DeliveryAttempt.objects.bulk_create([DeliveryAttempt(
            delivery=d, number=d.attempts + 1, at=now, succeeded=False, error=error[:2000])
            for d in deliveries])
        if final:
            for delivery in deliveries:
                audit.record(actor=None, action="notification.delivery_failed",
                             target=delivery.notification,
                             details={"channel": delivery.channel, "digest": True,
                                      "error": error[:300]})


def work_outstanding() -> bool:
    """Whether a periodic check still has something to do."""
    return (Notification.objects.filter(status=NotificationStatus.WAITING,
                                        top_of_chain_reached=False).exists()
            or Delivery.objects.filter(status__in=(*_PENDING, DeliveryStatus.SENDING,
                                                   DeliveryStatus.HELD)).exists())
