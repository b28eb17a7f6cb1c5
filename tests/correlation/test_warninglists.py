"""The MISP warninglists format, and the lists the platform ships."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from civicshield.correlation import warninglists

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "misp-warninglists"


def test_hostname_lists_cover_subdomains_and_cidr_lists_cover_ranges() -> None:
    lists = warninglists.WarningLists([
        warninglists.parse({"name": "shorteners", "type": "hostname",
                            "matching_attributes": ["domain", "url"], "list": ["bit.ly"]}),
        warninglists.parse({"name": "private", "type": "cidr",
                            "matching_attributes": ["ip-dst"], "list": ["10.0.0.0/8"]}),
        warninglists.parse({"name": "google", "type": "string",
                            "matching_attributes": ["domain"], "list": [".google.com"]}),
    ])
    assert lists.match("domain", "go.bit.ly") == "shorteners"
    assert lists.match("url", "https://bit.ly/abc") == "shorteners"
    assert lists.match("domain", "notbit.ly") is None
    assert lists.match("ipv4", "10.20.30.40") == "private"
    assert lists.match("ipv4", "11.0.0.1") is None
    assert lists.match("domain", "mail.google.com") == "google"
    assert lists.match("hashtag", "#bit.ly") is None  # the list does not apply to hashtags


def test_the_vendored_lists_catch_common_values() -> None:
    shipped = warninglists.vendored()
    assert shipped.match("domain", "google.com")
    assert shipped.match("ipv4", "8.8.8.8")
    assert shipped.match("ipv4", "192.168.1.10")
    assert shipped.match("domain", "vote-info-veridia.com") is None


@pytest.mark.skipif(not SHARED.is_dir(), reason=f"shared MISP warning lists not found at "
                    f"{SHARED} (the vendored copies are tested above)")
def test_the_vendored_lists_are_unmodified_copies_of_the_shared_data() -> None:
    for vendored in sorted(warninglists.VENDORED.glob("*.json")):
        original = SHARED / vendored.name
        assert json.loads(vendored.read_text()) == json.loads(original.read_text()), vendored
    loaded = warninglists.load_directory(SHARED)
    assert loaded.match("domain", "bit.ly")
