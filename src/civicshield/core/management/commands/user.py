"""`civicshield user add NAME --org SLUG --role ROLE [--email E]`.

The password is read from standard input when it is not a terminal (one line, e.g.
from a secrets manager); otherwise a strong one is generated and printed once.
"""

from __future__ import annotations

import sys
from argparse import ArgumentParser
from typing import Any

from civicshield.core.authz import OPERATOR
from civicshield.core.choices import Role
from civicshield.core.errors import NotFound, ValidationError
from civicshield.core.management import CivicShieldCommand, fail, is_terminal
from civicshield.directory import selectors, services


class Command(CivicShieldCommand):
    help = "Add a user account to an organisation, with a role."
    stealth_options = ("stdin",)

    def add_arguments(self, parser: ArgumentParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        add = actions.add_parser(
            "add", help="Add an account. Password: one line on stdin, or generated and shown once."
        )
        add.add_argument("username", metavar="NAME", help="The sign-in name.")
        add.add_argument("--org", required=True, metavar="SLUG",
                         help="Slug of the user's organisation.")
        add.add_argument("--role", required=True, metavar="ROLE",
                         help="One of: " + ", ".join(Role.values) + ".")
        add.add_argument("--email", default="", help="Email address.")

    def handle(self, *args: Any, **options: Any) -> None:
        role = options["role"].strip().lower()
        if role not in Role.values:
            raise fail(f"role: unknown role {options['role']!r}; choose one of "
                       + ", ".join(Role.values) + ".")
        try:
            organisation = selectors.organisation_for(OPERATOR, options["org"])
        except NotFound:
            raise fail(f"org: no organisation with the slug {options['org']!r} "
                       "(see `civicshield org list`).") from None
        stdin = options.get("stdin") or sys.stdin
        password = None
        if not is_terminal(stdin):
            password = stdin.readline().rstrip("\r\n") or None
        try:
            new = services.create_user(
                actor=OPERATOR, username=options["username"], organisation=organisation,
                role=role, password=password, email=options["email"],
            )
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                raise
            # Only the password rules raise errors without a field.
            raise fail("\n".join(f"password: {message}" for message in error.messages)) from None
        self.stdout.write(
            f"Added user {new.user.username} ({role}) to {organisation.slug}."
        )
        if role in _second_factor_roles():
            self.stdout.write("This role must set up a second factor (TOTP) at first sign-in.")
        if new.generated_password:
            self.stdout.write("Password (shown only once; store it now):")
            self.stdout.write(new.generated_password)


def _second_factor_roles() -> tuple[str, ...]:
    from django.conf import settings

    return tuple(settings.SECOND_FACTOR_ROLES)
