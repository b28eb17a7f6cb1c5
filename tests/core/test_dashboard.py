"""The dashboard: the first page after sign-in."""

from __future__ import annotations

from typing import Any

from civicshield.core.choices import Role
from civicshield.readiness.demo import load_demo_election
from civicshield.vocab.services import load_builtin_vocabularies
from tests.factories import make_user


def test_dashboard_shows_the_live_phase_of_the_demo_election_with_its_definition(
    client_for: Any,
) -> None:
    from civicshield.core.authz import OPERATOR

    load_builtin_vocabularies(actor=OPERATOR, include_sources=False)
    load_demo_election()
    page = client_for(make_user(Role.VIEWER)).get("/app/").content.decode()
    assert "Veridia general election" in page
    assert "Campaign" in page
    assert 'role="tooltip"' in page


def test_dashboard_says_plainly_when_no_phase_is_live(client_for: Any) -> None:
    page = client_for(make_user(Role.VIEWER)).get("/app/").content.decode()
    assert "No election has a live phase today." in page
