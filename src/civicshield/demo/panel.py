"""Veridia's expert panel: five members, a written threshold in two versions, and two
decided cases — the fake voting-information site (public notice) and a fringe narrative
about disappearing ink (no public action).

Loaded after demo.directory and demo.reports. Everything goes through panel.services, as
the people concerned would have done it, replayed at the times it happened
(`services.recorded_at`): declarations before reading, one recusal, independent
assessments, briefings the panel received, the decision, the known targets informed, and
a briefing offered to every registered party — one of them three hours after the others,
so the fairness view has something to flag. Every name and text here is invented.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from civicshield.core.choices import Role
from civicshield.directory import services as directory_services
from civicshield.directory.models import Organisation, User
from civicshield.panel import services
from civicshield.panel.choices import Confidence, Outcome
from civicshield.panel.models import Panel
from civicshield.reports import selectors as report_selectors

Progress = Callable[[str, int, int], None]

PANEL_NAME = "Veridia Election Integrity Panel"
COORDINATOR = "coordinator"
LATE_PARTY = "heritage"  # offered the briefing three hours after the others

# username, organisation slug: the demo's "panel" account and four senior figures.
MEMBERS: list[tuple[str, str]] = [
    ("panel", "uv-digital"),
    ("panel-reom", "reom"),
    ("panel-cdeso", "cdeso"),
    ("panel-votewatch", "votewatch"),
    ("panel-portvale", "portvale-lab"),
]

THRESHOLD_V1 = (
    "The panel tells the public when interference threatens a free and fair election."
)
THRESHOLD_V2 = (
    "The panel tells the public when an incident, or several incidents together, could "
    "stop many Veridians from voting, or mislead many of them about how, when or where to "
    "vote, or about the result — and telling them helps them protect their vote. One "
    "party or candidate being targeted is not enough on its own; how many people it could "
    "reach is what counts."
)

SITE_SUMMARY = (
    "Since about six weeks ago, a site at vote-info-veridia.com copies the Electoral "
    "Commission's voter-information page and tells people they can vote by text message, "
    "or that their polling station has moved. Platforms removed a network of 212 accounts "
    "and nine pages pushing it; leaflets with a QR code to it were found in Portvale; the "
    "same server hosts a fake webmail page that tried to catch party staff's passwords. "
    "The Commission has asked for a takedown; the site came back under new names. Some "
    "of the reports are shared with the coordination centre only: this summary gives what "
    "the panel needs from them."
)
INK_SUMMARY = (
    "A claim that the ink on ballot papers disappears, so votes for some parties are "
    "'erased', circulates in a few small groups, with a doctored photo of a queue at "
    "candidate registration. Fact-checkers rated both false. Reach so far: a few thousand "
    "views; no sign of coordination or of voters turned away."
)


def _at(moment: datetime) -> Any:
    return services.recorded_at(moment)


def _members(actor: Any, organisations: dict[str, Organisation]) -> list[User]:
    existing = {u.username: u for u in User.objects.filter(
        username__in=[name for name, _ in MEMBERS])}
    members = []
    for username, slug in MEMBERS:
        user = existing.get(username)
        if user is None:
            user = directory_services.create_user(
                actor=actor, username=username, organisation=organisations[slug],
                role=Role.PANEL, email=f"{username}@{slug}.veridia.example",
                usable_password=False).user
        members.append(user)
    return members


def _reports(coordinator: User, query: str) -> list[Any]:
    return list(report_selectors.reports_visible_to(coordinator, q=query))


def _campaign_of(coordinator: User, reports: Sequence[Any]) -> Any:
    """The correlation campaign holding these reports, when correlation has found one."""
    from civicshield.correlation import selectors as correlation_selectors

    wanted = {report.pk for report in reports}
    campaigns = list(correlation_selectors.campaigns_visible_to(coordinator))
    for summary in correlation_selectors.summaries(coordinator, campaigns):
        if wanted & set(summary.reports):
            return summary.campaign
    return None


def _declare_and_assess(case: Any, start: datetime, members: Sequence[User],
                        votes: dict[str, tuple[bool, str, str]],
                        conflicts: dict[str, str]) -> None:
    for hours, member in enumerate(members, start=1):
        with _at(start + timedelta(hours=hours)):
            services.declare_conflict(
                actor=member, case=case, has_conflict=member.username in conflicts,
                description=conflicts.get(member.username, ""))
    for hours, member in enumerate(members, start=12):
        if member.username not in votes:
            continue
        meets, confidence, rationale = votes[member.username]
        with _at(start + timedelta(hours=hours)):
            services.record_assessment(actor=member, case=case, meets_threshold=meets,
                                       confidence=confidence, rationale=rationale)


def load(*, actor: Any, progress: Progress | None = None) -> None:
    """Create the panel and its two decided cases. Does nothing when the panel exists."""
    if Panel.objects.filter(name=PANEL_NAME).exists():
        return
    steps = 4
    organisations = {o.slug: o for o in Organisation.objects.all()}
    coordinator = User.objects.get(username=COORDINATOR)
    members = _members(actor, organisations)
    now = timezone.now()
    if progress:
        progress("expert panel", 1, steps)

    with _at(now - timedelta(days=30)):
        panel = services.create_panel(actor=coordinator, name=PANEL_NAME,
                                      threshold=THRESHOLD_V1, members=members, quorum=3)
    with _at(now - timedelta(days=24)):
        services.change_threshold(actor=coordinator, panel=panel, text=THRESHOLD_V2)

    # --- The fake voting-information site: public notice ---------------------------------
    opened = now - timedelta(days=20)
    site_reports = _reports(coordinator, "vote-info-veridia")
    with _at(opened):
        site = services.open_case(
            actor=coordinator, panel=panel,
            title="Fake voting-information site vote-info-veridia.com",
            summary=SITE_SUMMARY, reports=site_reports,
            campaign=_campaign_of(coordinator, site_reports),
            affected_organisations=[organisations["cec"], organisations["green-path"]])
    with _at(opened + timedelta(hours=3)):
        services.record_briefing(
            actor=coordinator, case=site, briefed_by="Saoirse Lind",
            organisation=organisations["vcsa"], briefed_at=opened + timedelta(hours=2),
            content="The fake voting site and the webmail phishing kit share one server "
                    "(203.0.113.45). Two parties' staff were targeted; no password was "
                    "entered.")
    with _at(opened + timedelta(hours=6)):
        services.record_briefing(
            actor=coordinator, case=site, briefed_by="Trust and Safety escalations",
            organisation=organisations["chirp"], briefed_at=opened + timedelta(hours=5),
            content="212 accounts removed; the network posted on one working day in another "
                    "time zone. About 40,000 Veridian accounts saw at least one post.")
    _declare_and_assess(site, opened + timedelta(days=1), members, votes={
        "panel": (True, Confidence.HIGH, "Reached tens of thousands of voters with false "
                  "instructions on how to vote; the site keeps returning."),
        "panel-reom": (True, Confidence.HIGH, "Voters in Portvale were told their polling "
                       "station moved; telling them where to check protects their vote."),
        "panel-cdeso": (True, Confidence.MEDIUM, "Coordinated and persistent; the "
                        "Commission's own warning has not reached enough people."),
        "panel-votewatch": (True, Confidence.HIGH, "Our observers saw the leaflets; "
                            "voters asked us whether voting by text is real."),
    }, conflicts={"panel-portvale": "I advised Green Path's campaign on digital security "
                                    "this year; Green Path's staff were targeted."})
    with _at(opened + timedelta(days=3)):
        services.decide(
            actor=coordinator, case=site, outcome=Outcome.PUBLIC_NOTICE,
            rationale="Every member not recused found the threshold met: false instructions "
                      "on how and where to vote reached many voters across the country, and "
                      "telling them how to check protects their vote.",
            consulted="The chair of the Electoral Commission; the Veridian Cyber Security "
                      "Agency.")
    with _at(opened + timedelta(days=3, hours=1)):
        services.record_targets_informed(
            actor=coordinator, case=site,
            who_was_informed="Green Path's campaign IT manager; the Electoral Commission's "
                             "IT security officer.",
            how="By phone, then in writing over the secure channel")
    if progress:
        progress("expert panel", 2, steps)

    offered = opened + timedelta(days=3, hours=2)
    parties = [o for o in organisations.values() if o.sector == "political_party"]
    with _at(offered):
        briefing_round = services.start_party_briefing_round(
            actor=coordinator, case=site, offered_at=offered,
            subject="Before the public notice: the fake voting-information site and the "
                    "phishing of party staff.",
            parties=[p for p in parties if p.slug != LATE_PARTY])
    with _at(offered + timedelta(hours=3)):
        services.offer_party_briefing(actor=coordinator, briefing_round=briefing_round,
                                      party=organisations[LATE_PARTY])
    for hours, offer in enumerate(briefing_round.offers.select_related("party")
                                  .order_by("party__name"), start=1):
        delivered = offer.offered_at + timedelta(hours=hours)
        with _at(delivered):
            services.record_party_briefing_delivered(actor=coordinator, offer=offer)
        if offer.party.slug != "northern-voice":  # one acknowledgement still missing
            with _at(delivered + timedelta(hours=1)):
                services.record_party_briefing_acknowledged(
                    actor=coordinator, offer=offer,
                    acknowledged_by=f"Security contact, {offer.party.name}")
    if progress:
        progress("expert panel", 3, steps)

    # --- A fringe narrative: no public action ------------------------------------------
    opened = now - timedelta(days=19)
    with _at(opened):
        ink = services.open_case(
            actor=coordinator, panel=panel,
            title="Claim that ballot ink disappears",
            summary=INK_SUMMARY,
            reports=_reports(coordinator, "ink on ballots")
            + _reports(coordinator, "Doctored photo of a queue"))
    with _at(opened + timedelta(hours=4)):
        services.record_briefing(
            actor=coordinator, case=ink, briefed_by="Noor Halvard",
            organisation=organisations["factdesk"], briefed_at=opened + timedelta(hours=3),
            content="Both items rated false; reach stays low and is not growing.")
    reasons = "Low reach and already fact-checked; a notice would spread the claim further."
    _declare_and_assess(ink, opened + timedelta(days=1), members, votes={
        "panel": (False, Confidence.HIGH, reasons),
        "panel-reom": (False, Confidence.MEDIUM, reasons),
        "panel-cdeso": (False, Confidence.HIGH, reasons),
        "panel-portvale": (False, Confidence.MEDIUM, reasons),
    }, conflicts={})
    with _at(opened + timedelta(days=4)):
        services.decide(
            actor=coordinator, case=ink, outcome=Outcome.NO_PUBLIC_ACTION,
            rationale="Every member who assessed found the threshold not met: the claim "
                      "reached few people, has been fact-checked, and a public notice "
                      "would amplify it.",
            consulted="Veridia FactDesk.")
    if progress:
        progress("expert panel", 4, steps)
