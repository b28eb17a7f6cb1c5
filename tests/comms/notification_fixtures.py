"""Fixtures of the notification tests, loaded with `pytest_plugins`: a party with a chain of
contacts, a coordinating organisation, a frozen clock, a real SMTP server (aiosmtpd) and a
webhook receiver (http.server), both on loopback."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from django.utils import timezone

from civicshield.comms.notifications import clock
from civicshield.core.choices import Role
from civicshield.directory.choices import Availability, EscalationLevel, Sector
from tests.comms.notification_support import (
    CollectingHandler,
    Party,
    Receiver,
    SmtpServer,
    free_port,
    verify_signature,
)
from tests.factories import make_contact, make_organisation, make_user


@pytest.fixture
def coordinator_org() -> Any:
    organisation = make_organisation(slug="centre", name="Coordination Centre",
                                     sector=Sector.GOVERNMENT_AGENCY, is_coordinator=True)
    make_contact(organisation, name="Duty Desk", role_title="Duty analyst",
                 phone="+442079460001", availability=Availability.ROUND_THE_CLOCK,
                 email="duty@centre.example")
    return organisation


@pytest.fixture
def coordinator(coordinator_org: Any) -> Any:
    return make_user(Role.COORDINATOR, coordinator_org)


@pytest.fixture
def party() -> Party:
    organisation = make_organisation(slug="sunrise", name="Sunrise Party",
                                     sector=Sector.POLITICAL_PARTY)
    chair = make_contact(organisation, name="Chair Ilsa Moor", escalation_level=EscalationLevel.
                         SENIOR_OFFICIAL, languages=["es"], email="chair@sunrise.example")
    manager = make_contact(organisation, name="Manager Paul Roe",
                           escalation_level=EscalationLevel.MANAGER, escalates_to=chair,
                           email="manager@sunrise.example")
    analyst = make_contact(organisation, name="Analyst Lea Brun", topics=["phishing"],
                           phases=["campaign"], languages=["de", "fr", "en"],
                           escalates_to=manager, email="lea@sunrise.example")
    other = make_contact(organisation, name="Analyst Tom Vale", topics=["malware"],
                         escalates_to=manager, email="tom@sunrise.example",
                         availability=Availability.ROUND_THE_CLOCK)
    return Party(organisation, analyst, other, manager, chair)


@pytest.fixture
def frozen_clock() -> Iterator[clock.FrozenClock]:
    with clock.frozen(timezone.now()) as frozen:
        yield frozen


@pytest.fixture
def smtp_server(settings: Any) -> Iterator[SmtpServer]:
    """aiosmtpd on 127.0.0.1 and a free port; Django's SMTP backend pointed at it."""
    handler = CollectingHandler()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_TIMEOUT = 5
    settings.DEFAULT_FROM_EMAIL = "Civic Shield <notify@civicshield.example>"
    try:
        yield SmtpServer(port, handler)
    finally:
        controller.stop()


@pytest.fixture
def webhook_receiver() -> Iterator[Receiver]:
    port = free_port()
    receiver = Receiver(url=f"http://127.0.0.1:{port}/hooks/civicshield")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            if receiver.delay:
                time.sleep(receiver.delay)
            receiver.verified.append(verify_signature(receiver.secret, self.headers, body))
            receiver.received.append({"headers": {k.lower(): v for k, v in self.headers.items()},
                                      "payload": json.loads(body)})
            try:
                self.send_response(receiver.answer)
                self.end_headers()
                self.wfile.write(b"{}")
            except (BrokenPipeError, ConnectionResetError):
                pass

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()

