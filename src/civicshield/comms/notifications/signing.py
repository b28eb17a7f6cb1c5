"""Signed things: the one-click acknowledgement link and the webhook signature.

Acknowledgement links are `django.core.signing` tokens with their own salt, carrying the
recipient, a single-use nonce and an expiry (checked against the injectable clock).

Webhooks are signed with HMAC-SHA256 over `"{timestamp}." + body` with the endpoint's
secret. The secret is not stored: it is derived from SECRET_KEY and the endpoint's random
salt, so the database alone cannot forge a signature (docs/notifications.md).
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime

from django.core import signing
from django.utils.crypto import salted_hmac

ACK_SALT = "civicshield.comms.notification-acknowledgement"
WEBHOOK_SECRET_SALT = "civicshield.comms.webhook-secret"  # noqa: S105 — a salt, not a secret
TIMESTAMP_HEADER = "X-CivicShield-Timestamp"
SIGNATURE_HEADER = "X-CivicShield-Signature"
DELIVERY_HEADER = "X-CivicShield-Delivery"
EVENT_HEADER = "X-CivicShield-Event"


class BadLink(Exception):
    """The link was altered or is not one of ours."""


class ExpiredLink(Exception):
    """The link is genuine but too old."""

    def __init__(self, recipient_id: int) -> None:
        super().__init__("link expired")
        self.recipient_id = recipient_id


@dataclass(frozen=True)
class AckClaim:
    recipient_id: int
    nonce: str


def ack_token(*, recipient_id: int, nonce: str, expires_at: datetime) -> str:
    return signing.dumps({"r": recipient_id, "n": nonce, "e": int(expires_at.timestamp())},
                         salt=ACK_SALT)


def read_ack_token(token: str, *, now: datetime) -> AckClaim:
    """The claim in a genuine, unexpired token; BadLink or ExpiredLink otherwise."""
    try:
        data = signing.loads(token, salt=ACK_SALT)
        recipient_id, nonce, expires = int(data["r"]), str(data["n"]), int(data["e"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise BadLink from None
    if now.timestamp() > expires:
        raise ExpiredLink(recipient_id)
    return AckClaim(recipient_id, nonce)


def webhook_secret(secret_salt: str) -> str:
    """The endpoint's signing secret, derived again whenever it is needed."""
    return "whsec_" + salted_hmac(WEBHOOK_SECRET_SALT, secret_salt,
                                  algorithm="sha256").hexdigest()


def fingerprint(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()[:16]


def webhook_signature(secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return "v1=" + digest.hexdigest()


def verify_webhook(*, secret: str, timestamp: str, signature: str, body: bytes, now: float,
                   tolerance: int = 300) -> bool:
    """What a receiver checks: a fresh timestamp and a matching signature (constant time)."""
    try:
        sent_at = int(timestamp)
    except (TypeError, ValueError):
        return False
    if abs(now - sent_at) > tolerance:
        return False
    return hmac.compare_digest(webhook_signature(secret, sent_at, body), signature or "")
