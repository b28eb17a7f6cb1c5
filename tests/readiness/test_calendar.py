"""Elections, calendars and live phases: boundaries, overlaps, the demo, the API and the page."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import pytest
from django.test import Client

from civicshield.core.choices import Role
from civicshield.core.models import AuditEntry
from civicshield.readiness import selectors, services
from civicshield.readiness.demo import DEMO_NAME, load_demo_election
from civicshield.readiness.models import Election
from tests import factories
from tests.vocab.helpers import load_builtin

DAY = date(2031, 5, 18)


def _election() -> Election:
    return services.create_election(
        actor=None, name="Veridia municipal test", jurisdiction="Veridia", election_type="local",
        election_day=DAY,
        calendar={
            "voter_registration": (date(2031, 2, 1), date(2031, 3, 31)),
            "campaign": (date(2031, 4, 1), date(2031, 5, 16)),
            "training_voter_education": (date(2031, 3, 15), date(2031, 5, 17)),
            "voting_operations": (date(2031, 5, 18), date(2031, 5, 18)),
            "counting_results": (date(2031, 5, 18), date(2031, 5, 25)),
        },
    )


def _live(election: Election, day: date) -> list[str]:
    return [phase.phase for phase in selectors.live_phases(election, day)]


@pytest.mark.parametrize(("day", "expected"), [
    (date(2031, 1, 31), []),                                               # before the calendar
    (date(2031, 2, 1), ["voter_registration"]),                            # first day counts
    (date(2031, 3, 14), ["voter_registration"]),
    (date(2031, 3, 15), ["training_voter_education", "voter_registration"]),   # overlap opens
    (date(2031, 3, 31), ["training_voter_education", "voter_registration"]),   # last day counts
    (date(2031, 4, 1), ["training_voter_education", "campaign"]),           # boundary moves on
    (date(2031, 5, 17), ["training_voter_education"]),                     # campaign silence
    (date(2031, 5, 18), ["voting_operations", "counting_results"]),
    (date(2031, 5, 26), []),                                               # after the calendar
])
def test_live_phases_across_boundaries_and_overlaps(day: date, expected: list[str]) -> None:
    assert _live(_election(), day) == expected


def test_a_phase_cannot_end_before_it_starts() -> None:
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.create_election(
            actor=None, name="Bad", jurisdiction="Veridia", election_type="local",
            election_day=DAY, calendar={"campaign": (DAY, DAY - timedelta(days=1))},
        )
    assert not Election.objects.exists()


def test_creating_an_election_writes_one_audit_entry() -> None:
    _election()
    assert AuditEntry.objects.filter(action="election.create").count() == 1


def test_the_demo_election_is_idempotent_and_live_today() -> None:
    today = date(2030, 9, 1)
    election = load_demo_election(today=today)
    again = load_demo_election(today=today)

    assert again.pk == election.pk
    assert Election.objects.filter(name=DEMO_NAME).count() == 1
    assert election.phases.count() == 9
    assert len(selectors.live_phases(election, today)) >= 1
    # Months later a stale demo calendar is moved back around the new today.
    later = today + timedelta(days=400)
    load_demo_election(today=later)
    assert len(selectors.live_phases(Election.objects.get(pk=election.pk), later)) >= 1


def test_live_phases_today_serves_the_dashboard() -> None:
    viewer = factories.make_user(role=Role.VIEWER)
    today = date(2030, 9, 1)
    load_demo_election(today=today)
    live = selectors.live_phases_today(viewer, today=today)
    assert {item.code for item in live} == {"training_voter_education", "campaign"}
    assert all(item.election.name == DEMO_NAME for item in live)


def test_elections_api(api_client_for: Any) -> None:
    election = _election()
    api = api_client_for(factories.make_user(role=Role.VIEWER))

    listing = api.get("/api/v1/elections").json()
    detail = api.get(f"/api/v1/elections/{election.pk}?on=2031-03-20").json()

    assert listing["count"] == 1 and listing["items"][0]["name"] == "Veridia municipal test"
    assert {phase["code"] for phase in detail["phases"]} >= {"campaign", "voter_registration"}
    assert detail["phases"][0].keys() >= {"code", "start", "end"}
    assert detail["live_phases"] == ["training_voter_education", "voter_registration"]
    assert api.get("/api/v1/elections/999999").status_code == 404
    assert Client().get("/api/v1/elections").status_code == 401


def test_the_calendar_page_draws_the_cycle_with_today_marked(client_for: Any) -> None:
    load_builtin()
    election = _election()
    client = client_for(factories.make_user(role=Role.VIEWER))

    page = client.get(f"/app/elections/{election.pk}/?on=2031-04-10").content.decode()

    assert "<svg" in page and 'class="timeline-today"' in page
    assert page.count('class="timeline-bar') == 5
    assert 'timeline-bar is-live" x=' in page
    assert not re.search(r"\sstyle=", page), "no inline style (CSP)"
    assert 'aria-describedby="term-tip-' in page
    assert client.get("/app/elections/").status_code == 200
    assert client.get("/app/elections/999999/").status_code == 404
