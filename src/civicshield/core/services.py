"""Writes of the kernel: API tokens and second factors. One transaction and one audit
entry each."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from civicshield.core import audit, authz
from civicshield.core.errors import NotFound
from civicshield.core.models import ApiToken

TOKEN_PREFIX = "cs_"  # noqa: S105 — a marker, not a secret
# Refresh "last used" at most this often, so reads do not each cost a write.
LAST_USED_RESOLUTION = timedelta(minutes=1)


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    secret: str  # shown once, never stored


def digest_of(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def issue_token(*, user: Any, label: str = "", actor: Any = None) -> IssuedToken:
    """Create an API token for `user`. The returned secret is the only copy."""
    if actor is not None and actor != user:
        authz.require(actor, "backoffice:access")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user, label=label[:100], prefix=secret[:10], digest=digest_of(secret)
        )
        audit.record(actor=actor or user, action="token.issue", target=token,
                     details={"user": user.get_username(), "label": label})
    return IssuedToken(token=token, secret=secret)


def revoke_token(*, token_id: int, actor: Any) -> ApiToken:
    """Revoke one of the actor's tokens (an admin may revoke anyone's)."""
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().filter(pk=token_id).first()
        may_revoke = token is not None and (
            token.user_id == actor.pk or authz.can(actor, "backoffice:access")
        )
        if token is None or not may_revoke:
            raise NotFound("token")
        if token.revoked_at is None:
            token.revoked_at = timezone.now()
            token.save(update_fields=["revoked_at"])
            audit.record(actor=actor, action="token.revoke", target=token)
    return token


def user_for_token(secret: str) -> Any | None:
    """The active user holding this unrevoked token, or None. Notes the time of use."""
    if not secret.startswith(TOKEN_PREFIX):
        return None
    token = (
        ApiToken.objects.select_related("user", "user__organisation")
        .filter(digest=digest_of(secret), revoked_at__isnull=True)
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        # A usage timestamp, not a business change: no audit entry.
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


# --- Second factor (TOTP) -----------------------------------------------------------------


def second_factor_device(*, user: Any) -> Any:
    """The user's TOTP device: the confirmed one, else the one being enrolled, else a new
    one (its secret is shown once as a QR code). The user's row is locked while looking, so
    two sign-in pages at once enrol one device, not two."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from civicshield.directory.models import User

    devices = TOTPDevice.objects.filter(user=user)
    device = devices.filter(confirmed=True).first() or devices.filter(confirmed=False).first()
    if device is not None:
        return device
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=user.pk).exists()
        device = devices.order_by("-confirmed").first()
        if device is None:
            device = TOTPDevice.objects.create(user=user, name="authenticator",
                                               confirmed=False)
            audit.record(actor=user, action="second_factor.start", target=device)
    return device


def confirm_second_factor(*, user: Any, device: Any) -> None:
    """Mark the device enrolled once its first code was verified."""
    if device.confirmed:
        return
    with transaction.atomic():
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        audit.record(actor=user, action="second_factor.enrol", target=device)
