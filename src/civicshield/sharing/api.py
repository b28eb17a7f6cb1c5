"""Sharing groups over the API."""

from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.pagination import LimitOffsetPagination, paginate

from civicshield.core.errors import NotFound
from civicshield.directory.selectors import organisation_for
from civicshield.sharing import selectors, services

router = Router(tags=["sharing"])


class SharingGroupOut(Schema):
    slug: str
    name: str
    description: str
    organisations: list[str] | None = Field(
        None, description="Shown to the coordinator and the group's own members only.")


def group_out(viewer: Any, group: Any) -> SharingGroupOut:
    members = (sorted(o.slug for o in group.organisations.all())
               if selectors.may_see_members(viewer, group) else None)
    return SharingGroupOut(slug=group.slug, name=group.name, description=group.description,
                           organisations=members)


class SharingGroupIn(Schema):
    slug: str
    name: str
    description: str = ""
    organisations: list[str] = []


def organisations_from_slugs(viewer: Any, field: str, slugs: list[str]) -> list[Any]:
    """Resolve slugs to organisations, or a ValidationError naming the unknown ones."""
    found, unknown = [], []
    for slug in slugs:
        try:
            found.append(organisation_for(viewer, slug))
        except NotFound:
            unknown.append(slug)
    if unknown:
        raise ValidationError({field: f"Unknown organisations: {', '.join(unknown)}."})
    return found


@router.get("/sharing-groups", response=list[SharingGroupOut])
@paginate(LimitOffsetPagination)
def list_sharing_groups(request: HttpRequest) -> Any:
    return [group_out(request.user, group)
            for group in selectors.sharing_groups_visible_to(request.user)]


@router.post("/sharing-groups", response={201: SharingGroupOut})
def create_sharing_group(request: HttpRequest, payload: SharingGroupIn) -> Any:
    organisations = organisations_from_slugs(request.user, "organisations",
                                             payload.organisations)
    group = services.create_sharing_group(
        actor=request.user, slug=payload.slug, name=payload.name,
        description=payload.description, organisations=organisations)
    return Status(201, group_out(request.user, group))
