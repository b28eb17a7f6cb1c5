"""API schemas of the expert panel."""

from datetime import datetime

from ninja import Field, Schema


class ThresholdOut(Schema):
    version: int
    text: str
    author: str
    created_at: datetime


class CaseSummaryOut(Schema):
    id: int
    title: str
    status: str
    panel: str
    opened_at: datetime
    decided_at: datetime | None
    outcome: str | None = Field(None, description="Once decided.")
    reports: int
    assessments: int
    declared: bool | None = Field(None, description="Panel members: whether you declared.")
    recused: bool | None = Field(None, description="Panel members: whether you are recused.")


class ReportRefOut(Schema):
    id: int
    reference: str
    title: str
    tlp: str
    organisation: str
    observed_at: datetime


class AssessmentOut(Schema):
    member: str
    meets_threshold: bool
    confidence: str
    rationale: str
    submitted_at: datetime


class BriefingOut(Schema):
    briefed_by: str
    organisation: str | None
    briefed_at: datetime
    content: str


class RecusalOut(Schema):
    member: str
    description: str


class DecisionOut(Schema):
    outcome: str
    finding: str
    decision_rule: str
    majority_fraction: str
    quorum: int
    members_not_recused: int
    votes_meeting: int
    votes_not_meeting: int
    recusals: list[RecusalOut]
    not_assessed: list[str]
    rationale: str
    consulted: str
    decided_by: str
    decided_at: datetime
    threshold_version: int


class TargetsInformedOut(Schema):
    informed_at: datetime
    who_was_informed: str
    how: str


class PartyOfferOut(Schema):
    party: str
    offered_at: datetime | None
    delivered_at: datetime | None
    acknowledged_at: datetime | None
    flag: str | None = Field(None, description="left_out or late")


class BriefingRoundOut(Schema):
    subject: str
    started_at: datetime
    fair: bool
    parties: list[PartyOfferOut]


class CaseOut(Schema):
    id: int
    title: str
    status: str
    summary: str
    panel: str
    threshold: ThresholdOut
    opened_at: datetime
    decided_at: datetime | None
    affected_organisations: list[str]
    reports: list[ReportRefOut] = Field(description="Only the reports you may see.")
    briefings: list[BriefingOut]
    assessments: list[AssessmentOut] | None = Field(
        None, description="Hidden (null) until you submitted your own or the case is decided.")
    recusals: list[RecusalOut]
    decision: DecisionOut | None
    targets_informed: list[TargetsInformedOut]
    party_briefings: list[BriefingRoundOut]
