"""API schemas of the directory (the stable contract in README, "API")."""


from typing import Any

from ninja import Field, Schema
from pydantic import field_validator

from civicshield.directory.choices import Availability, PoliticalLeaning, Sector


class OrganisationOut(Schema):
    slug: str
    name: str
    sector: Sector
    country: str
    region: str
    parent: str | None = Field(None, description="Slug of the parent organisation.")
    website: str
    verified: bool
    political_leaning: PoliticalLeaning | None

    @staticmethod
    def resolve_parent(organisation: Any) -> str | None:
        return organisation.parent.slug if organisation.parent_id else None

    @staticmethod
    def resolve_political_leaning(organisation: Any) -> str | None:
        return organisation.political_leaning or None


class OrganisationPatch(Schema):
    name: str | None = None
    sector: Sector | None = None
    country: str | None = None
    region: str | None = None
    parent: str | None = None
    website: str | None = None
    verified: bool | None = None
    political_leaning: PoliticalLeaning | None = None


class OrganisationIn(OrganisationPatch):
    slug: str
    name: str
    sector: Sector
    country: str


class ContactOut(Schema):
    id: int
    organisation: str
    name: str
    role_title: str
    email: str
    phone: str
    secure_channel: str
    topics: list[str]
    phases: list[str]
    languages: list[str]
    region: str
    availability: Availability
    timezone: str
    escalation_level: int
    escalates_to: int | None
    active: bool

    @staticmethod
    def resolve_organisation(contact: Any) -> str:
        return contact.organisation.slug

    @staticmethod
    def resolve_escalates_to(contact: Any) -> int | None:
        return contact.escalates_to_id


class ContactPatch(Schema):
    organisation: str | None = None
    name: str | None = None
    role_title: str | None = None
    email: str | None = None
    phone: str | None = None
    secure_channel: str | None = None
    topics: list[str] | None = None
    phases: list[str] | None = None
    languages: list[str] | None = None
    region: str | None = None
    availability: Availability | None = None
    timezone: str | None = None
    escalation_level: int | None = Field(None, ge=1, le=3)
    escalates_to: int | None = None
    active: bool | None = None


class ContactIn(ContactPatch):
    organisation: str
    name: str

    @field_validator("name")
    @classmethod
    def _name_not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be blank")
        return value.strip()


class ContactBrief(Schema):
    id: int
    name: str
    organisation: str
    role_title: str
    escalation_level: int
    availability: Availability
    email: str
    phone: str


class RecommendationOut(Schema):
    contact: ContactBrief
    score: int
    reasons: list[str]
    escalation_chain: list[ContactBrief]


class WhoToContactOut(Schema):
    topic: str
    phase: str
    region: str
    items: list[RecommendationOut]
    count: int
    gaps: list[str]
