"""`civicshield demo`: load the demo election (the fictional country of Veridia).

Idempotent: when the demo is already there, nothing changes. Never in production.
"""

from __future__ import annotations

import dataclasses
import importlib
from argparse import ArgumentParser
from types import ModuleType
from typing import Any

from django.conf import settings
from django.core.management.base import OutputWrapper

from civicshield.core.management import CivicShieldCommand, fail, progress_bar


def demo_loader() -> ModuleType | None:
    """The demo package when it provides the loader (`load_demo`, `demo_is_loaded`,
    `DEMO_LOGINS`), else None."""
    module = importlib.import_module("civicshield.demo")
    needed = ("load_demo", "demo_is_loaded", "DEMO_LOGINS")
    return module if all(hasattr(module, name) for name in needed) else None


def load_with_progress(loader: ModuleType, stdout: OutputWrapper) -> Any:
    stdout.write("Loading the demo election (Veridia)…")
    with progress_bar("Loading the demo") as advance:
        summary = loader.load_demo(
            progress=lambda step, done, total: advance(step, completed=done, total=total)
        )
    stdout.write(f"Demo loaded{describe_summary(summary)}.")
    return summary


def describe_summary(summary: Any) -> str:
    """": 12 organisations, 30 contacts" from the summary's counts, if it has any."""
    if not dataclasses.is_dataclass(summary) or isinstance(summary, type):
        return ""
    counts = [f"{value} {name}" for name, value in dataclasses.asdict(summary).items()
              if isinstance(value, int) and not isinstance(value, bool)]
    return ": " + ", ".join(counts) if counts else ""


def write_logins(loader: ModuleType, stdout: OutputWrapper) -> None:
    logins = list(loader.DEMO_LOGINS)
    if not logins:
        return
    stdout.write("Demo sign-ins (fictional accounts, for trying it out):")
    width = max(len(username) for username, _, _ in logins)
    for username, password, role in logins:
        stdout.write(f"  {username:<{width}}  {password}  ({role})")


class Command(CivicShieldCommand):
    help = "Load the demo election (fictional data). Does nothing when it is already loaded."

    def add_arguments(self, parser: ArgumentParser) -> None:
        pass

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION:
            raise fail("The demo is never loaded in production (CIVICSHIELD_ENV=production).")
        loader = demo_loader()
        if loader is None:
            raise fail("The demo loader is not available in this build.")
        if loader.demo_is_loaded():
            self.stdout.write("The demo is already loaded; nothing changed.")
        else:
            load_with_progress(loader, self.stdout)
        write_logins(loader, self.stdout)
