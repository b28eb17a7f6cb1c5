"""`civicshield escalate`: the periodic check of notifications, for cron or a loop.

Retries interrupted and due deliveries, escalates unacknowledged notifications past their
deadline up the escalation chain, and sends daily digests. Idempotent: run it as often
as you like, from several machines at once.
"""

from __future__ import annotations

import time
from argparse import ArgumentParser
from typing import Any

from civicshield.comms.notifications import services
from civicshield.core.management import CivicShieldCommand


class Command(CivicShieldCommand):
    help = ("Check notifications: retry due deliveries, escalate unacknowledged ones past "
            "their deadline, send daily digests.")

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--send-now", action="store_true",
                            help="Send due deliveries here instead of queueing them for a "
                                 "worker (for installations without one).")
        parser.add_argument("--every", type=float, default=0,
                            help="Keep running, checking every this many seconds.")

    def handle(self, *args: Any, **options: Any) -> None:
        while True:
            summary = services.run_checks(send_now=options["send_now"])
            if options["verbosity"]:
                self.stdout.write(
                    f"interrupted {summary.interrupted}, due {summary.due}, "
                    f"escalated {summary.escalated}, top of chain {summary.top_of_chain}, "
                    f"digests {summary.digests}")
            if not options["every"]:
                return
            time.sleep(options["every"])
