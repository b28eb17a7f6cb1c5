"""Shared fixtures. Tests cannot reach the network (pytest-socket; loopback only)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from civicshield.core.choices import Role
from civicshield.core.services import issue_token
from tests import factories


@pytest.fixture(autouse=True)
def _database_for_every_test(db: Any) -> None:
    """Every test may touch the database; the suite is about a database application."""


@pytest.fixture(autouse=True)
def _fresh_axes(settings: Any) -> None:
    # Lockout state lives in the database, which pytest-django resets per test.
    settings.AXES_ENABLED = True


def login(client: Client, user: Any) -> Client:
    """Sign `user` in through the sign-in page, and the second factor if the role needs it."""
    response = client.post(
        "/accounts/login/", {"username": user.username, "password": factories.PASSWORD}
    )
    assert response.status_code == 302, response.content[:500]
    if user.role in (Role.ADMIN, Role.COORDINATOR, Role.PANEL):
        from django_otp.oath import totp

        device = TOTPDevice.objects.create(user=user, name="test", confirmed=True)
        code = f"{totp(device.bin_key):06d}"
        response = client.post("/app/account/second-factor/", {"code": code})
        assert response.status_code == 302, response.content[:500]
    return client


@pytest.fixture
def client_for() -> Any:
    """`client_for(user)` → a Client signed in as that user."""

    def make(user: Any) -> Client:
        return login(Client(), user)

    return make


@pytest.fixture
def api_client_for() -> Any:
    """`api_client_for(user)` → a Client sending `Authorization: Bearer <token>` for that user."""

    def make(user: Any) -> Client:
        secret = issue_token(user=user, label="test").secret
        return Client(headers={"Authorization": f"Bearer {secret}"})

    return make


@pytest.fixture
def vocabulary() -> None:
    """The built-in vocabularies (phases, information types, TLP, glossary), as on any install."""
    from civicshield.core.authz import OPERATOR
    from civicshield.vocab.services import load_builtin_vocabularies

    load_builtin_vocabularies(actor=OPERATOR, include_sources=False)
