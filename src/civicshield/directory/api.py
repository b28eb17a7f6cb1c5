"""Directory API: organisations, contacts, who-to-contact. Thin: selectors and services."""


from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from ninja.pagination import LimitOffsetPagination, paginate

from civicshield.directory import selectors, services
from civicshield.directory.choices import Sector
from civicshield.directory.schemas import (
    ContactBrief,
    ContactIn,
    ContactOut,
    ContactPatch,
    OrganisationIn,
    OrganisationOut,
    OrganisationPatch,
    RecommendationOut,
    WhoToContactOut,
)

router = Router(tags=["directory"])


class OrganisationFilters(Schema):
    sector: Sector | None = None
    country: str = ""
    verified: bool | None = None
    q: str = ""


class ContactFilters(Schema):
    q: str = ""
    organisation: str = ""
    topic: str = ""
    phase: str = ""
    include_inactive: bool = False


def _resolve_references(viewer: Any, data: dict[str, Any]) -> dict[str, Any]:
    """Turn the API's slugs and ids into records, with a field-named 404-free error."""
    from django.core.exceptions import ValidationError

    from civicshield.core.errors import NotFound

    resolved = dict(data)
    for field, lookup in (("parent", selectors.organisation_for),
                          ("organisation", selectors.organisation_for),
                          ("escalates_to", selectors.contact_for)):
        if field in resolved and resolved[field] is not None:
            try:
                resolved[field] = lookup(viewer, resolved[field])
            except NotFound:
                raise ValidationError({field: f"“{resolved[field]}” does not exist."}) from None
    return resolved


@router.get("/organisations", response=list[OrganisationOut])
@paginate(LimitOffsetPagination)
def list_organisations(request: HttpRequest, filters: Query[OrganisationFilters]) -> Any:
    return selectors.organisations_visible_to(
        request.user, sector=filters.sector or "", country=filters.country,
        verified=filters.verified, q=filters.q,
    )


@router.post("/organisations", response={201: OrganisationOut})
def create_organisation(request: HttpRequest, payload: OrganisationIn) -> Any:
    data = _resolve_references(request.user, payload.model_dump(exclude_none=True))
    return Status(201, services.create_organisation(actor=request.user, **data))


@router.get("/organisations/{slug}", response=OrganisationOut)
def get_organisation(request: HttpRequest, slug: str) -> Any:
    return selectors.organisation_for(request.user, slug)


@router.patch("/organisations/{slug}", response=OrganisationOut)
def update_organisation(request: HttpRequest, slug: str, payload: OrganisationPatch) -> Any:
    organisation = selectors.organisation_for(request.user, slug)
    changes = payload.model_dump(exclude_unset=True)
    if changes.get("political_leaning", "") is None:
        changes["political_leaning"] = ""
    changes = _resolve_references(request.user, changes)
    return services.update_organisation(actor=request.user, organisation=organisation,
                                        changes=changes)


@router.get("/contacts", response=list[ContactOut])
@paginate(LimitOffsetPagination)
def list_contacts(request: HttpRequest, filters: Query[ContactFilters]) -> Any:
    return selectors.contacts_visible_to(request.user, **filters.model_dump())


@router.post("/contacts", response={201: ContactOut})
def create_contact(request: HttpRequest, payload: ContactIn) -> Any:
    data = _resolve_references(request.user, payload.model_dump(exclude_none=True))
    return Status(201, services.create_contact(actor=request.user, **data))


@router.get("/contacts/{contact_id}", response=ContactOut)
def get_contact(request: HttpRequest, contact_id: int) -> Any:
    return selectors.contact_for(request.user, contact_id)


@router.patch("/contacts/{contact_id}", response=ContactOut)
def update_contact(request: HttpRequest, contact_id: int, payload: ContactPatch) -> Any:
    contact = selectors.contact_for(request.user, contact_id)
    changes = _resolve_references(request.user, payload.model_dump(exclude_unset=True))
    return services.update_contact(actor=request.user, contact=contact, changes=changes)


@router.delete("/contacts/{contact_id}", response={204: None})
def delete_contact(request: HttpRequest, contact_id: int) -> Any:
    contact = selectors.contact_for(request.user, contact_id)
    services.delete_contact(actor=request.user, contact=contact)
    return Status(204, None)


def _brief(contact: Any) -> ContactBrief:
    return ContactBrief(
        id=contact.pk, name=contact.name, organisation=contact.organisation.slug,
        role_title=contact.role_title, escalation_level=contact.escalation_level,
        availability=contact.availability, email=contact.email, phone=contact.phone,
    )


@router.get("/directory/who-to-contact", response=WhoToContactOut)
def who_to_contact(request: HttpRequest, topic: str = "", phase: str = "",
                   region: str = "") -> Any:
    result = selectors.who_to_contact(request.user, topic=topic, phase=phase, region=region)
    items = [
        RecommendationOut(contact=_brief(r.contact), score=r.score, reasons=r.reasons,
                          escalation_chain=[_brief(step) for step in r.chain])
        for r in result.recommendations
    ]
    return WhoToContactOut(topic=result.topic, phase=result.phase, region=result.region,
                           items=items, count=len(items), gaps=result.gaps)
