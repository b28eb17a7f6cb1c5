"""Peer tokens sealed at rest with Fernet (the `cryptography` library), keyed from SECRET_KEY.

A database dump alone does not reveal a peer's token; rotating SECRET_KEY makes sealed
tokens unreadable (re-enter them on the peers page).
"""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

_PREFIX = "v2:"


def _fernet() -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
               info=b"civicshield.federation.peer-token").derive(settings.SECRET_KEY.encode())
    return Fernet(base64.urlsafe_b64encode(key))


def seal(secret: str) -> str:
    if not secret:
        return ""
    return _PREFIX + _fernet().encrypt(secret.encode()).decode()


class UnreadableSecret(ValueError):
    """The sealed value was tampered with or sealed under another SECRET_KEY."""


def unseal(sealed: str) -> str:
    if not sealed:
        return ""
    if not sealed.startswith(_PREFIX):
        raise UnreadableSecret("unknown format")
    try:
        return _fernet().decrypt(sealed[len(_PREFIX):].encode()).decode()
    except InvalidToken:
        raise UnreadableSecret("the token cannot be read (SECRET_KEY changed?)") from None
