"""The three ways a message leaves: e-mail (Django's mail framework), a signed webhook, the
in-app inbox. Each raises `DeliveryError` when the message did not get through."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, get_connection

from civicshield.comms.notifications import signing


class DeliveryError(Exception):
    """The channel refused or did not answer; the delivery will be retried."""


@dataclass(frozen=True)
class OutgoingEmail:
    to: str
    subject: str
    body: str
    idempotency_key: str
    headers: dict[str, str] = field(default_factory=dict)


def send_email(message: OutgoingEmail) -> None:
    """Hand the message to the configured mail backend (SMTP, or files offline).

    The Message-ID is the delivery's idempotency key, so a resend after an interrupted
    worker is recognisable as the same message.
    """
    email = EmailMessage(
        subject=message.subject, body=message.body, from_email=settings.DEFAULT_FROM_EMAIL,
        to=[message.to],
        headers={"Message-ID": f"<{message.idempotency_key}@civicshield>",
                 signing.DELIVERY_HEADER: message.idempotency_key, **message.headers},
        connection=get_connection(fail_silently=False),
    )
    try:
        sent = email.send(fail_silently=False)
    except Exception as error:  # SMTP refusals, DNS, connection refused, timeouts
        raise DeliveryError(f"{type(error).__name__}: {error}") from error
    if not sent:
        raise DeliveryError("the mail backend accepted nothing")


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A webhook answers where it was registered; a redirect is a failure, not a hint."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def send_webhook(*, url: str, secret: str, payload: dict[str, Any], idempotency_key: str,
                 event: str, timestamp: int, timeout: float) -> int:
    """POST the signed JSON payload; return the HTTP status (2xx), else DeliveryError."""
    if not url.startswith(("https://", "http://")):
        raise DeliveryError("only http and https webhooks are supported")
    body = json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()
    request = urllib.request.Request(  # noqa: S310 — scheme checked above
        url, data=body, method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "CivicShield-Webhook/1",
            signing.TIMESTAMP_HEADER: str(timestamp),
            signing.SIGNATURE_HEADER: signing.webhook_signature(secret, timestamp, body),
            signing.DELIVERY_HEADER: idempotency_key,
            signing.EVENT_HEADER: event,
        },
    )
    opener = urllib.request.build_opener(_NoRedirects)
    try:
        with opener.open(request, timeout=timeout) as response:
            status = int(response.status)
    except urllib.error.HTTPError as error:
        raise DeliveryError(f"HTTP {error.code}") from error
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        raise DeliveryError(f"{type(error).__name__}: {getattr(error, 'reason', error)}"
                            ) from error
    if not 200 <= status < 300:
        raise DeliveryError(f"HTTP {status}")
    return status
