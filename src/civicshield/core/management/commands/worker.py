"""`civicshield worker`: run background tasks (notifications, federation, correlation)."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management import call_command

from civicshield.core.management import CivicShieldCommand


class Command(CivicShieldCommand):
    help = ("Run background tasks from the database queue. Several workers may run at once; "
            "each task is claimed by one of them.")

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--batch", action="store_true",
                            help="Run every outstanding task, then exit.")
        parser.add_argument("--interval", type=float, default=1.0,
                            help="Seconds between polls of the queue (default 1).")

    def handle(self, *args: Any, **options: Any) -> None:
        worker_options: dict[str, Any] = {"interval": options["interval"],
                                          "queue_name": "*",  # every queue of settings.TASKS
                                          "verbosity": options["verbosity"],
                                          "reload": False}
        if options["batch"]:
            worker_options["batch"] = True
        # The database backend has no periodic scheduler: federation syncs chain themselves,
        # and a worker starting (re)starts the chain of any peer left without a pending sync.
        from civicshield.sharing.federation.tasks import ensure_scheduled

        scheduled = ensure_scheduled()
        if scheduled and options["verbosity"] >= 1:
            self.stdout.write(f"Federation: a sync queued for {scheduled} peer(s).")
        call_command("db_worker", **worker_options)
