"""The demo election: a fictional country, Veridia, and its national election.

Loaded by `civicshield demo` and, once, by `civicshield up`. Never in production.
Every person, party and organisation here is invented.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction

from civicshield.core import audit, authz
from civicshield.core.choices import Surface
from civicshield.correlation.services import correlate_reports
from civicshield.demo import directory as demo_directory
from civicshield.demo import notices as demo_notices
from civicshield.demo import notifications as demo_notifications
from civicshield.demo import panel as demo_panel
from civicshield.demo import reports as demo_reports
from civicshield.readiness.demo import load_demo_election
from civicshield.reports.models import Report
from civicshield.vocab.services import load_builtin_vocabularies

Progress = Callable[[str, int, int], None]

DEMO_PASSWORD = "veridia-demo-2026"  # noqa: S105 — documented demo credential, demo only
DEMO_LOGINS: list[tuple[str, str, str]] = [
    (username, DEMO_PASSWORD, role) for username, role, _ in demo_directory.DEMO_USERS
]


@dataclass(frozen=True)
class DemoSummary:
    loaded: bool  # False when it was already there and nothing changed
    organisations: int
    contacts: int
    users: int
    reports: int


def demo_is_loaded() -> bool:
    return demo_directory.is_loaded()


def load_demo(*, progress: Progress | None = None) -> DemoSummary:
    """Load the demo election once. Idempotent: a second call changes nothing.

    Everything is written in one transaction, so an interrupted load leaves nothing behind.
    """
    if demo_is_loaded():
        return DemoSummary(False, *demo_directory.counts(), Report.objects.count())
    with audit.surface(Surface.CLI), transaction.atomic():
        # The demo's records are tagged with the built-in vocabulary; load it if absent.
        load_builtin_vocabularies(actor=authz.OPERATOR, include_sources=False)
        demo_directory.load(actor=authz.OPERATOR, progress=progress)
        _load_election(progress)
        demo_reports.load(actor=authz.OPERATOR, progress=progress)
        # Correlate now rather than at commit, so the panel's case can start from the campaign.
        correlate_reports(report_ids=list(Report.objects.values_list("pk", flat=True)))
        demo_panel.load(actor=authz.OPERATOR, progress=progress)
        demo_notices.load(actor=authz.OPERATOR, progress=progress)
        demo_notifications.load(actor=authz.OPERATOR, progress=progress)
    return DemoSummary(True, *demo_directory.counts(), Report.objects.count())


def _load_election(progress: Progress | None) -> None:
    if progress:
        progress("election calendar", 0, 1)
    load_demo_election()
    if progress:
        progress("election calendar", 1, 1)
