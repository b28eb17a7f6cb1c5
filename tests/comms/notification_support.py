"""Helpers of the notification tests (their fixtures are in notification_fixtures.py)."""

from __future__ import annotations

import hashlib
import hmac
import socket
import time
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Party:
    organisation: Any
    analyst: Any  # front line: phishing in the campaign phase, French first
    other: Any  # front line for something else
    manager: Any
    chair: Any  # the senior official


# --- A real SMTP server -------------------------------------------------------------------


class CollectingHandler:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.recipients: list[list[str]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        self.recipients.append(list(envelope.rcpt_tos))
        return "250 Message accepted for delivery"


@dataclass
class SmtpServer:
    port: int
    handler: CollectingHandler

    @property
    def messages(self) -> list[EmailMessage]:
        return self.handler.messages

    def body(self, index: int = -1) -> str:
        part = self.messages[index].get_body(preferencelist=("plain",))
        return part.get_content() if part is not None else ""


# --- A webhook receiver -----------------------------------------------------------------


@dataclass
class Receiver:
    url: str
    secret: str = ""
    answer: int = 200
    delay: float = 0.0
    received: list[dict[str, Any]] = field(default_factory=list)
    verified: list[bool] = field(default_factory=list)


def verify_signature(secret: str, headers: Any, body: bytes) -> bool:
    """Written from the documented contract, independently of the code under test."""
    timestamp = headers.get("X-CivicShield-Timestamp", "")
    expected = "v1=" + hmac.new(secret.encode(), timestamp.encode() + b"." + body,
                                hashlib.sha256).hexdigest()
    fresh = timestamp.isdigit() and abs(time.time() - int(timestamp)) <= 300
    return fresh and hmac.compare_digest(expected, headers.get("X-CivicShield-Signature", ""))


