"""A small Veridia for the panel: a coordinator, five members from academia, civil society
and international bodies, a panel-role outsider who does not sit on the panel, three
parties across the spectrum, and reports with different markings."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from civicshield.core.choices import Role
from civicshield.core.markings import TLP
from civicshield.directory.choices import PoliticalLeaning, Sector
from civicshield.panel import services
from civicshield.panel.choices import DecisionRule
from tests.factories import make_organisation, make_user
from tests.report_factories import make_report

THRESHOLD = ("A substantial threat to Veridians' ability to have a free and fair election: "
             "many voters could be misled about how, when or where to vote.")


@pytest.fixture
def world() -> dict[str, Any]:
    centre = make_organisation(slug="eicc", name="Election Integrity Coordination Centre",
                               sector=Sector.GOVERNMENT_AGENCY, is_coordinator=True)
    university = make_organisation(slug="uv-digital", name="University of Veridia",
                                   sector=Sector.ACADEMIA)
    mission = make_organisation(slug="reom", name="Regional Election Observation Mission",
                                sector=Sector.INTERNATIONAL_ORGANISATION)
    watch = make_organisation(slug="votewatch", name="VoteWatch Veridia",
                              sector=Sector.CIVIL_SOCIETY)
    elsewhere = make_organisation(slug="portvale-lab", name="Portvale Media Lab",
                                  sector=Sector.ACADEMIA)
    platform = make_organisation(slug="chirp", name="Chirp", sector=Sector.TECHNOLOGY_PLATFORM)
    parties = [
        make_organisation(slug="peoples-left", name="People's Left Alliance",
                          sector=Sector.POLITICAL_PARTY, political_leaning=PoliticalLeaning.LEFT),
        make_organisation(slug="civic-centre", name="Civic Centre Union",
                          sector=Sector.POLITICAL_PARTY,
                          political_leaning=PoliticalLeaning.CENTRE),
        make_organisation(slug="heritage", name="Heritage and Nation Party",
                          sector=Sector.POLITICAL_PARTY, political_leaning=PoliticalLeaning.RIGHT),
    ]
    coordinator = make_user(Role.COORDINATOR, organisation=centre, username="coord")
    admin = make_user(Role.ADMIN, organisation=centre, username="root")
    members = [
        make_user(Role.PANEL, organisation=university, username="ada", first_name="Ada"),
        make_user(Role.PANEL, organisation=mission, username="bo", first_name="Bo"),
        make_user(Role.PANEL, organisation=watch, username="cy", first_name="Cy"),
        make_user(Role.PANEL, organisation=university, username="di", first_name="Di"),
        make_user(Role.PANEL, organisation=mission, username="ed", first_name="Ed"),
    ]
    outsider = make_user(Role.PANEL, organisation=elsewhere, username="mallory")
    viewer = make_user(Role.VIEWER, organisation=watch, username="vic")
    analyst = make_user(Role.ANALYST, organisation=platform, username="ana")
    green = make_report(tlp=TLP.GREEN, owner=platform, created_by=analyst,
                        title="Network pushing a vote-by-text claim")
    amber = make_report(tlp=TLP.AMBER, owner=platform, created_by=analyst,
                        organisations=[centre], title="Accounts behind the network")
    panel = services.create_panel(
        actor=coordinator, name="Election integrity panel", threshold=THRESHOLD,
        members=members, quorum=3, briefing_tolerance=timedelta(hours=1))
    case = services.open_case(
        actor=coordinator, panel=panel, title="Fake voting-information site",
        summary="Partners saw a site telling voters they can vote by text message.",
        reports=[green, amber], affected_organisations=[parties[1]])
    return {"centre": centre, "coordinator": coordinator, "admin": admin, "members": members,
            "outsider": outsider, "viewer": viewer, "analyst": analyst, "parties": parties,
            "green": green, "amber": amber, "panel": panel, "case": case,
            "university": university}


def declare_all(case: Any, members: list[Any], *, conflicted: tuple[int, ...] = ()) -> None:
    for index, member in enumerate(members):
        services.declare_conflict(
            actor=member, case=case, has_conflict=index in conflicted,
            description="Advises the Civic Centre Union." if index in conflicted else "")


def assess(case: Any, member: Any, meets: bool) -> Any:
    return services.record_assessment(actor=member, case=case, meets_threshold=meets,
                                      confidence="high", rationale="Seen in six reports.")


def use_majority(world: dict[str, Any], fraction: str = "0.50", quorum: int = 3) -> None:
    services.update_panel(actor=world["coordinator"], panel=world["panel"], changes={
        "decision_rule": DecisionRule.MAJORITY, "majority_fraction": fraction,
        "quorum": quorum})
