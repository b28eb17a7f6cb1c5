"""`civicshield import-vocab FILE [FILE ...]`: load vocabulary releases (DISARM, ATT&CK, MISP)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, TextIO, cast

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from civicshield.core import audit
from civicshield.core.authz import OPERATOR
from civicshield.core.choices import Surface
from civicshield.vocab import services
from civicshield.vocab.importers import KINDS


def _message(error: ValidationError) -> str:
    return "; ".join(error.messages)


class Command(BaseCommand):
    help = (
        "Import vocabulary releases: a DISARM master .xlsx or STIX bundle, an ATT&CK STIX "
        "bundle, a MISP taxonomy or galaxy cluster. Re-importing the same release changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="+", type=Path)
        parser.add_argument("--kind", choices=KINDS, default="",
                            help="refuse the file unless it is of this kind")
        parser.add_argument("--release", default="",
                            help="release label, when the file carries no version of its own")

    def handle(self, *args: Any, **options: Any) -> None:
        # The stream itself, not its OutputWrapper: that one ends every write with a newline,
        # which breaks rich's in-place progress bar on a terminal.
        console = Console(file=cast(TextIO, self.stdout._out), highlight=False)
        with audit.surface(Surface.CLI), Progress(
            TextColumn("{task.description}"), BarColumn(), TextColumn("{task.fields[step]}"),
            TimeElapsedColumn(), console=console, transient=True,
        ) as progress:
            for path in options["files"]:
                task = progress.add_task(path.name, total=5, step="reading")

                def advance(step: str, done: int, total: int, task: Any = task) -> None:
                    progress.update(task, completed=done, total=total, step=step)

                try:
                    result = services.import_file(
                        actor=OPERATOR, path=path, kind=options["kind"],
                        label=options["release"], progress=advance,
                    )
                except ValidationError as error:
                    raise CommandError(_message(error), returncode=2) from None
                progress.update(task, completed=5)
                if result.unchanged:
                    console.print(
                        f"{path.name}: {result.vocabulary} is up to date, nothing changed."
                    )
                else:
                    console.print(
                        f"{path.name}: {result.vocabulary} release {result.label}: "
                        f"{len(result.added)} added, {len(result.changed)} changed, "
                        f"{len(result.deprecated)} deprecated."
                    )
