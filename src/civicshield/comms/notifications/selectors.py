"""Reads of notifications: who to tell, what each recipient may be told, who sees what.

What a message says of a linked report goes through the access layer for the recipient
(`core.access.can_see`) and what it says of victims through their consent
(`reports.redaction.view_of`). Lists are the caller's own: what they sent or received.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db.models import Prefetch, Q, QuerySet
from django.template.loader import get_template, select_template
from django.utils import translation

from civicshield.comms.choices import DeliveryChannel, DeliveryStatus, NotificationStatus
from civicshield.comms.models import (
    Delivery,
    Notification,
    NotificationRecipient,
)
from civicshield.comms.notifications import conf
from civicshield.core import access, authz
from civicshield.core.errors import NotFound
from civicshield.directory import selectors as directory_selectors
from civicshield.directory.choices import Availability
from civicshield.directory.models import Contact, Organisation, User
from civicshield.reports.redaction import view_of

MESSAGE_LANGUAGES = ("en", "fr", "es")
TEMPLATE_DIR = "comms/notifications/messages"


# --- Who to tell ----------------------------------------------------------------------


def language_for(contact: Contact) -> str:
    """The contact's first language that has message templates, else English."""
    for code in contact.languages or []:
        short = str(code).lower().split("-")[0]
        if short in MESSAGE_LANGUAGES:
            return short
    return "en"


def account_for(contact: Contact) -> User | None:
    """The contact's own account (same organisation and e-mail), for the in-app inbox."""
    if not contact.email:
        return None
    return User.objects.filter(organisation_id=contact.organisation_id,
                               email__iexact=contact.email, is_active=True).first()


def resolve_recipients(*, organisation: Organisation, topic: str = "", phase: str = "",
                       severity: int = 3) -> list[Contact]:
    """The organisation's contacts to tell first, by the directory's who-to-contact.

    Those who handle the topic in the phase; failing that the topic alone, the phase alone,
    then anyone active. Of these, the front line (the lowest escalation level) is told —
    the people above are reached by escalation — and for urgent matters (severity 4 and 5)
    also every round-the-clock contact among them.
    """
    attempts = [(topic, phase), (topic, ""), ("", phase), ("", "")]
    for wanted_topic, wanted_phase in dict.fromkeys(attempts):
        found = directory_selectors.who_to_contact(authz.OPERATOR, topic=wanted_topic,
                                                   phase=wanted_phase)
        matches = [r.contact for r in found.recommendations
                   if r.contact.organisation_id == organisation.pk]
        if matches:
            break
    else:
        return []
    front_line = min(contact.escalation_level for contact in matches)
    chosen = [c for c in matches if c.escalation_level == front_line]
    if severity >= conf.URGENT_SEVERITY:
        chosen += [c for c in matches
                   if c.availability == Availability.ROUND_THE_CLOCK and c not in chosen]
    return chosen


def next_up_the_chain(contact: Contact, *, already: set[int]) -> Contact | None:
    """The first person above `contact` in the directory's escalation chain not yet told."""
    for step in directory_selectors.escalation_chain_for(authz.OPERATOR, contact):
        if step.pk not in already:
            return step
    return None


# --- What each recipient is told -----------------------------------------------------


@dataclass
class Caller:
    name: str
    role_title: str
    phone: str
    email: str
    organisation: str


@dataclass
class Message:
    subject: str
    body: str
    language: str
    report_shown: bool
    facts: dict[str, Any] = field(default_factory=dict)


def recipient_viewer(recipient: NotificationRecipient) -> Any:
    """Who the recipient is to the access layer: their account, or else a member of their
    organisation without any individual (TLP:RED) grant."""
    if recipient.user_id and recipient.user is not None and recipient.user.is_active:
        return recipient.user
    return access.Viewer.for_organisation(recipient.organisation)


def who_to_call(notification: Notification) -> list[Caller]:
    """The sender's front-line people, round-the-clock first (at most two)."""
    sender = notification.sender_organisation or directory_selectors.coordinating_organisation()
    if sender is None:
        return []
    contacts = list(directory_selectors.contacts_visible_to(authz.OPERATOR,
                                                            organisation=sender.slug))
    contacts.sort(key=lambda c: (c.availability != Availability.ROUND_THE_CLOCK,
                                 c.escalation_level, c.name))
    return [Caller(c.name, c.role_title, c.phone, c.email, sender.name) for c in contacts[:2]]


def _report_facts(viewer: Any, notification: Notification) -> dict[str, Any] | None:
    report = notification.report
    if report is None or not access.can_see(viewer, report):
        return None
    victims = [view_of(viewer, victim).label
               for victim in report.victims.select_related("organisation")]
    return {
        "reference": report.reference, "title": report.title,
        "description": report.description, "observed_start": report.observed_start,
        "observed_end": report.observed_end, "outcome": report.get_outcome_display(),
        "confidence": report.get_confidence_display(), "tlp": report.get_tlp_display(),
        "victims": victims,
    }


def message_for(recipient: NotificationRecipient, *, ack_url: str = "",
                deadline: datetime | None = None) -> Message:
    """The message for one recipient, in their language, with only what they may see."""
    language = recipient.language if recipient.language in MESSAGE_LANGUAGES else "en"
    with translation.override(language):
        return _message_in_language(recipient, language, ack_url=ack_url, deadline=deadline)


def _message_in_language(recipient: NotificationRecipient, language: str, *, ack_url: str,
                         deadline: datetime | None) -> Message:
    notification = recipient.notification
    viewer = recipient_viewer(recipient)
    report = _report_facts(viewer, notification)
    context = {
        "recipient": recipient, "notification": notification,
        "organisation": notification.organisation.name,
        "when": notification.occurred_at or (report or {}).get("observed_start"),
        "report": report, "report_withheld": notification.report_id is not None and not report,
        "callers": who_to_call(notification), "ack_url": ack_url,
        "deadline": deadline or notification.ack_deadline_at,
        "inbox_url": conf.base_url() + "/app/comms/notifications/inbox/",
        "is_exercise": notification.kind == "exercise_inject",
    }
    template = select_template([f"{TEMPLATE_DIR}/{language}/{notification.kind}.txt",
                                f"{TEMPLATE_DIR}/en/{notification.kind}.txt"])
    rendered = template.render(context).strip()
    subject, _, body = rendered.partition("\n")
    return Message(subject=subject.removeprefix("Subject:").strip()[:200],
                   body=body.strip() + "\n", language=language, report_shown=bool(report),
                   facts={"report": report})


def digest_for(recipient_items: list[tuple[NotificationRecipient, str]], *, language: str
               ) -> Message:
    """One daily summary of several low-severity matters, each with its own link."""
    template = get_template(f"{TEMPLATE_DIR}/{language}/digest.txt")
    items = []
    for recipient, ack_url in recipient_items:
        viewer = recipient_viewer(recipient)
        items.append({"notification": recipient.notification, "ack_url": ack_url,
                      "report": _report_facts(viewer, recipient.notification)})
    with translation.override(language):
        rendered = template.render({"items": items, "recipient": recipient_items[0][0],
                                    "inbox_url": conf.base_url()
                                    + "/app/comms/notifications/inbox/"}).strip()
    subject, _, body = rendered.partition("\n")
    return Message(subject=subject.removeprefix("Subject:").strip()[:200],
                   body=body.strip() + "\n", language=language, report_shown=False)


def webhook_payload(notification: Notification) -> dict[str, Any]:
    """What a webhook carries: for the organisation as a whole, so only what any member of
    it may see of the linked report."""
    viewer = access.Viewer.for_organisation(notification.organisation)
    report = _report_facts(viewer, notification)
    return {
        "id": notification.pk, "kind": notification.kind, "severity": notification.severity,
        "organisation": notification.organisation.slug, "title": notification.title,
        "what_happened": notification.what_happened, "what_we_know": notification.what_we_know,
        "what_to_do": notification.what_to_do,
        "occurred_at": notification.occurred_at.isoformat() if notification.occurred_at
        else None,
        "acknowledge_by": notification.ack_deadline_at.isoformat(),
        "report": {"reference": report["reference"], "title": report["title"],
                   "description": report["description"], "victims": report["victims"]}
        if report else None,
        "who_to_call": [caller.__dict__ for caller in who_to_call(notification)],
    }


# --- Lists and pages ------------------------------------------------------------------


def _with_states(queryset: QuerySet[Notification]) -> QuerySet[Notification]:
    return queryset.select_related("organisation", "sender_organisation").prefetch_related(
        Prefetch("recipients", queryset=NotificationRecipient.objects.select_related(
            "organisation").prefetch_related(
            Prefetch("deliveries", queryset=Delivery.objects.order_by("channel", "id")))),
        Prefetch("deliveries", queryset=Delivery.objects.filter(
            channel=DeliveryChannel.WEBHOOK), to_attr="webhook_deliveries"),
    )


def _sent_by(viewer: Any) -> Q:
    rule = Q(created_by_id=viewer.pk)
    if viewer.organisation_id:
        rule |= Q(sender_organisation_id=viewer.organisation_id)
    return rule


def notifications_for(viewer: Any, *, role: str = "") -> QuerySet[Notification]:
    """What the viewer sent (they or their organisation) or received (addressed to their
    organisation, or to them by escalation), newest first, with every state prefetched."""
    if not getattr(viewer, "is_authenticated", False) or not viewer.is_active:
        return Notification.objects.none()
    received = Q(recipients__user_id=viewer.pk)
    if viewer.organisation_id:
        received |= Q(organisation_id=viewer.organisation_id)
    rule = {"sent": _sent_by(viewer), "received": received}.get(role,
                                                                _sent_by(viewer) | received)
    ids = Notification.objects.filter(rule).values("pk")
    return _with_states(Notification.objects.filter(pk__in=ids)).order_by("-created_at", "-id")


def notifications_about_victim(viewer: Any, victim: Any) -> QuerySet[Notification]:
    """The viewer's notifications (sent or received) that concern a victim: addressed to the
    victim's organisation, or about a report that names the victim."""
    concerning = Q(report__victims=victim)
    if victim.organisation_id:
        concerning |= Q(organisation_id=victim.organisation_id)
    ids = Notification.objects.filter(concerning).values("pk")
    return notifications_for(viewer).filter(pk__in=ids)


def is_sender(viewer: Any, notification: Notification) -> bool:
    return bool(notification.created_by_id == viewer.pk
                or (viewer.organisation_id
                    and notification.sender_organisation_id == viewer.organisation_id)
                or authz.can(viewer, "notification:view_board"))


def notification_for(viewer: Any, notification_id: int) -> Notification:
    """One notification the viewer sent or received (or any, for the board's holders)."""
    queryset = Notification.objects.all() if authz.can(viewer, "notification:view_board") \
        else notifications_for(viewer)
    found = _with_states(Notification.objects.filter(
        pk__in=queryset.values("pk"))).filter(pk=notification_id).first()
    if found is None:
        raise NotFound("notification")
    return found


def visible_recipients(viewer: Any, notification: Notification) -> list[NotificationRecipient]:
    """Everyone told, for the sender; only those of the viewer's organisation otherwise."""
    recipients = list(notification.recipients.all())
    if is_sender(viewer, notification):
        return recipients
    return [r for r in recipients
            if r.organisation_id == viewer.organisation_id or r.user_id == viewer.pk]


@dataclass
class Board:
    waiting: list[Notification]
    failed: list[Delivery]
    suppressed: list[Notification]


def waiting_board(viewer: Any) -> Board:
    """Coordinators' board: unacknowledged notifications by deadline, failed deliveries."""
    authz.require(viewer, "notification:view_board")
    waiting = list(_with_states(Notification.objects.filter(
        status=NotificationStatus.WAITING)).order_by("ack_deadline_at", "id"))
    failed = list(Delivery.objects.filter(status=DeliveryStatus.FAILED).select_related(
        "notification__organisation", "recipient").order_by("-created_at")[:100])
    suppressed = list(Notification.objects.filter(status=NotificationStatus.SUPPRESSED)
                      .select_related("organisation", "suppressed_by")
                      .order_by("-suppressed_at")[:20])
    return Board(waiting, failed, suppressed)


def inbox_for(viewer: Any) -> list[NotificationRecipient]:
    """The viewer's own in-app inbox: items whose inbox delivery has gone out."""
    if not getattr(viewer, "is_authenticated", False):
        return []
    return list(NotificationRecipient.objects.filter(
        user_id=viewer.pk, deliveries__channel=DeliveryChannel.INBOX,
        deliveries__status=DeliveryStatus.SENT,
    ).select_related("notification__organisation").order_by("-added_at", "-id").distinct())


def inbox_item_for(viewer: Any, recipient_id: int) -> NotificationRecipient:
    for item in inbox_for(viewer):
        if item.pk == recipient_id:
            return NotificationRecipient.objects.select_related(
                "notification__organisation", "notification__sender_organisation",
                "notification__report", "organisation", "user").get(pk=item.pk)
    raise NotFound("notification")


def recipient_for_link(recipient_id: int) -> NotificationRecipient | None:
    return NotificationRecipient.objects.select_related(
        "notification__organisation", "notification__sender_organisation",
        "notification__report", "organisation", "user").filter(pk=recipient_id).first()


@dataclass
class MailFile:
    name: str
    text: str


def mail_outbox(viewer: Any, *, limit: int = 20) -> list[MailFile] | None:
    """Mail written to files (no EMAIL_HOST), newest first; None when mail goes by SMTP."""
    authz.require(viewer, "notification:view_board")
    if settings.EMAIL_BACKEND != "django.core.mail.backends.filebased.EmailBackend":
        return None
    folder = Path(getattr(settings, "EMAIL_FILE_PATH", ""))
    if not folder.is_dir():
        return []
    files = sorted(folder.glob("*.log"), key=lambda p: p.stat().st_mtime, reverse=True)[:limit]
    return [MailFile(path.name, path.read_text(errors="replace")[:20000]) for path in files]


def visible_report_references(viewer: Any, notifications: list[Notification]
                              ) -> dict[int, str]:
    """The references of the linked reports the viewer may see (one query for a page)."""
    from civicshield.reports.models import Report

    ids = {n.report_id for n in notifications if n.report_id}
    if not ids:
        return {}
    return dict(access.visible_to(viewer, Report.objects.filter(pk__in=ids))
                .values_list("pk", "reference"))


def delivery_settings_for(viewer: Any) -> tuple[list[Any], list[Any]]:
    """The webhooks of the viewer's organisation and the contacts whose digest preference
    the viewer may set, each with `notification_preference` loaded (or None)."""
    from civicshield.comms.models import WebhookEndpoint
    from civicshield.core import authz as core_authz
    from civicshield.directory.selectors import contacts_visible_to

    organisation = getattr(viewer, "organisation", None)
    webhooks = (list(WebhookEndpoint.objects.filter(organisation=organisation))
                if organisation is not None
                and core_authz.can(viewer, "notification:manage_webhooks", organisation)
                else [])
    visible = contacts_visible_to(viewer)
    if isinstance(visible, QuerySet):  # a list only when filtered by topic or phase
        visible = visible.select_related("notification_preference")
    contacts = [c for c in visible if core_authz.can(viewer, "contact:change", c)]
    return webhooks, contacts
