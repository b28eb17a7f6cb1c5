"""GET /api/v1/notifications: what the caller sent or received, with delivery and
acknowledgement states; POST …/{recipient}/acknowledge for the caller's own item."""


from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.pagination import LimitOffsetPagination, paginate

from civicshield.comms.choices import AcknowledgementChannel
from civicshield.comms.models import Notification
from civicshield.comms.notifications import selectors, services
from civicshield.core.api_pagination import SerialisedPage

router = Router(tags=["notifications"])


class DeliveryOut(Schema):
    channel: str
    status: str
    attempts: int
    sent_at: datetime | None
    last_error: str


class RecipientOut(Schema):
    id: int
    contact: str
    organisation: str
    escalation_step: int
    delivered: bool
    opened_at: datetime | None
    acknowledged_at: datetime | None
    acknowledged_via: str
    deliveries: list[DeliveryOut]


class NotificationOut(Schema):
    id: int
    kind: str
    title: str
    severity: int
    organisation: str
    status: str
    role: str  # "sent" or "received"
    created_at: datetime
    acknowledge_by: datetime
    acknowledged_at: datetime | None
    escalation_step: int
    top_of_chain_reached: bool
    suppression_reason: str
    report: str | None
    recipients: list[RecipientOut]
    webhooks: list[DeliveryOut]


class NotificationFilters(Schema):
    role: str = ""


def _delivery(delivery: Any) -> DeliveryOut:
    return DeliveryOut(channel=delivery.channel, status=delivery.status,
                       attempts=delivery.attempts, sent_at=delivery.sent_at,
                       last_error=delivery.last_error if delivery.status == "failed" else "")


def notification_out(viewer: Any, notification: Notification) -> NotificationOut:
    sender = selectors.is_sender(viewer, notification)
    recipients = selectors.visible_recipients(viewer, notification)
    return NotificationOut(
        id=notification.pk, kind=notification.kind, title=notification.title,
        severity=notification.severity, organisation=notification.organisation.slug,
        status=notification.status, role="sent" if sender else "received",
        created_at=notification.created_at, acknowledge_by=notification.ack_deadline_at,
        acknowledged_at=notification.acknowledged_at,
        escalation_step=notification.escalation_step,
        top_of_chain_reached=notification.top_of_chain_reached,
        suppression_reason=notification.suppression_reason if sender else "",
        # Only the reference, and only to whoever may already see the report.
        report=None,
        recipients=[RecipientOut(
            id=r.pk, contact=r.contact_name, organisation=r.organisation.slug,
            escalation_step=r.escalation_step,
            delivered=any(d.status == "sent" for d in r.deliveries.all()),
            opened_at=r.opened_at, acknowledged_at=r.acknowledged_at,
            acknowledged_via=r.acknowledged_via,
            deliveries=[_delivery(d) for d in r.deliveries.all()]) for r in recipients],
        # `webhook_deliveries`: set by Prefetch(to_attr=...) in selectors._with_states.
        webhooks=([_delivery(d)
                   for d in notification.webhook_deliveries]  # type: ignore[attr-defined]
                  if sender else []),
    )


def _notifications_out(viewer: Any, rows: list[Any]) -> list[NotificationOut]:
    """One page of notifications; the report references looked up in one batch."""
    references = selectors.visible_report_references(viewer, rows)
    out = []
    for notification in rows:
        item = notification_out(viewer, notification)
        item.report = references.get(notification.report_id)
        out.append(item)
    return out


@router.get("/notifications", response=list[NotificationOut])
@paginate(LimitOffsetPagination)
def list_notifications(request: HttpRequest, filters: Query[NotificationFilters]) -> Any:
    role = filters.role if filters.role in ("sent", "received") else ""
    viewer = request.user
    return SerialisedPage(selectors.notifications_for(viewer, role=role),
                          lambda rows: _notifications_out(viewer, rows))


@router.get("/notifications/{notification_id}", response=NotificationOut)
def get_notification(request: HttpRequest, notification_id: int) -> Any:
    notification = selectors.notification_for(request.user, notification_id)
    item = notification_out(request.user, notification)
    if notification.report_id is not None:
        item.report = selectors.visible_report_references(request.user, [notification]).get(
            notification.report_id)
    return item


class AcknowledgedOut(Schema):
    id: int
    acknowledged_at: datetime | None


@router.post("/notifications/inbox/{recipient_id}/acknowledge", response=AcknowledgedOut)
def acknowledge(request: HttpRequest, recipient_id: int) -> Any:
    recipient = services.acknowledge_in_inbox(actor=request.user, recipient_id=recipient_id,
                                              via=AcknowledgementChannel.API)
    return AcknowledgedOut(id=recipient.pk, acknowledged_at=recipient.acknowledged_at)
