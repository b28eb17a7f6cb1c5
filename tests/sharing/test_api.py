"""Sharing groups over the API: members are not disclosed to outsiders."""

from __future__ import annotations

from typing import Any

from civicshield.core.choices import Role
from tests.factories import make_organisation, make_user
from tests.report_factories import make_group


def test_group_members_are_shown_to_members_and_the_coordinator_only(
    api_client_for: Any,
) -> None:
    member = make_organisation(slug="cec")
    make_group(member, make_organisation(slug="vcsa"), slug="wg")
    outsider = api_client_for(make_user(Role.ANALYST))
    assert outsider.get("/api/v1/sharing-groups").json()["items"][0]["organisations"] is None
    insider = api_client_for(make_user(Role.ANALYST, organisation=member))
    assert insider.get("/api/v1/sharing-groups").json()["items"][0]["organisations"] == [
        "cec", "vcsa"]
    coordinator = api_client_for(make_user(Role.COORDINATOR))
    assert coordinator.get("/api/v1/sharing-groups").json()["items"][0]["organisations"]
