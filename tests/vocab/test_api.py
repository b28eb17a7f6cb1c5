"""The stable vocabulary API contract (issue 3)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from civicshield.core.choices import Role
from civicshield.vocab.models import Term
from tests import factories
from tests.vocab.helpers import import_path, load_builtin, needs_shared_data, shared


@pytest.fixture
def api(api_client_for: Any) -> Client:
    load_builtin()
    return api_client_for(factories.make_user(role=Role.VIEWER))


def test_vocabulary_endpoints_require_authentication() -> None:
    load_builtin()
    assert Client().get("/api/v1/vocab/phases").status_code == 401


def test_phases_list_carries_the_contract_fields(api: Client) -> None:
    body = api.get("/api/v1/vocab/phases").json()
    assert body["count"] == 9
    first = body["items"][0]
    assert {"code", "name", "plain", "deprecated", "replaced_by", "version"} <= set(first)
    assert first["code"] == "legal_framework" and first["version"] == "2025.1"
    assert first["deprecated"] is False and first["replaced_by"] is None


def test_lists_page_with_limit_and_offset(api: Client) -> None:
    body = api.get("/api/v1/vocab/information-types?limit=5&offset=5").json()
    assert body["count"] == Term.objects.filter(vocabulary__slug="information-types").count()
    assert len(body["items"]) == 5


@pytest.mark.parametrize(("lang", "word"), [("fr", "inscrivent"), ("es", "inscribe")])
def test_plain_definitions_come_in_the_asked_language(api: Client, lang: str, word: str) -> None:
    items = api.get(f"/api/v1/vocab/phases?lang={lang}").json()["items"]
    registration = next(item for item in items if item["code"] == "voter_registration")
    assert word in registration["plain"]


def test_an_unknown_language_is_refused(api: Client) -> None:
    assert api.get("/api/v1/vocab/tlp?lang=de").status_code == 422


def test_tlp_and_glossary(api: Client) -> None:
    codes = [item["code"] for item in api.get("/api/v1/vocab/tlp").json()["items"]]
    assert codes == ["clear", "green", "amber", "amber+strict", "red"]
    glossary = api.get("/api/v1/vocab/glossary?lang=es&q=phishing").json()
    assert glossary["count"] >= 1
    assert {"term", "plain", "technical", "lang"} <= set(glossary["items"][0])
    assert glossary["items"][0]["lang"] == "es"


def test_list_query_count_does_not_grow_with_the_page(api: Client,
                                                      django_assert_max_num_queries: Any) -> None:
    with django_assert_max_num_queries(8):
        api.get("/api/v1/vocab/information-types?lang=fr&limit=50")


def _all(api: Client, url: str) -> dict[str, Any]:
    """Every page of a list (the API caps `limit` at NINJA_PAGINATION_MAX_LIMIT)."""
    items: list[dict[str, Any]] = []
    while True:
        body = api.get(f"{url}limit=100&offset={len(items)}").json()
        items += body["items"]
        if len(items) >= body["count"] or not body["items"]:
            return {"items": items, "count": body["count"]}


@needs_shared_data
def test_deprecated_disarm_terms_are_listed_on_request_with_their_successor(api: Client) -> None:
    import_path(shared("disarm/DISARM_FRAMEWORKS_MASTER_0_1.xlsx"))
    import_path(shared("disarm/DISARM_FRAMEWORKS_MASTER.xlsx"))

    current = _all(api, "/api/v1/vocab/disarm/techniques?")
    everything = _all(api, "/api/v1/vocab/disarm/techniques?include_deprecated=1&")

    assert all(not item["deprecated"] for item in current["items"])
    t0001 = next(item for item in everything["items"] if item["code"] == "T0001")
    assert t0001["deprecated"] and t0001["replaced_by"]
    assert everything["count"] > current["count"]
    counters = api.get("/api/v1/vocab/disarm/counters").json()
    assert any(item["code"] == "C00008" for item in counters["items"]) or counters["count"] > 0
    releases = api.get("/api/v1/vocab/disarm/releases").json()
    assert [release["label"] for release in releases][-1] == "0.1"


@needs_shared_data
def test_attack_techniques_endpoint(api: Client) -> None:
    import_path(shared("attack/ics-attack-18.1.json"))
    body = api.get("/api/v1/vocab/attack/techniques?include_deprecated=1").json()
    assert body["count"] == Term.objects.filter(
        vocabulary__slug="attack", kind__in=("technique", "sub-technique")).count()
    assert body["items"][0]["version"] == "ics-attack-18.1"
