"""`civicshield load-vocab`: load the built-in vocabularies and the vendored sources.

Idempotent: run it after every `migrate` (a fresh database gets everything; an up-to-date
one is left untouched).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from civicshield.core import audit
from civicshield.core.authz import OPERATOR
from civicshield.core.choices import Surface
from civicshield.vocab import services


class Command(BaseCommand):
    help = "Load the built-in vocabularies (phases, information types, TLP, glossary) and sources."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--builtin-only", action="store_true",
                            help="skip the vendored DISARM, ATT&CK and MISP sources")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            with audit.surface(Surface.CLI):
                results = services.load_builtin_vocabularies(
                    actor=OPERATOR, include_sources=not options["builtin_only"]
                )
        except ValidationError as error:
            raise CommandError("; ".join(error.messages), returncode=2) from None
        for result in results:
            if result.unchanged:
                self.stdout.write(f"{result.vocabulary}: up to date")
            else:
                self.stdout.write(
                    f"{result.vocabulary} {result.label}: {len(result.added)} added, "
                    f"{len(result.changed)} changed, {len(result.deprecated)} deprecated"
                )
