"""Every enumeration of the comms app: public notices and their articles, notifications.

Append only: notices and notifications are written by different people at once.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class NoticeStatus(models.TextChoices):
    """draft → approved → published, then corrected (a newer version) or retracted."""

    DRAFT = "draft", _("Draft")
    APPROVED = "approved", _("Approved")
    PUBLISHED = "published", _("Published")
    CORRECTED = "corrected", _("Corrected")
    RETRACTED = "retracted", _("Retracted")


class ArticleKind(models.TextChoices):
    """The public articles coordinators maintain: methods and the citizen toolkit."""

    METHOD = "method", _("How we identify interference")
    TOOLKIT = "toolkit", _("Citizen toolkit")


# --- Notifications (comms/models/notifications.py) ------------------------------------


class NotificationKind(models.TextChoices):
    BREACH = "breach", _("Breach")
    ATTEMPTED_BREACH = "attempted_breach", _("Attempted breach")
    CAMPAIGN_ALERT = "campaign_alert", _("Campaign alert")
    BRIEFING = "briefing", _("Briefing")
    PANEL_DECISION = "panel_decision", _("Panel decision")
    EXERCISE_INJECT = "exercise_inject", _("Exercise inject")


class NotificationStatus(models.TextChoices):
    """waiting (for an acknowledgement) → acknowledged; or suppressed by a coordinator."""

    WAITING = "waiting", _("Waiting for acknowledgement")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    SUPPRESSED = "suppressed", _("Suppressed")


class DeliveryChannel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    WEBHOOK = "webhook", _("Signed webhook")
    INBOX = "inbox", _("In-app inbox")


class DeliveryStatus(models.TextChoices):
    """queued → sending (claimed by one worker) → sent; or retrying → … → failed.

    held: waiting for the recipient's daily digest; cancelled: the notification was
    suppressed before this delivery went out.
    """

    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Delivered")
    RETRYING = "retrying", _("Retrying")
    FAILED = "failed", _("Failed")
    HELD = "held", _("Held for the daily digest")
    CANCELLED = "cancelled", _("Cancelled")


class AcknowledgementChannel(models.TextChoices):
    LINK = "link", _("Signed link")
    INBOX = "inbox", _("In-app inbox")
    API = "api", _("REST API")
