"""The audit log: one entry per service write, in the same transaction.

The surface (UI, API, CLI) is set once at the edge — by middleware for web
requests and by the command line entry point — so services only say what they did.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Any

from django.db import models, transaction

from civicshield.core.authz import OPERATOR
from civicshield.core.choices import Surface
from civicshield.core.models import AuditEntry

_current_surface: ContextVar[str] = ContextVar("civicshield_surface", default=Surface.SYSTEM)


class AuditOutsideTransaction(RuntimeError):
    """A service tried to write an audit entry outside its own transaction."""


def current_surface() -> str:
    return _current_surface.get()


@contextlib.contextmanager
def surface(value: str) -> Iterator[None]:
    """Attribute every audit entry written inside the block to `value`."""
    token = _current_surface.set(value)
    try:
        yield
    finally:
        _current_surface.reset(token)


def record(
    *,
    actor: Any,
    action: str,
    target: models.Model | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEntry:
    """Write one audit entry. Must run inside the caller's `transaction.atomic()`.

    `actor` is a user, `authz.OPERATOR` (the command line) or None (the system itself).
    """

    if not transaction.get_connection().in_atomic_block:
        raise AuditOutsideTransaction(f"audit entry for {action!r} written outside a transaction")
    is_user = actor is not None and getattr(actor, "is_authenticated", False)
    organisation = getattr(actor, "organisation", None) if is_user else None
    return AuditEntry.objects.create(
        actor=actor if is_user else None,
        actor_label=(
            actor.get_username() if is_user else "operator" if actor is OPERATOR else "system"
        ),
        organisation_slug=getattr(organisation, "slug", "") or "",
        surface=current_surface(),
        action=action,
        object_type=target._meta.label_lower if target is not None else "",
        object_id=str(target.pk) if target is not None else "",
        object_repr=str(target)[:200] if target is not None else "",
        details=details or {},
    )
