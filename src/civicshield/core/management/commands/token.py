"""`civicshield token issue NAME [--label L]`, `token revoke ID`, `token list NAME`.

An issued token is printed once, alone on the last line, so scripts can take it with
`tail -n 1`; only its SHA-256 digest is stored.
"""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone

from civicshield.core import selectors, services
from civicshield.core.authz import OPERATOR
from civicshield.core.errors import NotFound
from civicshield.core.management import CivicShieldCommand, fail


def _user_named(username: str) -> Any:
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise fail(f"user: no user named {username!r}.")
    return user


class Command(CivicShieldCommand):
    help = "Issue, revoke or list API tokens."

    def add_arguments(self, parser: ArgumentParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        issue = actions.add_parser("issue", help="Issue a token for a user; printed once.")
        issue.add_argument("username", metavar="NAME")
        issue.add_argument("--label", default="", help="What the token is for.")
        revoke = actions.add_parser("revoke", help="Revoke a token by its id.")
        revoke.add_argument("token_id", metavar="ID", type=int)
        listing = actions.add_parser("list", help="List a user's tokens (never their secrets).")
        listing.add_argument("username", metavar="NAME")

    def handle(self, *args: Any, **options: Any) -> None:
        getattr(self, f"_{options['action']}")(options)

    def _issue(self, options: dict[str, Any]) -> None:
        user = _user_named(options["username"])
        if not user.is_active:
            raise fail(f"user: {user.username} is deactivated; a token would not work.")
        issued = services.issue_token(user=user, label=options["label"], actor=OPERATOR)
        self.stdout.write(
            f"Issued token {issued.token.pk} for {user.username}"
            + (f" ({issued.token.label})" if issued.token.label else "")
            + ". It is shown only once; send it as `Authorization: Bearer <token>`:"
        )
        self.stdout.write(issued.secret)

    def _revoke(self, options: dict[str, Any]) -> None:
        asked_at = timezone.now()
        try:
            token = services.revoke_token(token_id=options["token_id"], actor=OPERATOR)
        except NotFound:
            raise fail(f"token: no token with the id {options['token_id']}.") from None
        if token.revoked_at is not None and token.revoked_at < asked_at:
            self.stdout.write(f"Token {token.pk} ({token.prefix}…) was already revoked.")
        else:
            self.stdout.write(f"Revoked token {token.pk} ({token.prefix}…) of {token.user}.")

    def _list(self, options: dict[str, Any]) -> None:
        user = _user_named(options["username"])
        tokens = list(selectors.tokens_of(user))
        if not tokens:
            self.stdout.write(f"{user.username} has no API tokens.")
            return
        for token in tokens:
            state = (f"revoked {token.revoked_at:%Y-%m-%d %H:%M}" if token.revoked_at
                     else "active")
            used = (f"last used {token.last_used_at:%Y-%m-%d %H:%M}" if token.last_used_at
                    else "never used")
            self.stdout.write(
                f"{token.pk:>5}  {token.prefix}…  {token.label or '-'}  "
                f"created {token.created_at:%Y-%m-%d %H:%M}  {used}  {state}"
            )
