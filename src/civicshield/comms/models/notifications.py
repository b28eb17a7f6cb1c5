"""Notifications: telling victims and parties, with acknowledgement and escalation.

A `Notification` is addressed to one organisation; it is resolved to the organisation's
contacts (`NotificationRecipient`), and each recipient gets one `Delivery` per channel
(e-mail, signed webhook, in-app inbox). Every attempt at a delivery is a `DeliveryAttempt`.
Writes go through `comms.notifications.services`; reads through its selectors.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from civicshield.comms.choices import (
    AcknowledgementChannel,
    DeliveryChannel,
    DeliveryStatus,
    NotificationKind,
    NotificationStatus,
)

__all__ = [
    "Delivery",
    "DeliveryAttempt",
    "Notification",
    "NotificationPreference",
    "NotificationRecipient",
    "WebhookEndpoint",
]


class Notification(models.Model):
    """One matter told to one organisation: what happened to you, when, what we know,
    what to do now, who to call. The text given here is fit for the addressee; details of
    a linked report are shown to each recipient only as far as the access layer allows."""

    kind = models.CharField(max_length=20, choices=NotificationKind.choices)
    organisation = models.ForeignKey(
        "directory.Organisation", on_delete=models.PROTECT, related_name="notifications",
        help_text=_("The organisation told."),
    )
    sender_organisation = models.ForeignKey(
        "directory.Organisation", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", help_text=_("Who tells them (the coordinating organisation)."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    severity = models.PositiveSmallIntegerField(default=3)
    title = models.CharField(max_length=200)
    what_happened = models.TextField(blank=True)
    what_we_know = models.TextField(blank=True)
    what_to_do = models.TextField(blank=True)
    occurred_at = models.DateTimeField(null=True, blank=True)
    topic = models.CharField(max_length=80, blank=True)
    phase = models.CharField(max_length=80, blank=True)
    report = models.ForeignKey(
        "reports.Report", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
    )
    subject = models.CharField(
        max_length=200, blank=True,
        help_text=_("What it is about when not a report: a campaign, a panel case, an inject."),
    )
    key = models.CharField(
        max_length=200, unique=True,
        help_text=_("Idempotency key: notifying the same matter twice returns the first."),
    )
    status = models.CharField(max_length=20, choices=NotificationStatus.choices,
                              default=NotificationStatus.WAITING, db_index=True)
    created_at = models.DateTimeField()
    ack_deadline_at = models.DateTimeField(db_index=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    escalation_step = models.PositiveSmallIntegerField(default=0)
    escalated_at = models.DateTimeField(null=True, blank=True)
    top_of_chain_reached = models.BooleanField(
        default=False, help_text=_("Nobody left to escalate to: call them."),
    )
    suppressed_at = models.DateTimeField(null=True, blank=True)
    suppressed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    suppression_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(severity__gte=1) & Q(severity__lte=5),
                                   name="notification_severity_1_to_5"),
            models.CheckConstraint(
                condition=~Q(status=NotificationStatus.SUPPRESSED) | ~Q(suppression_reason=""),
                name="notification_suppressed_with_reason",
            ),
        ]
        indexes = [models.Index(fields=["status", "ack_deadline_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.title}"


class NotificationRecipient(models.Model):
    """A contact told of a notification, with what they did with it."""

    notification = models.ForeignKey(Notification, on_delete=models.CASCADE,
                                      related_name="recipients")
    contact = models.ForeignKey("directory.Contact", null=True, on_delete=models.SET_NULL,
                                related_name="+")
    # Kept as they were when told, so the record survives a change in the directory.
    contact_name = models.CharField(max_length=200)
    organisation = models.ForeignKey("directory.Organisation", on_delete=models.PROTECT,
                                     related_name="+")
    email = models.EmailField(blank=True)
    language = models.CharField(max_length=8, default="en")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="notification_inbox", help_text=_("Their account, for the in-app inbox."),
    )
    escalation_step = models.PositiveSmallIntegerField(default=0)
    added_at = models.DateTimeField()
    opened_at = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_via = models.CharField(max_length=10, choices=AcknowledgementChannel.choices,
                                        blank=True)
    link_nonce = models.CharField(
        max_length=32, blank=True,
        help_text=_("In the acknowledgement link; cleared on use, so the link works once."),
    )

    class Meta:
        ordering = ["escalation_step", "contact_name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["notification", "contact"],
                                    name="notification_recipient_once"),
        ]

    def __str__(self) -> str:
        return f"{self.contact_name} ← {self.notification_id}"

    @property
    def delivered(self) -> bool:
        return any(d.status == DeliveryStatus.SENT for d in self.deliveries.all())


class WebhookEndpoint(models.Model):
    """Where an organisation wants notifications POSTed, signed with its own secret.

    The secret is never stored: it is derived from the server's SECRET_KEY and a random
    `secret_salt` (HMAC), so a copy of the database alone cannot forge a signature. Only a
    fingerprint is kept, to tell which secret a receiver holds.
    """

    organisation = models.ForeignKey("directory.Organisation", on_delete=models.CASCADE,
                                     related_name="webhook_endpoints")
    url = models.URLField(max_length=500)
    secret_salt = models.CharField(max_length=64)
    secret_fingerprint = models.CharField(max_length=16)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["organisation__name", "url"]

    def __str__(self) -> str:
        return f"{self.url} ({self.organisation})"


class NotificationPreference(models.Model):
    """How a contact wants to hear of low-severity matters: one by one or a daily summary."""

    contact = models.OneToOneField("directory.Contact", on_delete=models.CASCADE,
                                   related_name="notification_preference")
    daily_digest = models.BooleanField(default=False)
    digest_max_severity = models.PositiveSmallIntegerField(
        default=2, help_text=_("Matters of this severity or lower go into the digest."),
    )
    last_digest_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(digest_max_severity__gte=1) & Q(digest_max_severity__lte=5),
                name="digest_max_severity_1_to_5"),
        ]

    def __str__(self) -> str:
        return f"{self.contact_id}: digest={self.daily_digest}"


class Delivery(models.Model):
    """One message on one channel to one recipient. Sent at most once per claim: a worker
    moves it queued/retrying → sending in one conditional UPDATE before it sends."""

    notification = models.ForeignKey(Notification, on_delete=models.CASCADE,
                                     related_name="deliveries")
    recipient = models.ForeignKey(
        NotificationRecipient, null=True, blank=True, on_delete=models.CASCADE,
        related_name="deliveries", help_text=_("Empty for a webhook: it goes to the organisation."),
    )
    channel = models.CharField(max_length=10, choices=DeliveryChannel.choices)
    endpoint = models.ForeignKey(WebhookEndpoint, null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="+")
    idempotency_key = models.CharField(max_length=80, unique=True)
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices,
                              default=DeliveryStatus.QUEUED, db_index=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(db_index=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    enqueued_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name_plural = _("deliveries")

    def __str__(self) -> str:
        return f"{self.channel} {self.idempotency_key} [{self.status}]"


class DeliveryAttempt(models.Model):
    """What happened when a worker tried a delivery: nothing is silently lost."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="history")
    number = models.PositiveSmallIntegerField()
    at = models.DateTimeField()
    succeeded = models.BooleanField(default=False)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["delivery", "number", "id"]

    def __str__(self) -> str:
        return f"{self.delivery_id} #{self.number} {'ok' if self.succeeded else 'failed'}"
