"""API schemas of reports (the stable contract in README, "API")."""

from datetime import datetime
from typing import Literal

from ninja import Field, Schema

TLPCode = Literal["clear", "green", "amber", "amber+strict", "red"]


class AudienceSchema(Schema):
    organisations: list[str] = []
    sharing_groups: list[str] = []
    users: list[str] = []


class VictimIn(Schema):
    organisation: str | None = None
    name: str | None = None
    kind: Literal["candidate", "official", "voters", "other"] | None = None
    region: str = ""
    consent: Literal["private", "partners", "public"] = "private"


class VictimOut(Schema):
    id: int | None = Field(None, description="Withheld when the identity is.")
    label: str
    kind: str
    region: str
    identified: bool
    organisation: str | None
    consent: str | None


class ObservableSchema(Schema):
    type: str
    value: str


class ReportIn(Schema):
    title: str
    description: str
    observed_at: datetime
    observed_until: datetime | None = None
    phases: list[str] = []
    information_types: list[str] = []
    techniques: list[str] = []
    outcome: Literal["attempted", "successful", "unknown"] = "unknown"
    severity: int = Field(3, ge=1, le=5)
    confidence: Literal["low", "medium", "high"] = "medium"
    tlp: TLPCode | None = Field(None, description="Default: the sharing agreements' default, "
                                "else amber.")
    audience: AudienceSchema = AudienceSchema()
    disclose_recipients: bool = False
    victims: list[VictimIn] = []
    observables: list[ObservableSchema] = []
    override_reason: str = ""


class ReportPatch(Schema):
    title: str | None = None
    description: str | None = None
    observed_at: datetime | None = None
    observed_until: datetime | None = None
    phases: list[str] | None = None
    information_types: list[str] | None = None
    techniques: list[str] | None = None
    outcome: Literal["attempted", "successful", "unknown"] | None = None
    severity: int | None = Field(None, ge=1, le=5)
    confidence: Literal["low", "medium", "high"] | None = None
    tlp: TLPCode | None = None
    audience: AudienceSchema | None = None
    victims: list[VictimIn] | None = None
    observables: list[ObservableSchema] | None = None
    status: Literal["new", "triaged", "in_assessment", "closed"] | None = None
    closed_reason: str | None = None
    assignee: str | None = None
    override_reason: str = ""


class ReportOut(Schema):
    id: int
    reference: str
    title: str
    description: str
    observed_at: datetime
    observed_until: datetime | None
    source: str
    organisation: str
    phases: list[str]
    information_types: list[str]
    techniques: list[str]
    outcome: str
    severity: int
    confidence: str
    tlp: TLPCode
    audience: AudienceSchema | None = Field(
        None, description="Shown to the owner, or to recipients when the owner chose to.")
    victims: list[VictimOut]
    observables: list[ObservableSchema]
    status: str
    closed_reason: str
    assignee: str | None
    duplicate_of: int | None
    created_at: datetime
    updated_at: datetime


class ObservableMatchOut(Schema):
    type: str
    value: str
    reports: list[int]
