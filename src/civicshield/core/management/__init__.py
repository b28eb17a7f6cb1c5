"""What every `civicshield` subcommand shares: the CLI audit surface and the error edge.

A command subclasses `CivicShieldCommand`: whatever its services write is audited as
coming from the command line, and the domain exceptions they raise become one clear
message on stderr and exit code 2 (CONVENTIONS.md, "Errors").
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TextIO

from django.core.management.base import BaseCommand, CommandError

from civicshield.core.errors import Conflict, NotFound, PermissionDenied, ValidationError

USAGE_ERROR = 2


def describe(error: Exception) -> str:
    """One line per problem, each naming the field it is about: "field: reason"."""
    if isinstance(error, ValidationError):
        if hasattr(error, "error_dict"):
            return "\n".join(
                f"{field}: {message}" if field != "__all__" else message
                for field, messages in error.message_dict.items()
                for message in messages
            )
        return "\n".join(error.messages)
    if isinstance(error, Conflict):
        return f"{error.field}: {error.message}"
    if isinstance(error, NotFound):
        return str(error)
    if isinstance(error, PermissionDenied):
        return str(error) or "permission denied"
    return str(error)


def fail(message: str) -> CommandError:
    """A CommandError that exits with code 2 (bad input or unsafe settings)."""
    return CommandError(message, returncode=USAGE_ERROR)


class CivicShieldCommand(BaseCommand):
    """Base of the `civicshield` subcommands."""

    def execute(self, *args: Any, **options: Any) -> Any:
        from civicshield.core import audit
        from civicshield.core.choices import Surface

        with audit.surface(Surface.CLI):
            try:
                return super().execute(*args, **options)
            except (ValidationError, Conflict, NotFound, PermissionDenied) as error:
                raise fail(describe(error)) from error


@contextmanager
def progress_bar(description: str, *, total: int | None = None) -> Iterator[Any]:
    """A rich progress bar on stderr (stdout may carry data), shown only on a terminal.

    Yields `advance(step: str | None = None, completed: int | None = None,
    total: int | None = None)`.
    """
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    console = Console(file=sys.stderr)
    progress = Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal,
    )
    with progress:
        task = progress.add_task(description, total=total)

        def advance(
            step: str | None = None, completed: int | None = None, total: int | None = None
        ) -> None:
            changes: dict[str, Any] = {}
            if step is not None:
                changes["description"] = step
            if total is not None:
                changes["total"] = total
            if completed is None:
                progress.advance(task)
            else:
                changes["completed"] = completed
            progress.update(task, **changes)

        yield advance


def is_terminal(stream: TextIO) -> bool:
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty and isatty())
    except (ValueError, OSError):
        return False
