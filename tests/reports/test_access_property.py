"""Every viewer sees exactly what the TLP 2.0 rules allow — no more, no less — on every surface.

Hypothesis builds random organisation trees, sharing groups, users and reports with random
markings and audiences. An oracle written here from DESIGN.md, independently of the access
layer's query, says who may see what; the API list, its count, the detail endpoint, the
text search, the observable search and the workspace pages must all agree with it — and so
must correlation: every report shares one domain, so all of them form one campaign, of which
each viewer sees exactly the members, links and related reports the oracle allows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from civicshield.core.choices import Role
from civicshield.core.markings import TLP
from civicshield.core.services import issue_token
from civicshield.correlation.models import Link
from civicshield.correlation.services import correlate_reports
from civicshield.reports.models import Observable, Report
from tests.factories import make_organisation, make_user
from tests.report_factories import make_group, make_report


@dataclass
class World:
    organisations: list[Any]
    groups: list[Any]
    users: list[Any]
    reports: list[Report]


ORGANISATION_COUNT = 5
USER_COUNT = 6

world_plans = st.fixed_dictionaries({
    # parent index for organisations 1..n-1 (or None): always an earlier one, so a forest
    "parents": st.lists(st.one_of(st.none(), st.integers(0, ORGANISATION_COUNT - 1)),
                        min_size=ORGANISATION_COUNT - 1, max_size=ORGANISATION_COUNT - 1),
    "coordinator": st.one_of(st.none(), st.integers(0, ORGANISATION_COUNT - 1)),
    "groups": st.lists(st.sets(st.integers(0, ORGANISATION_COUNT - 1), max_size=3),
                       max_size=2),
    "users": st.lists(st.integers(0, ORGANISATION_COUNT - 1), min_size=USER_COUNT,
                      max_size=USER_COUNT),
    "reports": st.lists(st.fixed_dictionaries({
        "tlp": st.sampled_from(list(TLP)),
        "owner": st.integers(0, ORGANISATION_COUNT - 1),
        "creator": st.one_of(st.none(), st.integers(0, USER_COUNT - 1)),
        "organisations": st.sets(st.integers(0, ORGANISATION_COUNT - 1), max_size=2),
        "groups": st.sets(st.integers(0, 1), max_size=1),
        "users": st.sets(st.integers(0, USER_COUNT - 1), max_size=2),
    }), min_size=1, max_size=8),
})


def build(plan: dict[str, Any]) -> World:
    organisations = [make_organisation(is_coordinator=plan["coordinator"] == 0)]
    for index, parent in enumerate(plan["parents"], start=1):
        parent_org = organisations[parent] if parent is not None and parent < index else None
        organisations.append(make_organisation(
            parent=parent_org, is_coordinator=plan["coordinator"] == index))
    groups = [make_group(*(organisations[i] for i in members)) for members in plan["groups"]]
    users = [make_user(Role.ANALYST, organisation=organisations[i]) for i in plan["users"]]
    reports = []
    for item in plan["reports"]:
        reports.append(make_report(
            tlp=item["tlp"], owner=organisations[item["owner"]],
            created_by=users[item["creator"]] if item["creator"] is not None else None,
            organisations=[organisations[i] for i in item["organisations"]],
            groups=[groups[i] for i in item["groups"] if i < len(groups)],
            users=[users[i] for i in item["users"]],
            description="shared marker text",
        ))
    shared = Observable.objects.create(type="domain", value="vote-info-veridia.com")
    for report in reports:
        report.observables.add(shared)
    correlate_reports(report_ids=[report.pk for report in reports])
    return World(organisations, groups, users, reports)


def lineage(organisation: Any) -> list[int]:
    chain = []
    while organisation is not None:
        chain.append(organisation.pk)
        organisation = organisation.parent
    return chain


def oracle(user: Any | None, report: Report) -> bool:
    """DESIGN.md, read literally."""
    if report.tlp == TLP.CLEAR:
        return True
    if user is None:
        return False
    organisation = user.organisation
    if report.created_by_id == user.pk:
        return True
    named_users = {u.pk for u in report.audience_users.all()}
    if report.tlp == TLP.RED:
        return user.pk in named_users
    if report.tlp == TLP.GREEN:
        return True
    if organisation.is_coordinator or report.owner_organisation_id == organisation.pk:
        return True
    named = {o.pk for o in report.audience_organisations.all()}
    group_members = {o.pk for g in report.audience_groups.all() for o in g.organisations.all()}
    if report.tlp == TLP.AMBER:
        return bool((named | group_members) & set(lineage(organisation)))
    return organisation.pk in named | group_members  # AMBER+STRICT


class TestEverySurfaceAgreesWithTheRules(TestCase):
    @settings(max_examples=25, deadline=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(plan=world_plans)
    def test_each_viewer_sees_exactly_what_the_rules_allow(self, plan: dict[str, Any]) -> None:
        world = build(plan)
        viewers: list[Any | None] = [None, *world.users]
        for user in viewers:
            expected = {r.pk for r in world.reports if oracle(user, r)}
            client = Client()
            if user is not None:
                secret = issue_token(user=user).secret
                client = Client(headers={"Authorization": f"Bearer {secret}"})
                listed = client.get("/api/v1/reports?limit=500").json()
                assert {item["id"] for item in listed["items"]} == expected
                assert listed["count"] == len(expected)
                searched = client.get("/api/v1/reports?q=marker&limit=500").json()
                assert {item["id"] for item in searched["items"]} == expected
                matches = client.get("/api/v1/observables?value=vote-info-veridia[.]com").json()
                assert {r for m in matches for r in m["reports"]} == expected
                assert len(matches) == (1 if expected else 0)
                session = Client()
                session.force_login(user)
                page = session.get("/app/reports/?q=marker").content.decode()
                for report in world.reports:
                    assert (report.reference in page) == (report.pk in expected)
                self._check_correlation(world, client, session, expected)
            for report in world.reports:
                related = client.get(f"/api/v1/reports/{report.pk}/related")
                if user is not None and report.pk in expected:
                    assert {r["id"] for r in related.json()["related"]} <= expected - {
                        report.pk}
                else:
                    assert related.status_code in (401, 404)
                status = client.get(f"/api/v1/reports/{report.pk}").status_code
                if user is None:
                    assert status == 401
                else:
                    assert status == (200 if report.pk in expected else 404)

    def _check_correlation(self, world: World, client: Client, session: Client,
                           expected: set[int]) -> None:
        """Campaigns, their links, counts and graph show the visible members only."""
        campaigns = client.get("/api/v1/campaigns?limit=50").json()
        forms_campaign = len(world.reports) >= 2 and bool(expected)
        assert campaigns["count"] == (1 if forms_campaign else 0)
        if not forms_campaign:
            return
        campaign = campaigns["items"][0]
        assert set(campaign["reports"]) == expected
        assert campaign["score"]["reports"] == len(expected)
        shown = {(link["from"], link["to"]) for link in campaign["links"]}
        stored = {pair for pair in Link.objects.values_list("source_id", "target_id")
                  if set(pair) <= expected}
        assert shown == stored
        graph = session.get(f"/app/correlation/campaigns/{campaign['id']}/graph.json").json()
        reports = {node["data"]["id"] for node in graph["nodes"]
                   if node["data"]["kind"] == "report"}
        assert reports == {f"r{pk}" for pk in expected}
        page = session.get(f"/app/correlation/campaigns/{campaign['id']}/").content.decode()
        for report in world.reports:
            assert (report.reference in page) == (report.pk in expected)
