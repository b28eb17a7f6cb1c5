"""API of the kernel: who am I, and my tokens."""


from datetime import datetime

from django.http import HttpRequest
from ninja import Router, Schema, Status

from civicshield.core import selectors, services

router = Router(tags=["account"])


class MeOut(Schema):
    username: str
    organisation: str | None
    role: str


class TokenOut(Schema):
    id: int
    label: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


@router.get("/me", response=MeOut)
def me(request: HttpRequest) -> MeOut:
    user = request.user
    assert user.is_authenticated  # the API's authentication lets only accounts in
    return MeOut(
        username=user.get_username(),
        organisation=user.organisation.slug if user.organisation else None,
        role=user.role,
    )


@router.get("/tokens", response=list[TokenOut])
def list_tokens(request: HttpRequest) -> list:
    return list(selectors.tokens_of(request.user))


@router.delete("/tokens/{token_id}", response={204: None})
def revoke_token(request: HttpRequest, token_id: int) -> Status:
    services.revoke_token(token_id=token_id, actor=request.user)
    return Status(204, None)
