"""Correlation writes: linking reports, and the analysts' decisions on campaigns.

`correlate_reports` is what other apps call (reports after each change, the STIX importer in
bulk). It runs inline, right after the caller's transaction commits: it reads a bounded
number of postings per report (docs/correlation.md), so one report costs milliseconds and
the result is there when the page reloads — and tests stay deterministic.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civicshield.core import access, audit, authz
from civicshield.core.errors import NotFound
from civicshield.correlation import alerts, campaigns, linking
from civicshield.correlation.choices import CampaignStatus, MembershipState
from civicshield.correlation.conf import correlation_settings
from civicshield.correlation.models import (
    Alert,
    AlertReceipt,
    AllowListEntry,
    Campaign,
    Membership,
)
from civicshield.reports.choices import ObservableType
from civicshield.reports.models import Report

# Reports linked per batch: big enough to share queries, small enough to keep memory flat.
CHUNK = 500


@dataclass
class CorrelationOutcome:
    reports: int = 0
    links_touched: int = 0
    campaigns: list[int] = field(default_factory=list)
    created: list[int] = field(default_factory=list)


def correlate_reports(*, report_ids: Sequence[int]) -> CorrelationOutcome:
    """Link these new or changed reports to the rest, incrementally, and update the campaigns
    around them (their scores and alerts too). Ids of deleted reports are ignored.

    Safe to call again with the same ids: the result is the same. One transaction, one
    audit entry (by the system).
    """
    ids = sorted({int(report_id) for report_id in report_ids})
    outcome = CorrelationOutcome(reports=len(ids))
    if not ids:
        return outcome
    conf = correlation_settings()
    now = timezone.now()
    with transaction.atomic():
        touched: set[int] = set()
        new_pairs: set[tuple[int, int]] = set()
        for start in range(0, len(ids), CHUNK):
            result = linking.link_reports(ids[start:start + CHUNK], conf)
            touched |= result.touched
            new_pairs |= result.new_pairs
        changed, created = campaigns.reconcile(touched, conf)
        # A changed severity or victim changes the score even when no link changed.
        changed |= set(Membership.objects.filter(report_id__in=ids).exclude(
            state=MembershipState.EXCLUDED).values_list("campaign_id", flat=True))
        campaigns.refresh(changed, conf, now, created=created)
        alerts.broker_contact(new_pairs)
        outcome.links_touched = len(touched)
        outcome.campaigns = sorted(changed)
        outcome.created = sorted(created)
        audit.record(actor=None, action="correlation.run", target=None, details={
            "reports": len(ids), "new_links": len(new_pairs),
            "campaigns": outcome.campaigns[:50], "created": outcome.created[:50]})
    return outcome


# --- Analysts' decisions ------------------------------------------------------------------
# Each marks the campaign `decided`: recomputation never merges or dissolves it again.


def _visible_report(actor: Any, report: Report | int) -> Report:
    report_id = report.pk if isinstance(report, Report) else int(report)
    reports = Report.objects.filter(pk=report_id)
    # The command line already holds the database; everyone else acts on what they may see.
    found = (reports if actor is authz.OPERATOR else access.visible_to(actor, reports)).first()
    if found is None:
        raise NotFound("report")
    return found


def _refresh(*campaign_ids: int, created: set[int] | None = None) -> None:
    campaigns.refresh(campaign_ids, correlation_settings(), timezone.now(), created=created)


def confirm_campaign(*, actor: Any, campaign: Campaign, name: str = "") -> Campaign:
    """Mark the campaign confirmed (and name it, when a name is given)."""
    authz.require(actor, "campaign:manage")
    with transaction.atomic():
        campaign.status = CampaignStatus.CONFIRMED
        campaign.decided = True
        if name.strip():
            campaign.name = _checked_name(name)
        campaign.save(update_fields=["status", "decided", "name", "updated_at"])
        audit.record(actor=actor, action="campaign.confirm", target=campaign,
                     details={"name": campaign.name})
    return campaign


def dismiss_campaign(*, actor: Any, campaign: Campaign) -> Campaign:
    """Mark the campaign dismissed: it keeps its reports (so they do not form it again) and
    raises no more alerts."""
    authz.require(actor, "campaign:manage")
    with transaction.atomic():
        campaign.status = CampaignStatus.DISMISSED
        campaign.decided = True
        campaign.save(update_fields=["status", "decided", "updated_at"])
        audit.record(actor=actor, action="campaign.dismiss", target=campaign)
    return campaign


def _checked_name(name: str) -> str:
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("Give the campaign a name.")})
    if len(name) > 200:
        raise ValidationError({"name": _("Keep the name under 200 characters.")})
    return name


def rename_campaign(*, actor: Any, campaign: Campaign, name: str) -> Campaign:
    authz.require(actor, "campaign:manage")
    checked = _checked_name(name)
    with transaction.atomic():
        before = campaign.name
        campaign.name = checked
        campaign.decided = True
        campaign.save(update_fields=["name", "decided", "updated_at"])
        audit.record(actor=actor, action="campaign.rename", target=campaign,
                     details={"from": before, "to": checked})
    return campaign


def merge_campaigns(*, actor: Any, campaign: Campaign, others: Sequence[Campaign]) -> Campaign:
    """Move every report of `others` into `campaign` and delete them; their alerts follow."""
    authz.require(actor, "campaign:manage")
    others = [other for other in others if other.pk != campaign.pk]
    if not others:
        raise ValidationError({"others": _("Choose at least one other campaign to merge.")})
    with transaction.atomic():
        for other in others:
            for membership in Membership.objects.filter(campaign=other):
                if membership.state == MembershipState.EXCLUDED:
                    membership.delete()
                    continue
                # Merging is explicit: a report once excluded from `campaign` comes back.
                Membership.objects.filter(campaign=campaign, report_id=membership.report_id
                                          ).delete()
                membership.campaign = campaign
                membership.save(update_fields=["campaign"])
            Alert.objects.filter(campaign=other).update(campaign=campaign)
            campaign.threshold_crossed = campaign.threshold_crossed or other.threshold_crossed
            other.delete()
        campaign.decided = True
        campaign.save(update_fields=["decided", "threshold_crossed", "updated_at"])
        _refresh(campaign.pk)
        audit.record(actor=actor, action="campaign.merge", target=campaign,
                     details={"merged": [other.pk for other in others]})
    campaign.refresh_from_db()
    return campaign


def split_campaign(*, actor: Any, campaign: Campaign, reports: Sequence[Report | int],
                   name: str = "") -> Campaign:
    """Move `reports` (members the actor may see) into a new campaign, pinned there and
    excluded from this one, so recomputation keeps them apart. Returns the new campaign."""
    authz.require(actor, "campaign:manage")
    chosen = [_visible_report(actor, report) for report in reports]
    members = set(campaigns.member_ids(campaign.pk))
    if not chosen or any(report.pk not in members for report in chosen):
        raise ValidationError({"reports": _("Choose reports of this campaign to split off.")})
    # Judged on the members the actor sees: counting hidden ones would tell they exist.
    seen = members if actor is authz.OPERATOR else set(access.visible_to(
        actor, Report.objects.filter(pk__in=members)).values_list("pk", flat=True))
    if len(chosen) == len(seen):
        raise ValidationError({"reports": _("Leave at least one report in the campaign.")})
    with transaction.atomic():
        split = Campaign.objects.create(name=name.strip()[:200], decided=True)
        for report in chosen:
            Membership.objects.filter(campaign=campaign, report=report).update(
                state=MembershipState.EXCLUDED)
            Membership.objects.create(campaign=split, report=report,
                                      state=MembershipState.PINNED)
        campaign.decided = True
        campaign.save(update_fields=["decided", "updated_at"])
        _refresh(campaign.pk, split.pk, created={split.pk})
        audit.record(actor=actor, action="campaign.split", target=campaign,
                     details={"into": split.pk, "reports": [r.pk for r in chosen]})
    return split


def pin_report(*, actor: Any, campaign: Campaign, report: Report | int) -> Membership:
    """Keep `report` in `campaign` whatever the links say (it leaves any other campaign)."""
    authz.require(actor, "campaign:manage")
    found = _visible_report(actor, report)
    with transaction.atomic():
        before = list(Membership.objects.filter(report=found).exclude(
            state=MembershipState.EXCLUDED).exclude(campaign=campaign)
            .values_list("campaign_id", flat=True))
        Membership.objects.filter(report=found, campaign_id__in=before).delete()
        membership, _created = Membership.objects.update_or_create(
            campaign=campaign, report=found, defaults={"state": MembershipState.PINNED})
        campaign.decided = True
        campaign.save(update_fields=["decided", "updated_at"])
        _refresh(campaign.pk, *before)
        audit.record(actor=actor, action="campaign.pin", target=campaign,
                     details={"report": found.pk, "left": before})
    return membership


def exclude_report(*, actor: Any, campaign: Campaign, report: Report | int) -> Membership:
    """Take `report` out of `campaign` for good: recomputation never puts it back."""
    authz.require(actor, "campaign:manage")
    found = _visible_report(actor, report)
    with transaction.atomic():
        membership, _created = Membership.objects.update_or_create(
            campaign=campaign, report=found, defaults={"state": MembershipState.EXCLUDED})
        campaign.decided = True
        campaign.save(update_fields=["decided", "updated_at"])
        _refresh(campaign.pk)
        audit.record(actor=actor, action="campaign.exclude", target=campaign,
                     details={"report": found.pk})
    return membership


# --- Alerts and the allow list ------------------------------------------------------------


def mark_alerts_read(*, actor: Any, alert_ids: Sequence[int] | None = None) -> int:
    """Mark the actor's own alerts read (all of them without ids); returns how many."""
    authz.require(actor, "alert:view")
    receipts = AlertReceipt.objects.filter(user=actor, read_at__isnull=True)
    if alert_ids is not None:
        receipts = receipts.filter(alert_id__in=list(alert_ids))
    with transaction.atomic():
        count = receipts.update(read_at=timezone.now())
        audit.record(actor=actor, action="alert.read", target=None, details={"count": count})
    return count


def add_to_allow_list(*, actor: Any, value: str, reason: str, type: str = "") -> AllowListEntry:
    """Never correlate on `value` again (of `type`, or of any type); the reports mentioning
    it are re-correlated once the change is committed."""
    from civicshield.reports import observables as observable_rules

    authz.require(actor, "correlation:configure")
    errors: dict[str, list[str]] = {}
    if type and type not in ObservableType.values:
        errors["type"] = [_("Unknown observable type.")]
    canonical = value.strip()
    if type and not errors:
        try:
            canonical = observable_rules.normalise(type, canonical)
        except observable_rules.InvalidObservable as problem:
            errors["value"] = [str(problem)]
    if not canonical:
        errors["value"] = [_("Give a value.")]
    if not reason.strip():
        errors["reason"] = [_("Say why this value is benign.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        entry, _created = AllowListEntry.objects.update_or_create(
            type=type, value=canonical, defaults={"reason": reason.strip(), "added_by": actor
                                                  if getattr(actor, "is_authenticated", False)
                                                  else None})
        mentioned = list(Report.objects.filter(observables__value__iexact=canonical)
                         .values_list("pk", flat=True)[:1000])
        audit.record(actor=actor, action="correlation.allow", target=entry,
                     details={"type": type, "value": canonical})
        transaction.on_commit(lambda: correlate_reports(report_ids=mentioned), robust=True)
    return entry

