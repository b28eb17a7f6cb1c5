"""The TAXII object endpoints answer errors and empty pages alike, whichever of the four
is asked: objects, one object, its versions, the manifest."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from civicshield.core.choices import Role
from civicshield.core.markings import TLP
from civicshield.core.models import AuditEntry
from civicshield.core.services import issue_token
from civicshield.sharing.models import TaxiiEntry
from civicshield.sharing.stix.ids import collection_id
from civicshield.sharing.stix.publish import sync_reports
from tests.factories import make_organisation, make_user
from tests.report_factories import make_report

MEDIA = "application/taxii+json;version=2.1"
# A `next` token (microseconds since the epoch) past every row: the year 2100.
PAST_THE_END = "4102444800000000"


@pytest.fixture
def analyst() -> Any:
    return make_user(Role.ANALYST, organisation=make_organisation(slug="observers"))


@pytest.fixture
def client(analyst: Any) -> Client:
    secret = issue_token(user=analyst, label="taxii").secret
    return Client(headers={"Accept": MEDIA, "Authorization": f"Bearer {secret}"})


@pytest.fixture
def amber_object(analyst: Any) -> str:
    report = make_report(tlp=TLP.AMBER, owner=analyst.organisation)
    sync_reports()
    return TaxiiEntry.objects.get(source_report=report, type="report").stix_id


def _url(collection: str, endpoint: str, stix_id: str) -> str:
    return {
        "objects": f"/taxii2/api/collections/{collection}/objects/",
        "object": f"/taxii2/api/collections/{collection}/objects/{stix_id}/",
        "versions": f"/taxii2/api/collections/{collection}/objects/{stix_id}/versions/",
        "manifest": f"/taxii2/api/collections/{collection}/manifest/",
    }[endpoint]


ENDPOINTS = ["objects", "object", "versions", "manifest"]


@pytest.mark.parametrize("endpoint", ENDPOINTS)
@pytest.mark.parametrize(("query", "description"), [
    ({"match[version]": "bogus"},
     "match[version]: 'bogus' is not a timestamp, first, last or all"),
    ({"added_after": "yesterday"}, "added_after is not a timestamp"),
    ({"limit": "many"}, "limit is not a number"),
    ({"next": "not-a-token"}, "next is not a token this server gave"),
    ({"match[id]": "report--42"},
     "match[id]: 'report--42' is not a STIX identifier (<type>--<UUID>)"),
    ({"match[type]": "Report"}, "match[type]: 'Report' is not a STIX object type"),
    ({"match[spec_version]": "2.1.0"},
     "match[spec_version]: '2.1.0' is not a STIX version (2.1)"),
])
def test_a_bad_filter_is_400_with_a_taxii_error_body_on_every_object_endpoint(
        analyst: Any, client: Client, amber_object: str, endpoint: str,
        query: dict[str, str], description: str) -> None:
    own = collection_id(f"org:{analyst.organisation.pk}")
    response = client.get(_url(own, endpoint, amber_object), query)

    assert response.status_code == 400
    assert response["Content-Type"] == MEDIA
    assert response.json() == {"title": "Bad request", "http_status": "400",
                               "description": description}
    assert not AuditEntry.objects.filter(action__endswith=".read").exists()


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_a_collection_the_client_has_not_got_is_404_on_every_object_endpoint(
        client: Client, amber_object: str, endpoint: str) -> None:
    foreign = collection_id(f"org:{make_organisation().pk}")
    response = client.get(_url(foreign, endpoint, amber_object))

    assert response.status_code == 404
    assert response.json() == {"title": "No such collection", "http_status": "404"}


@pytest.mark.parametrize("endpoint", ["object", "versions"])
def test_one_object_is_404_on_its_first_page_but_a_later_empty_page_is_just_empty(
        analyst: Any, client: Client, amber_object: str, endpoint: str) -> None:
    own = collection_id(f"org:{analyst.organisation.pk}")
    hidden = make_report(tlp=TLP.AMBER, owner=make_organisation())
    sync_reports()
    hidden_id = TaxiiEntry.objects.get(source_report=hidden, type="report").stix_id

    missing = client.get(_url(own, endpoint, hidden_id))
    later = client.get(_url(own, endpoint, amber_object), {"next": PAST_THE_END})

    assert missing.status_code == 404
    assert missing.json() == {"title": "No such object", "http_status": "404"}
    assert later.status_code == 200
    assert later.json() == ({"more": False} if endpoint == "object"
                            else {"more": False, "versions": []})
    assert "X-TAXII-Date-Added-First" not in later
    assert not AuditEntry.objects.filter(action__endswith=".read").exists()


# A NUL byte reached PostgreSQL as a text parameter, which it refuses (DataError): a 500.
# SQLite takes it, so there the same requests show the answer, not the crash.
@pytest.mark.parametrize("endpoint", ENDPOINTS)
@pytest.mark.parametrize(("name", "value", "what"), [
    ("match[id]", "indicator--{id}\x00", "a STIX identifier (<type>--<UUID>)"),
    ("match[type]", "report\x00", "a STIX object type"),
    ("match[spec_version]", "2.1\x00", "a STIX version (2.1)"),
])
def test_a_nul_byte_in_a_filter_is_400_with_a_taxii_error_body_on_every_object_endpoint(
        analyst: Any, client: Client, amber_object: str, endpoint: str, name: str,
        value: str, what: str) -> None:
    own = collection_id(f"org:{analyst.organisation.pk}")
    value = value.format(id=amber_object.partition("--")[2])

    response = client.get(_url(own, endpoint, amber_object), {name: value})

    assert response.status_code == 400
    assert response["Content-Type"] == MEDIA
    assert response.json() == {"title": "Bad request", "http_status": "400",
                               "description": f"{name}: {value!r} is not {what}"}


@pytest.mark.parametrize("endpoint", ["object", "versions"])
@pytest.mark.parametrize("suffix", ["%00", "-not-a-uuid"])
def test_an_object_id_that_is_no_stix_id_is_no_such_object(
        analyst: Any, client: Client, amber_object: str, endpoint: str, suffix: str) -> None:
    """A NUL byte in the id (`%00`) was a 500 on PostgreSQL; nothing but a STIX id is ever
    stored, so nothing else is looked up."""
    own = collection_id(f"org:{analyst.organisation.pk}")

    response = client.get(_url(own, endpoint, amber_object + suffix))

    assert response.status_code == 404
    assert response["Content-Type"] == MEDIA
    assert response.json() == {"title": "No such object", "http_status": "404"}
    assert not AuditEntry.objects.filter(action__endswith=".read").exists()
