"""Factories for tests: real records made through the same models the services use.

Passwords are hashed once per session (Argon2 is deliberately slow).
"""

from __future__ import annotations

import functools
import itertools
from typing import Any

from django.contrib.auth.hashers import make_password

from civicshield.core.choices import Role
from civicshield.directory.choices import Sector
from civicshield.directory.models import Contact, Organisation, User

PASSWORD = "correct horse battery staple"
_sequence = itertools.count(1)


@functools.cache
def _password_hash() -> str:
    return make_password(PASSWORD)


def make_organisation(**fields: Any) -> Organisation:
    number = next(_sequence)
    defaults: dict[str, Any] = {
        "slug": f"org-{number}", "name": f"Organisation {number}",
        "sector": Sector.CIVIL_SOCIETY, "country": "Veridia",
    }
    return Organisation.objects.create(**{**defaults, **fields})


def make_user(role: str = Role.ANALYST, organisation: Organisation | None = None,
              **fields: Any) -> User:
    number = next(_sequence)
    defaults: dict[str, Any] = {
        "username": f"user{number}", "role": role,
        "organisation": organisation or make_organisation(),
        "password": _password_hash(),
        "is_staff": role == Role.ADMIN, "is_superuser": role == Role.ADMIN,
    }
    return User.objects.create(**{**defaults, **fields})


def make_contact(organisation: Organisation | None = None, **fields: Any) -> Contact:
    number = next(_sequence)
    defaults: dict[str, Any] = {
        "organisation": organisation or make_organisation(),
        "name": f"Contact {number}", "email": f"contact{number}@veridia.example",
    }
    return Contact.objects.create(**{**defaults, **fields})
