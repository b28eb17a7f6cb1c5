"""`civicshield up`: migrate, collect static files, load the demo once, serve.

What `make run` calls. Serves with waitress (a production WSGI server); the
application serves its own static files (WhiteNoise), so no other web server is needed.
"""

from __future__ import annotations

import signal
import subprocess
import sys
from argparse import ArgumentParser, ArgumentTypeError
from contextlib import nullcontext
from types import ModuleType
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command

from civicshield.core.management import CivicShieldCommand, fail
from civicshield.core.management.commands.demo import (
    demo_loader,
    load_with_progress,
    write_logins,
)

THREADS = 8


def port_number(value: str) -> int:
    try:
        port = int(value)
    except ValueError:
        port = -1
    if not 0 <= port <= 65535:
        raise ArgumentTypeError(f"{value!r} is not a port number (0-65535)")
    return port


def unsafe_production_settings() -> list[str]:
    """Why the settings are not fit for production, one reason a line; empty when they are."""
    reasons = []
    if settings.DEBUG:
        reasons.append("DEBUG is on: unset CIVICSHIELD_DEBUG (or set it to 0).")
    try:
        secret_key = settings.SECRET_KEY
    except ImproperlyConfigured:
        secret_key = ""
    if not secret_key:
        reasons.append("CIVICSHIELD_SECRET_KEY is missing: set it to a long random value.")
    if not settings.ALLOWED_HOSTS:
        reasons.append(
            "CIVICSHIELD_ALLOWED_HOSTS is empty: set it to the host names the site answers to."
        )
    return reasons


class Command(CivicShieldCommand):
    help = "Migrate, collect static files, load the demo once (not in production) and serve."
    requires_system_checks = []  # the production settings are checked first, with clearer words

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="Address to listen on.")
        parser.add_argument("--port", type=port_number, default=8000, help="Port to listen on.")
        parser.add_argument("--no-demo", action="store_true", help="Do not load the demo election.")
        parser.add_argument(
            "--threads", type=int, default=THREADS, help=f"Web server threads (default {THREADS})."
        )
        parser.add_argument(
            "--no-worker", action="store_true",
            help="Do not start a background task worker beside the web server "
            "(run `civicshield worker` separately).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION:
            reasons = unsafe_production_settings()
            if reasons:
                raise fail(
                    "Refusing to start in production (CIVICSHIELD_ENV=production):\n  "
                    + "\n  ".join(reasons)
                )
        verbosity = options["verbosity"]
        with self._status("Applying database migrations…"):
            call_command("migrate", interactive=False, verbosity=max(0, verbosity - 1))
        with self._status("Loading the shared vocabularies…"):
            # Idempotent: a release already loaded is recognised by its digest and skipped.
            call_command("load_vocab", verbosity=max(0, verbosity - 1))
        with self._status("Collecting static files…"):
            call_command("collectstatic", interactive=False, verbosity=max(0, verbosity - 1))

        loader = None if settings.PRODUCTION else demo_loader()
        if loader is None and not settings.PRODUCTION and not options["no_demo"]:
            self.stderr.write("The demo loader is not available; starting without the demo.")
        if loader is not None and not options["no_demo"] and not loader.demo_is_loaded():
            load_with_progress(loader, self.stdout)
        if loader is not None and not loader.demo_is_loaded():
            loader = None
        # Stop cleanly on SIGTERM too (service managers, CI), so the worker is stopped with us.
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        worker = None if options["no_worker"] else self._start_worker()
        try:
            self._serve(options["host"], options["port"], options["threads"], loader)
        finally:
            if worker is not None:
                worker.terminate()
                try:
                    worker.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    worker.kill()

    def _start_worker(self) -> subprocess.Popen[bytes]:
        """One task worker beside the web server, so notifications and syncs go out with
        nothing else started. A process of its own: the worker handles signals, which only
        the main thread of a process may do."""
        return subprocess.Popen([sys.executable, "-m", "civicshield.cli", "worker"])

    def _status(self, message: str) -> Any:
        from rich.console import Console

        console = Console(stderr=True)
        return console.status(message) if console.is_terminal else nullcontext()

    def _serve(self, host: str, port: int, threads: int, demo: ModuleType | None) -> None:
        # types-waitress omits this re-export of waitress.server.create_server (tests patch it).
        from waitress import create_server  # type: ignore[attr-defined]

        from civicshield.wsgi import application

        server = create_server(
            application, host=host, port=port, threads=threads, ident="civicshield"
        )
        shown_host = (
            f"[{server.effective_host}]"
            if ":" in str(server.effective_host)
            else server.effective_host
        )
        address = f"http://{shown_host}:{server.effective_port}/"
        self.stdout.write(f"Civic Shield is running at {address}  (Ctrl+C to stop)")
        if demo is not None:
            write_logins(demo, self.stdout)
        self.stdout.flush()
        try:
            # Waitress returns from run() on Ctrl+C or SIGTERM (it catches both itself).
            server.run()
        except (KeyboardInterrupt, SystemExit):
            pass
        finally:
            server.close()
            self.stdout.write("Stopped.")
            self.stdout.flush()
