"""The federation peers page in Chromium: a coordinator adds a peer, edits it and asks
for a sync now, under the strict CSP."""

from __future__ import annotations

from typing import Any

import pytest

from civicshield.core.choices import Role
from civicshield.core.models import AuditEntry
from civicshield.sharing.federation.models import Peer
from civicshield.sharing.federation.tasks import pending_syncs
from tests.e2e.conftest import require_chromium, screenshot, sign_in_with_second_factor
from tests.factories import make_user

require_chromium()

from playwright.sync_api import expect  # noqa: E402  (only once Chromium is known to exist)

pytestmark = pytest.mark.browser
COLLECTION = "9f7a2c4e-5b1d-4e8a-9c3f-2d6b8e1a7c50"


def test_a_coordinator_adds_edits_and_syncs_a_peer(page: Any) -> None:
    sign_in_with_second_factor(page, make_user(Role.COORDINATOR))
    page.goto("/app/sharing/peers/")
    page.get_by_role("link", name="Add a peer").click()
    page.get_by_role("textbox", name="Name:", exact=True).fill("Southern region")
    page.get_by_label("TAXII API root").fill("https://taxii.south.example/api/")
    page.get_by_label("Collection id").fill(COLLECTION)
    page.get_by_label("API token").fill("a-secret-token-from-the-peer")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Peer added.")).to_be_visible()

    page.get_by_role("link", name="Edit Southern region").click()
    page.get_by_label("Region").fill("Coast and islands")
    page.get_by_role("button", name="Save").click()  # the token field left blank
    expect(page.get_by_text("Peer saved.")).to_be_visible()
    expect(page.get_by_text("Coast and islands")).to_be_visible()

    # Adding an active peer queued its first sync, due now: a click does not queue another.
    page.get_by_role("button", name="Sync now with Southern region").click()
    expect(page.get_by_text("A sync with Southern region was already queued.")).to_be_visible()
    screenshot(page, "federation-peers.png")

    peer = Peer.objects.get()
    assert peer.region == "Coast and islands" and peer.has_token
    assert pending_syncs(peer.pk).count() == 1
    assert "federation.peer.update" in set(AuditEntry.objects.values_list("action", flat=True))


def test_a_coordinator_clears_a_peers_credentials_then_retires_it(page: Any) -> None:
    from civicshield.core.authz import OPERATOR
    from civicshield.sharing.federation.services import create_peer

    peer = create_peer(actor=OPERATOR, name="Northern region", collection_id=COLLECTION,
                       api_root_url="https://taxii.north.example/api/",
                       username="north.bot", token="a-secret-token-from-the-peer")
    sign_in_with_second_factor(page, make_user(Role.COORDINATOR))
    page.goto("/app/sharing/peers/")

    page.get_by_role("button", name="Clear credentials of Northern region").click()
    expect(page.get_by_text("The stored credentials of Northern region are removed")
           ).to_be_visible()
    expect(page.get_by_role("button", name="Clear credentials of Northern region")
           ).to_have_count(0)

    page.get_by_role("link", name="Retire Northern region").click()
    expect(page.get_by_role("heading", name="Retire Northern region?")).to_be_visible()
    page.get_by_role("button", name="Retire Northern region").click()
    expect(page.get_by_text("Northern region is retired")).to_be_visible()
    expect(page.get_by_role("heading", name="Retired peers")).to_be_visible()
    expect(page.get_by_role("button", name="Sync now with Northern region")).to_have_count(0)
    expect(page.get_by_role("link", name="Edit Northern region")).to_have_count(0)

    peer.refresh_from_db()
    assert peer.retired and not peer.active and not peer.has_credentials
    assert pending_syncs(peer.pk).count() == 1  # queued when added; runs as a no-op
    assert list(AuditEntry.objects.filter(action__startswith="federation.peer.")
                .order_by("pk").values_list("action", flat=True)) == [
        "federation.peer.add", "federation.peer.credentials_clear", "federation.peer.retire"]
