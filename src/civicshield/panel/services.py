"""Every write of the expert panel: one transaction and one audit entry per action.

The pages, the API, the command line and the demo all call these functions, so the rules
— declare before reading, recusal, independent assessments, quorum, the decision rule, and
a history that is read-only once decided — hold whichever door a change comes through.

Errors: `PermissionDenied` when the actor may not do it at all, `ValidationError` (naming
the field) when the input or the state of the case forbids it, `Conflict` when the record
exists already and is read-only (a second declaration, assessment or decision).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextvars import ContextVar
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civicshield.core import audit, authz
from civicshield.core.choices import Role
from civicshield.core.errors import Conflict, FieldErrors, PermissionDenied
from civicshield.directory.choices import Sector
from civicshield.panel.choices import (
    ANNOUNCEABLE_FINDINGS,
    CaseStatus,
    Confidence,
    DecisionRule,
    Finding,
    Outcome,
)
from civicshield.panel.models import (
    Assessment,
    Briefing,
    ConflictDeclaration,
    Decision,
    Panel,
    PanelCase,
    PartyBriefing,
    PartyBriefingRound,
    TargetsInformed,
    ThresholdVersion,
)
from civicshield.panel.selectors import tally_of

# Clock skew tolerated on times that partners give (when a briefing took place, say).
FUTURE_TOLERANCE = timedelta(minutes=10)

_clock: ContextVar[Callable[[], datetime] | None] = ContextVar("panel_clock", default=None)


def now() -> datetime:
    """The time the panel's records are written at (see `recorded_at`)."""
    clock = _clock.get()
    return clock() if clock is not None else timezone.now()


@contextlib.contextmanager
def recorded_at(moment: datetime) -> Iterator[None]:
    """Write the records made inside the block as of `moment`.

    For replaying a history that happened elsewhere (the demo) and for tests with a fixed
    clock; no page or endpoint uses it. Audit entries keep the real time of writing.
    """
    token = _clock.set(lambda: moment)
    try:
        yield
    finally:
        _clock.reset(token)


def _label(actor: Any) -> str:
    if getattr(actor, "is_authenticated", False):
        return actor.get_username()
    return "operator" if actor is authz.OPERATOR else "system"


def _user(actor: Any) -> Any:
    """The account to store as author (None for the command line)."""
    return actor if getattr(actor, "is_authenticated", False) else None


def _not_in_future(errors: FieldErrors, name: str, moment: datetime | None) -> None:
    if moment is not None and moment > now() + FUTURE_TOLERANCE:
        errors.add(name, _("This is in the future."))


def _require_open(case: PanelCase) -> None:
    if case.status != CaseStatus.OPEN:
        raise ValidationError({"case": _("This case is decided: its history is read-only.")})


def _lock(case: PanelCase) -> PanelCase:
    """Re-read the case under a row lock, so two decisions cannot race."""
    locked = PanelCase.objects.select_for_update().select_related("panel").get(pk=case.pk)
    case.status, case.decided_at = locked.status, locked.decided_at
    return locked


# --- The panel and its rules ------------------------------------------------------------


def _check_members(errors: FieldErrors, members: Iterable[Any]) -> list[Any]:
    chosen = list(members)
    wrong = [m.get_username() for m in chosen if m.role != Role.PANEL or not m.is_active]
    if wrong:
        errors.add("members", _("Only active accounts with the expert panel member role may "
                                "sit on the panel: %(names)s.") % {"names": ", ".join(wrong)})
    return chosen


def _check_rules(errors: FieldErrors, quorum: Any, decision_rule: Any, majority_fraction: Any,
                 briefing_tolerance: Any) -> Decimal | None:
    if not isinstance(quorum, int) or quorum < 1:
        errors.add("quorum", _("The quorum is a whole number, at least 1."))
    if decision_rule not in DecisionRule.values:
        errors.add("decision_rule", _("Unknown decision rule."))
    fraction: Decimal | None = None
    try:
        fraction = Decimal(str(majority_fraction)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        errors.add("majority_fraction", _("Give a share such as 0.50 or 0.67."))
    if fraction is not None and not Decimal("0.50") <= fraction < Decimal("1.00"):
        errors.add("majority_fraction", _("The share is at least 0.50 and less than 1."))
    if not isinstance(briefing_tolerance, timedelta) or briefing_tolerance < timedelta(0):
        errors.add("briefing_tolerance", _("Give a duration of zero or more."))
    return fraction


def create_panel(
    *, actor: Any, name: str, threshold: str, members: Iterable[Any] = (), quorum: int = 3,
    decision_rule: str = DecisionRule.CONSENSUS, majority_fraction: Any = Decimal("0.50"),
    briefing_tolerance: timedelta = timedelta(hours=1),
) -> Panel:
    """Create a panel with the first version of its written threshold. Coordinator only."""
    authz.require(actor, "panel:configure")
    errors = FieldErrors()
    if not name.strip():
        errors.add("name", _("Give the panel a name."))
    if not threshold.strip():
        errors.add("threshold", _("Write the threshold in plain words."))
    chosen = _check_members(errors, members)
    fraction = _check_rules(errors, quorum, decision_rule, majority_fraction, briefing_tolerance)
    errors.raise_if_any()
    assert fraction is not None  # refused above
    with transaction.atomic():
        panel = Panel.objects.create(
            name=name.strip(), quorum=quorum, decision_rule=decision_rule,
            majority_fraction=fraction, briefing_tolerance=briefing_tolerance,
            created_at=now())
        panel.members.set(chosen)
        version = ThresholdVersion.objects.create(
            panel=panel, number=1, text=threshold.strip(), author=_user(actor),
            author_label=_label(actor), created_at=now())
        audit.record(actor=actor, action="panel.create", target=panel, details={
            "members": sorted(m.get_username() for m in chosen), "quorum": quorum,
            "decision_rule": decision_rule, "majority_fraction": str(fraction),
            "threshold_version": version.number})
    return panel


_RULE_FIELDS = ("name", "quorum", "decision_rule", "majority_fraction", "briefing_tolerance")


def update_panel(*, actor: Any, panel: Panel, changes: Mapping[str, Any]) -> Panel:
    """Change the panel's name, members, quorum, decision rule or briefing tolerance.

    Decisions already taken keep the rule they were taken under (it is copied into each).
    """
    authz.require(actor, "panel:configure")
    unknown = sorted(set(changes) - {*_RULE_FIELDS, "members"})
    if unknown:
        raise ValidationError({name: [_("Unknown field.")] for name in unknown})
    errors = FieldErrors()
    merged = {name: changes.get(name, getattr(panel, name)) for name in _RULE_FIELDS}
    if not str(merged["name"]).strip():
        errors.add("name", _("Give the panel a name."))
    members = _check_members(errors, changes["members"]) if "members" in changes else None
    merged["majority_fraction"] = _check_rules(
        errors, merged["quorum"], merged["decision_rule"], merged["majority_fraction"],
        merged["briefing_tolerance"])
    errors.raise_if_any()
    details: dict[str, Any] = {}
    for name in _RULE_FIELDS:
        if merged[name] != getattr(panel, name):
            details[name] = {"from": str(getattr(panel, name)), "to": str(merged[name])}
            setattr(panel, name, merged[name])
    with transaction.atomic():
        panel.save()
        if members is not None:
            before = sorted(m.get_username() for m in panel.members.all())
            after = sorted(m.get_username() for m in members)
            if before != after:
                panel.members.set(members)
                details["members"] = {"from": before, "to": after}
        audit.record(actor=actor, action="panel.update", target=panel, details=details)
    return panel


def change_threshold(*, actor: Any, panel: Panel, text: str) -> ThresholdVersion:
    """Write a new version of the threshold. Earlier versions stay, with their author;
    open cases keep the version they were opened under. Coordinator only."""
    authz.require(actor, "panel:configure")
    text = text.strip()
    current = panel.thresholds.order_by("-number").first()
    if not text:
        raise ValidationError({"text": _("Write the threshold in plain words.")})
    if current is not None and current.text == text:
        raise ValidationError({"text": _("This is the current threshold already.")})
    with transaction.atomic():
        version = ThresholdVersion.objects.create(
            panel=panel, number=(current.number if current else 0) + 1, text=text,
            author=_user(actor), author_label=_label(actor), created_at=now())
        audit.record(actor=actor, action="panel.threshold", target=panel,
                     details={"version": version.number})
    return version


# --- Cases --------------------------------------------------------------------------------


def _campaign_reports(actor: Any, campaign: Any) -> list[Any]:
    """The campaign's reports that the coordinator may see (through correlation)."""
    if campaign is None:
        return []
    from civicshield.correlation import selectors as correlation_selectors
    from civicshield.reports import selectors as report_selectors

    report_ids = correlation_selectors.campaign_summary(actor, campaign).reports
    return report_selectors.reports_by_ids(actor, list(report_ids))


def open_case(
    *, actor: Any, panel: Panel, title: str, summary: str, reports: Sequence[Any] = (),
    affected_organisations: Iterable[Any] = (), campaign: Any = None,
) -> PanelCase:
    """Put a matter to the panel, from a campaign or from one or more reports the
    coordinator can see (a campaign's visible reports join those given).

    The case is judged against the threshold version current now, whatever changes later.
    """
    authz.require(actor, "panel_case:open")
    errors = FieldErrors()
    if not title.strip():
        errors.add("title", _("Give the case a title."))
    if not summary.strip():
        errors.add("summary", _("Write the summary the panel will read."))
    chosen = list(dict.fromkeys([*reports, *_campaign_reports(actor, campaign)]))
    if not chosen:
        errors.add("reports", _("Choose at least one report."))
    elif actor is not authz.OPERATOR:
        from civicshield.reports import selectors as report_selectors

        # Only reports the coordinator may see can be put to the panel.
        seen = {r.pk for r in report_selectors.reports_by_ids(actor, [r.pk for r in chosen])}
        if len(seen) != len(chosen):
            errors.add("reports", _("Some of these reports do not exist or you cannot see "
                                    "them."))
    threshold = panel.thresholds.order_by("-number").first()
    if threshold is None:
        errors.add("panel", _("The panel has no written threshold yet."))
    errors.raise_if_any()
    assert threshold is not None  # refused above
    affected = list(affected_organisations)
    with transaction.atomic():
        case = PanelCase.objects.create(
            panel=panel, title=title.strip(), summary=summary.strip(), campaign=campaign,
            threshold_version=threshold, opened_by=_user(actor), opened_at=now())
        case.reports.set(chosen)
        case.affected_organisations.set(affected)
        audit.record(actor=actor, action="panel_case.open", target=case, details={
            "panel": panel.pk, "reports": sorted(r.pk for r in chosen),
            "campaign": getattr(campaign, "pk", None),
            "affected": sorted(o.slug for o in affected),
            "threshold_version": threshold.number if threshold else None})
    return case


def update_summary(*, actor: Any, case: PanelCase, summary: str) -> PanelCase:
    """Rewrite the summary the panel reads, while the case is open."""
    authz.require(actor, "panel_case:open")
    if not summary.strip():
        raise ValidationError({"summary": _("Write the summary the panel will read.")})
    with transaction.atomic():
        case = _lock(case)
        _require_open(case)
        before = case.summary
        case.summary = summary.strip()
        case.save(update_fields=["summary"])
        audit.record(actor=actor, action="panel_case.summary", target=case,
                     details={"previous": before})
    return case


def _require_member(actor: Any, case: PanelCase) -> None:
    authz.require(actor, "panel:assess")
    if not case.panel.members.filter(pk=actor.pk).exists():
        raise PermissionDenied(_("You do not sit on this case's panel."))


def declare_conflict(
    *, actor: Any, case: PanelCase, has_conflict: bool, description: str = "",
) -> ConflictDeclaration:
    """The member's declaration, required before they may read the case.

    A declared conflict recuses them from this case: no reading, no assessment, and they
    do not count towards the quorum. Written once.
    """
    _require_member(actor, case)
    if has_conflict and not description.strip():
        raise ValidationError({"description": _("Say what the conflict is (for example: "
                                                "advises an affected party).")})
    with transaction.atomic():
        case = _lock(case)
        _require_open(case)
        if ConflictDeclaration.objects.filter(case=case, member=actor).exists():
            raise Conflict("declaration", _("You have declared on this case already; a "
                                            "declaration cannot be changed."))
        declaration = ConflictDeclaration.objects.create(
            case=case, member=actor, has_conflict=has_conflict,
            description=description.strip(), declared_at=now())
        audit.record(actor=actor, action="panel_case.declare", target=case,
                     details={"has_conflict": has_conflict, "recused": has_conflict})
    return declaration


def record_assessment(
    *, actor: Any, case: PanelCase, meets_threshold: bool, confidence: str, rationale: str,
) -> Assessment:
    """The member's own assessment against the case's threshold version. Written once."""
    _require_member(actor, case)
    errors = FieldErrors()
    if confidence not in Confidence.values:
        errors.add("confidence", _("Choose low, medium or high."))
    if not rationale.strip():
        errors.add("rationale", _("Give your reasons."))
    errors.raise_if_any()
    with transaction.atomic():
        case = _lock(case)
        _require_open(case)
        declaration = ConflictDeclaration.objects.filter(case=case, member=actor).first()
        if declaration is None:
            raise PermissionDenied(_("Declare any conflict of interest first."))
        if declaration.has_conflict:
            raise PermissionDenied(_("You are recused from this case."))
        if Assessment.objects.filter(case=case, member=actor).exists():
            raise Conflict("assessment", _("You have assessed this case already; an "
                                           "assessment cannot be changed."))
        assessment = Assessment.objects.create(
            case=case, member=actor, meets_threshold=meets_threshold, confidence=confidence,
            rationale=rationale.strip(), submitted_at=now())
        audit.record(actor=actor, action="panel_case.assess", target=case, details={
            "meets_threshold": meets_threshold, "confidence": confidence})
    return assessment


def decide(
    *, actor: Any, case: PanelCase, outcome: str, rationale: str, consulted: str,
) -> Decision:
    """Record the panel's decision, once quorum is met under the decision rule.

    Refused (ValidationError) while quorum is not met, when too many members are recused
    for it ever to be met, and for a public notice unless the finding is that the
    threshold is met (no agreement, no announcement). A second decision is a Conflict.
    Afterwards the case and its history are read-only.
    """
    authz.require(actor, "panel_case:decide")
    errors = FieldErrors()
    if outcome not in Outcome.values:
        errors.add("outcome", _("Unknown outcome."))
    if not rationale.strip():
        errors.add("rationale", _("Give the reasons for the decision."))
    if not consulted.strip():
        errors.add("consulted", _("Say who was consulted (or that no one was)."))
    errors.raise_if_any()
    given = case
    with transaction.atomic():
        case = _lock(case)
        if case.status != CaseStatus.OPEN or Decision.objects.filter(case=case).exists():
            raise Conflict("decision", _("This case is decided already; a decision cannot "
                                         "be changed."))
        tally = tally_of(case)
        finding = tally.finding  # None while the panel cannot decide
        if finding is None:
            raise ValidationError({"__all__": tally.why_not()})
        if outcome == Outcome.PUBLIC_NOTICE and finding not in ANNOUNCEABLE_FINDINGS:
            raise ValidationError({"outcome": _(
                "No agreement that the threshold is met, so no announcement: the outcome "
                "cannot be a public notice (finding: %(finding)s).") % {
                "finding": Finding(finding).label}})
        recusals = list(ConflictDeclaration.objects.filter(case=case, has_conflict=True)
                        .select_related("member").order_by("declared_at", "id"))
        assessed = set(Assessment.objects.filter(case=case).values_list("member_id", flat=True))
        recused_ids = {d.member_id for d in recusals}
        not_assessed = sorted(m.get_username() for m in case.panel.members.all()
                              if m.pk not in assessed and m.pk not in recused_ids)
        moment = now()
        decision = Decision.objects.create(
            case=case, outcome=outcome, finding=finding, decision_rule=tally.rule,
            majority_fraction=tally.majority_fraction, quorum=tally.quorum,
            threshold_version_id=case.threshold_version_id,
            members_not_recused=tally.members_not_recused,
            votes_meeting=tally.votes_meeting, votes_not_meeting=tally.votes_not_meeting,
            recusals=[{"member": d.member.get_username(), "description": d.description}
                      for d in recusals],
            not_assessed=not_assessed, rationale=rationale.strip(),
            consulted=consulted.strip(), decided_by=_user(actor),
            decided_by_label=_label(actor), decided_at=moment)
        case.status, case.decided_at = CaseStatus.DECIDED, moment
        case.save(update_fields=["status", "decided_at"])
        given.status, given.decided_at = case.status, case.decided_at
        audit.record(actor=actor, action="panel_case.decide", target=case, details={
            "outcome": outcome, "finding": finding, "rule": tally.rule,
            "quorum": tally.quorum, "meets": tally.votes_meeting,
            "does_not_meet": tally.votes_not_meeting,
            "recused": [r["member"] for r in decision.recusals]})
        if outcome == Outcome.PUBLIC_NOTICE:
            _draft_notice(actor, case)
            given.notice_slug = case.notice_slug
    return decision


def _draft_notice(actor: Any, case: PanelCase) -> None:
    """Start the public notice through comms (its own audit entry). A refusal there — no
    right to draft, no coordinating organisation — leaves the decision standing; the case
    page then offers to draft it again (`draft_public_notice`)."""
    from civicshield.comms.services import create_notice_draft

    try:
        with transaction.atomic():
            notice = create_notice_draft(
                actor=actor, headline=case.title[:200], what_happened=case.summary,
                decision_reference=f"panel case {case.pk}")
    except (ValidationError, PermissionDenied, Conflict):
        return
    case.notice_slug = notice.slug
    case.save(update_fields=["notice_slug"])


def draft_public_notice(*, actor: Any, case: PanelCase) -> str:
    """Start the public notice of a case decided "public notice", if none was started.

    Returns the notice's slug. The draft starts from the case's title and summary, which
    the coordinator rewrites for the public before the plain-language check and approval.
    """
    authz.require(actor, "panel_case:decide")
    decision = Decision.objects.filter(case=case).first()
    if decision is None or decision.outcome != Outcome.PUBLIC_NOTICE:
        raise ValidationError({"case": _("Only a case decided “public notice” has a notice.")})
    if case.notice_slug:
        raise Conflict("notice", _("The notice of this case is drafted already."))
    from civicshield.comms.services import create_notice_draft

    with transaction.atomic():
        notice = create_notice_draft(
            actor=actor, headline=case.title[:200], what_happened=case.summary,
            decision_reference=f"panel case {case.pk}")
        case.notice_slug = notice.slug
        case.save(update_fields=["notice_slug"])
    return notice.slug


# --- The record around a case: briefings received, targets informed ----------------------


def record_briefing(
    *, actor: Any, case: PanelCase, briefed_by: str, briefed_at: datetime, content: str,
    organisation: Any = None,
) -> Briefing:
    """Record a briefing the panel received (who, when, what), while the case is open."""
    authz.require(actor, "panel_case:record")
    errors = FieldErrors()
    if not briefed_by.strip():
        errors.add("briefed_by", _("Say who briefed the panel."))
    if not content.strip():
        errors.add("content", _("Say what the panel was told."))
    _not_in_future(errors, "briefed_at", briefed_at)
    errors.raise_if_any()
    with transaction.atomic():
        case = _lock(case)
        _require_open(case)
        briefing = Briefing.objects.create(
            case=case, briefed_by=briefed_by.strip(), organisation=organisation,
            briefed_at=briefed_at, content=content.strip(), recorded_by=_user(actor),
            recorded_at=now())
        audit.record(actor=actor, action="panel_case.briefing", target=case, details={
            "briefed_by": briefing.briefed_by, "briefed_at": briefed_at.isoformat()})
    return briefing


def record_targets_informed(
    *, actor: Any, case: PanelCase, who_was_informed: str, how: str = "",
    informed_at: datetime | None = None,
) -> TargetsInformed:
    """Record that the known targets were informed (before anything is published).

    Only a record: the notification itself goes through the notification mechanism.
    """
    authz.require(actor, "panel_case:record")
    errors = FieldErrors()
    if not who_was_informed.strip():
        errors.add("who_was_informed", _("Say who was informed."))
    _not_in_future(errors, "informed_at", informed_at)
    errors.raise_if_any()
    with transaction.atomic():
        step = TargetsInformed.objects.create(
            case=case, informed_at=informed_at or now(), who_was_informed=who_was_informed.strip(),
            how=how.strip(), recorded_by=_user(actor), recorded_at=now())
        audit.record(actor=actor, action="panel_case.targets_informed", target=case,
                     details={"informed_at": step.informed_at.isoformat()})
    return step


# --- Briefings offered to every registered party -------------------------------------------


def _check_parties(errors: FieldErrors, parties: Iterable[Any]) -> list[Any]:
    chosen = list(dict.fromkeys(parties))
    wrong = [p.slug for p in chosen if p.sector != Sector.POLITICAL_PARTY]
    if wrong:
        errors.add("parties", _("Not registered political parties: %(slugs)s.") % {
            "slugs": ", ".join(wrong)})
    return chosen


def start_party_briefing_round(
    *, actor: Any, case: PanelCase, subject: str, parties: Iterable[Any] | None = None,
    offered_at: datetime | None = None,
) -> PartyBriefingRound:
    """Offer a briefing about the case to the registered political parties.

    Without `parties`, it is offered to every registered party at once — the fair default.
    Parties added later with `offer_party_briefing` show in the fairness view as late.
    """
    from civicshield.directory.selectors import organisations_visible_to

    authz.require(actor, "panel_case:record")
    errors = FieldErrors()
    if not subject.strip():
        errors.add("subject", _("Say what the briefing is about."))
    _not_in_future(errors, "offered_at", offered_at)
    if parties is None:
        chosen = list(organisations_visible_to(authz.OPERATOR, sector=Sector.POLITICAL_PARTY))
    else:
        chosen = _check_parties(errors, parties)
    errors.raise_if_any()
    moment = offered_at or now()
    with transaction.atomic():
        briefing_round = PartyBriefingRound.objects.create(
            case=case, subject=subject.strip(), started_by=_user(actor), started_at=now())
        PartyBriefing.objects.bulk_create([
            PartyBriefing(briefing_round=briefing_round, party=party, offered_at=moment,
                          offered_by=_user(actor)) for party in chosen])
        audit.record(actor=actor, action="panel_case.party_briefing_round", target=case,
                     details={"round": briefing_round.pk,
                              "parties": sorted(p.slug for p in chosen),
                              "offered_at": moment.isoformat()})
    return briefing_round


def offer_party_briefing(
    *, actor: Any, briefing_round: PartyBriefingRound, party: Any,
    offered_at: datetime | None = None,
) -> PartyBriefing:
    """Offer a round's briefing to one more party (one left out, or newly registered)."""
    authz.require(actor, "panel_case:record")
    errors = FieldErrors()
    _check_parties(errors, [party])
    _not_in_future(errors, "offered_at", offered_at)
    errors.raise_if_any()
    with transaction.atomic():
        if PartyBriefing.objects.filter(briefing_round=briefing_round, party=party).exists():
            raise Conflict("party", _("This party was offered this briefing already."))
        offer = PartyBriefing.objects.create(
            briefing_round=briefing_round, party=party, offered_at=offered_at or now(),
            offered_by=_user(actor))
        audit.record(actor=actor, action="panel_case.party_briefing_offer",
                     target=briefing_round.case, details={
                         "round": briefing_round.pk, "party": party.slug,
                         "offered_at": offer.offered_at.isoformat()})
    return offer


def record_party_briefing_delivered(
    *, actor: Any, offer: PartyBriefing, delivered_at: datetime | None = None,
) -> PartyBriefing:
    """Record that the briefing reached the party. Written once."""
    authz.require(actor, "panel_case:record")
    errors = FieldErrors()
    _not_in_future(errors, "delivered_at", delivered_at)
    moment = delivered_at or now()
    if moment < offer.offered_at:
        errors.add("delivered_at", _("Delivered before it was offered?"))
    errors.raise_if_any()
    with transaction.atomic():
        offer = PartyBriefing.objects.select_for_update().select_related(
            "briefing_round__case", "party").get(pk=offer.pk)
        if offer.delivered_at is not None:
            raise Conflict("delivered_at", _("Delivery is recorded already."))
        offer.delivered_at, offer.delivered_by = moment, _user(actor)
        offer.save(update_fields=["delivered_at", "delivered_by"])
        audit.record(actor=actor, action="panel_case.party_briefing_delivered",
                     target=offer.briefing_round.case, details={
                         "round": offer.briefing_round_id, "party": offer.party.slug,
                         "delivered_at": moment.isoformat()})
    return offer


def record_party_briefing_acknowledged(
    *, actor: Any, offer: PartyBriefing, acknowledged_by: str,
    acknowledged_at: datetime | None = None,
) -> PartyBriefing:
    """Record the party's acknowledgement (who at the party, when). Written once."""
    authz.require(actor, "panel_case:record")
    errors = FieldErrors()
    if not acknowledged_by.strip():
        errors.add("acknowledged_by", _("Say who at the party acknowledged it."))
    _not_in_future(errors, "acknowledged_at", acknowledged_at)
    errors.raise_if_any()
    with transaction.atomic():
        offer = PartyBriefing.objects.select_for_update().select_related(
            "briefing_round__case", "party").get(pk=offer.pk)
        if offer.delivered_at is None:
            raise ValidationError({"acknowledged_at": _("Record the delivery first.")})
        if offer.acknowledged_at is not None:
            raise Conflict("acknowledged_at", _("The acknowledgement is recorded already."))
        moment = acknowledged_at or now()
        if moment < offer.delivered_at:
            raise ValidationError({"acknowledged_at": _("Acknowledged before delivery?")})
        offer.acknowledged_at, offer.acknowledged_by = moment, acknowledged_by.strip()
        offer.save(update_fields=["acknowledged_at", "acknowledged_by"])
        audit.record(actor=actor, action="panel_case.party_briefing_acknowledged",
                     target=offer.briefing_round.case, details={
                         "round": offer.briefing_round_id, "party": offer.party.slug,
                         "acknowledged_at": moment.isoformat()})
    return offer

