"""The one authorization front door: `can(actor, action, resource)`.

Every permission in the platform is a row of `PERMISSIONS`: an action named
"<resource>:<verb>" and, per role, the scope in which that role may do it.
Code outside `core` calls `can` or `require`, never the table (ruff TID251).
"""

from __future__ import annotations

from typing import Any, Literal

from civicshield.core.choices import Role
from civicshield.core.errors import PermissionDenied

Scope = Literal["any", "own_organisation"]

_ALL_ROLES: dict[str, Scope] = {role.value: "any" for role in Role}
_MANAGERS: dict[str, Scope] = {Role.ADMIN: "any", Role.COORDINATOR: "any"}

PERMISSIONS: dict[str, dict[str, Scope]] = {
    "directory:view": _ALL_ROLES,
    "vocab:view": _ALL_ROLES,
    "election:view": _ALL_ROLES,
    "organisation:create": _MANAGERS,
    "organisation:change": _MANAGERS,
    "organisation:verify": _MANAGERS,
    "contact:create": {**_MANAGERS, Role.ANALYST: "own_organisation"},
    "contact:change": {**_MANAGERS, Role.ANALYST: "own_organisation"},
    "contact:delete": {**_MANAGERS, Role.ANALYST: "own_organisation"},
    "contact:import": _MANAGERS,
    "contact:export": _MANAGERS,
    "audit:view": _MANAGERS,
    "sharing_group:manage": _MANAGERS,
    "report:create": {**_MANAGERS, Role.ANALYST: "any", Role.CONTRIBUTOR: "any"},
    "report:change": {**_MANAGERS, Role.ANALYST: "own_organisation"},
    "report:triage": {**_MANAGERS, Role.ANALYST: "own_organisation"},
    "report:comment": {**_MANAGERS, Role.ANALYST: "any", Role.CONTRIBUTOR: "any",
                       Role.PANEL: "any"},
    "report:override_agreement": {**_MANAGERS, Role.ANALYST: "own_organisation"},
    "agreement:manage": _MANAGERS,
    "panel:configure": {Role.COORDINATOR: "any"},
    "panel:assess": {Role.PANEL: "any"},
    "panel_case:open": _MANAGERS,
    "panel_case:view": {**_MANAGERS, Role.PANEL: "any"},
    "panel_case:decide": _MANAGERS,
    "panel_case:record": _MANAGERS,
    "notification:send": _MANAGERS,
    "notification:suppress": _MANAGERS,
    "notification:view_board": _MANAGERS,
    "notification:manage_webhooks": {**_MANAGERS, Role.ANALYST: "own_organisation"},
    "token:manage_own": _ALL_ROLES,
    "backoffice:access": {Role.ADMIN: "any"},
    "campaign:view": _ALL_ROLES,
    "campaign:manage": {**_MANAGERS, Role.ANALYST: "any"},
    "correlation:configure": _MANAGERS,
    "alert:view": _ALL_ROLES,
    "notice:draft": _MANAGERS,
    # Approval follows the panel's decision: the coordinator records it.
    "notice:approve": _MANAGERS,
    "notice:publish": _MANAGERS,
    "notice:correct": _MANAGERS,
    "notice:retract": _MANAGERS,
    "method:edit": _MANAGERS,
    "toolkit:edit": _MANAGERS,
}


class _Operator:
    """Whoever runs the `civicshield` command on the server: already trusted with the database."""

    is_authenticated = False
    is_active = True
    pk = None
    organisation = None
    role = None

    def get_username(self) -> str:
        return "operator"

    def __str__(self) -> str:
        return "operator (command line)"


OPERATOR = _Operator()


def _role_allows(role: str, action: str) -> Scope | None:
    try:
        rules = PERMISSIONS[action]
    except KeyError:
        raise ValueError(f"unknown action {action!r}") from None
    return rules.get(role)


def _organisation_of(resource: Any) -> Any:
    if resource is None:
        return None
    # An organisation is its own scope; anything else names the organisation it belongs to.
    if getattr(resource, "_meta", None) is not None and resource._meta.model_name == "organisation":
        return resource
    for attribute in ("organisation", "owner_organisation"):
        organisation = getattr(resource, attribute, None)
        if organisation is not None:
            return organisation
    return None


def _within(actor_organisation: Any, organisation: Any) -> bool:
    """True when `organisation` is the actor's own or one of its sub-organisations."""
    seen: set[int] = set()
    while organisation is not None and organisation.pk not in seen:
        if organisation.pk == actor_organisation.pk:
            return True
        seen.add(organisation.pk)
        organisation = organisation.parent
    return False


def can(actor: Any, action: str, resource: Any = None) -> bool:
    """True when `actor` (a user, possibly anonymous) may do `action` on `resource`.

    Without a resource, says whether the actor may do the action on *some* resource
    (used to show or hide buttons); the resource check follows when one is known.
    """
    if actor is OPERATOR:
        return True
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return False
    scope = _role_allows(actor.role, action)
    if scope is None:
        return False
    if scope == "any" or resource is None:
        return True
    organisation = _organisation_of(resource)
    actor_organisation = getattr(actor, "organisation", None)
    if organisation is None or actor_organisation is None:
        return False
    return _within(actor_organisation, organisation)


def require(actor: Any, action: str, resource: Any = None) -> None:
    """Raise PermissionDenied unless `can(actor, action, resource)`."""
    if not can(actor, action, resource):
        raise PermissionDenied(f"not allowed: {action}")


def needs_second_factor(actor: Any) -> bool:
    from django.conf import settings

    return getattr(actor, "role", None) in settings.SECOND_FACTOR_ROLES
