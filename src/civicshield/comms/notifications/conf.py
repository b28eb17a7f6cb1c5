"""Settings of notifications, with their defaults (settings.CIVICSHIELD_NOTIFICATIONS)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings

DEFAULTS: dict[str, Any] = {
    "ACK_HOURS_BY_SEVERITY": {5: 1, 4: 4, 3: 8, 2: 12, 1: 24},
    "MAX_ATTEMPTS": 5,
    "RETRY_BASE_SECONDS": 60,
    "WEBHOOK_TIMEOUT_SECONDS": 10,
    "CLAIM_LEASE_SECONDS": 600,
    "ACK_LINK_MAX_AGE_DAYS": 7,
    "CHECK_INTERVAL_SECONDS": 60,
}
# Webhook receivers should refuse a signature older than this (docs/notifications.md).
WEBHOOK_REPLAY_WINDOW_SECONDS = 300
# Severity at or above which round-the-clock contacts are told too.
URGENT_SEVERITY = 4


def value(name: str) -> Any:
    configured = getattr(settings, "CIVICSHIELD_NOTIFICATIONS", {}) or {}
    return configured.get(name, DEFAULTS[name])


def ack_window(severity: int) -> timedelta:
    """How long a notification of this severity may wait for an acknowledgement."""
    hours = {int(k): float(v) for k, v in value("ACK_HOURS_BY_SEVERITY").items()}
    return timedelta(hours=hours.get(int(severity), 24))


def retry_delay(attempts: int) -> timedelta:
    """Exponential backoff: base, 2 x base, 4 x base … after the 1st, 2nd, 3rd failed attempt."""
    return timedelta(seconds=float(value("RETRY_BASE_SECONDS")) * 2 ** max(0, attempts - 1))


def base_url() -> str:
    return str(getattr(settings, "CIVICSHIELD_BASE_URL", "http://127.0.0.1:8000")).rstrip("/")
