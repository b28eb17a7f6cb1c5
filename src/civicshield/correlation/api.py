"""Campaigns and related reports over the API. Thin: selectors read through the access layer.

Every count, member list, link and score is of what the caller may see.
"""

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.pagination import LimitOffsetPagination, paginate
from pydantic import ConfigDict

from civicshield.core.api_pagination import SerialisedPage
from civicshield.correlation import selectors
from civicshield.correlation.choices import CampaignStatus

router = Router(tags=["correlation"])


class ScoreOut(Schema):
    score: float
    threshold: float
    crossed: bool
    reports: int
    severity_confidence: float
    evidence: float
    recency: float
    victims: int
    phases: int
    information_types: int
    observable_types: int
    breadth: float


class LinkOut(Schema):
    model_config = ConfigDict(populate_by_name=True)

    from_: int = Field(..., alias="from")
    to: int
    reason: str
    kind: str
    strength: float


class CampaignOut(Schema):
    id: int
    name: str
    status: str
    score: ScoreOut
    threshold_crossed: bool
    reports: list[int]
    links: list[LinkOut]
    first_seen: datetime | None
    last_seen: datetime | None


class CampaignFilters(Schema):
    status: str = ""


def _links(views: list[selectors.LinkView]) -> list[LinkOut]:
    # By alias: a type checker knows the field's name in __init__ only as "from".
    return [LinkOut.model_validate({"from": link.source, "to": link.target,
                                    "reason": link.reason, "kind": link.kind,
                                    "strength": link.strength}) for link in views]


def campaign_out(summary: selectors.CampaignSummary) -> CampaignOut:
    parts = summary.parts
    campaign = summary.campaign
    return CampaignOut(
        id=campaign.pk, name=campaign.name, status=campaign.status,
        score=ScoreOut.model_validate(parts.as_dict()),
        # Of the campaign as the caller may see it: hidden reports add nothing here.
        threshold_crossed=parts.crossed, reports=summary.reports,
        links=_links(summary.links), first_seen=summary.first_seen,
        last_seen=summary.last_seen)


def _campaigns_out(viewer: Any, campaigns: list[Any]) -> list[CampaignOut]:
    """One page of campaigns, serialised with one batch of queries."""
    summaries = selectors.summaries(viewer, campaigns)
    links = selectors.links_between([r for s in summaries for r in s.reports])
    for summary in summaries:
        members = set(summary.reports)
        summary.links = [link for link in links
                         if link.source in members and link.target in members]
    return [campaign_out(summary) for summary in summaries]


@router.get("/campaigns", response=list[CampaignOut], by_alias=True)
@paginate(LimitOffsetPagination)
def list_campaigns(request: HttpRequest, filters: Query[CampaignFilters]) -> Any:
    status = filters.status if filters.status in CampaignStatus.values else ""
    viewer = request.user
    return SerialisedPage(selectors.campaigns_visible_to(viewer, status=status),
                          lambda campaigns: _campaigns_out(viewer, campaigns))


@router.get("/campaigns/{id}", response=CampaignOut, by_alias=True)
def get_campaign(request: HttpRequest, id: int) -> Any:
    campaign = selectors.campaign_for(request.user, id)
    return campaign_out(selectors.campaign_summary(request.user, campaign))


class ReasonOut(Schema):
    kind: str
    reason: str
    strength: float


class RelatedReportOut(Schema):
    id: int
    reference: str
    title: str
    strength: float
    reasons: list[ReasonOut]


class NotCorrelatedOut(Schema):
    type: str
    value: str
    note: str


class RelatedOut(Schema):
    report: int
    campaign: int | None
    related: list[RelatedReportOut]
    not_correlated: list[NotCorrelatedOut]


@router.get("/reports/{id}/related", response=RelatedOut)
def related_reports(request: HttpRequest, id: int) -> Any:
    related = selectors.related_to(request.user, id)
    return RelatedOut(
        report=id, campaign=related.campaign.pk if related.campaign else None,
        related=[RelatedReportOut(
            id=item.report.pk, reference=item.report.reference, title=item.report.title,
            strength=item.strength,
            reasons=[ReasonOut(kind=r.kind, reason=r.reason, strength=r.strength)
                     for r in item.reasons]) for item in related.reports],
        not_correlated=[NotCorrelatedOut(type=o.type, value=o.value, note=o.note)
                        for o in related.not_correlated])
