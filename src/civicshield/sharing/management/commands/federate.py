"""`civicshield federate [--peer NAME] [--pull|--push]`: sync with registered peers now.

Runs in the foreground (for cron or by hand); the background task `sync_peer_task`
(queue "federation") does the same for the worker. Only registered, active peers are
contacted.
"""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from civicshield.core.authz import OPERATOR
from civicshield.core.management import CivicShieldCommand, fail


class Command(CivicShieldCommand):
    help = "Pull from and push to the registered federation peers."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--peer", metavar="NAME", help="Only this peer.")
        which = parser.add_mutually_exclusive_group()
        which.add_argument("--pull", action="store_true", help="Only pull.")
        which.add_argument("--push", action="store_true", help="Only push.")

    def handle(self, *args: Any, **options: Any) -> None:
        from civicshield.sharing.federation import services
        from civicshield.sharing.federation.client import PeerUnavailable
        from civicshield.sharing.federation.models import Peer

        peers = Peer.objects.filter(active=True)
        if options["peer"]:
            peers = peers.filter(name=options["peer"])
            if not peers.exists():
                raise fail(f"peer: no active peer named {options['peer']!r}.")
        pull = not options["push"]
        push = not options["pull"]
        failed = False
        for peer in peers:
            try:
                results = services.sync_peer(peer.pk, pull=pull, push=push, actor=OPERATOR)
            except PeerUnavailable as error:
                self.stderr.write(f"{peer.name}: peer unavailable: {error}")
                failed = True
                continue
            for result in results:
                line = (f"{peer.name} {result.direction}: {result.objects} objects, "
                        f"{result.pages} pages, {len(result.rejected)} rejected, "
                        f"{result.skipped} skipped")
                if result.error:
                    failed = True
                    self.stderr.write(f"{line}; error: {result.error}")
                else:
                    self.stdout.write(line)
                # Every object left out, with its reason (the audit entry keeps a summary).
                for item in result.skipped_objects:
                    self.stdout.write(f"  {item}")
        if failed:
            raise fail("some peers could not be synced (see above and the peers page).")
