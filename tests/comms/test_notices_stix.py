"""A published notice as a STIX 2.1 `report` marked TLP:CLEAR, judged by stix2-validator."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from stix2validator import ValidationOptions, validate_instance

from civicshield.comms import services
from civicshield.comms.stix import TLP_CLEAR_MARKING, notice_report_bundle
from tests.portal.notices_setup import GOOD, coordinator, published

PUBLISHED_AT = datetime(2026, 5, 4, 9, 30, tzinfo=UTC)


@pytest.fixture
def notice(vocabulary: None) -> Any:
    return published(coordinator(), at=PUBLISHED_AT, slug="fake-site")


def _validate(bundle: dict[str, Any]) -> Any:
    return validate_instance(bundle, ValidationOptions(version="2.1"))


def test_the_notice_exports_as_a_valid_clear_stix_report(notice: Any) -> None:
    bundle = notice_report_bundle(notice, url="https://portal.example/notices/fake-site/")

    result = _validate(bundle)
    assert result.is_valid, [str(error) for error in result.errors]
    report = next(item for item in bundle["objects"] if item["type"] == "report")
    assert report["object_marking_refs"] == [TLP_CLEAR_MARKING["id"]]
    assert report["name"] == GOOD["headline"]
    assert report["published"] == "2026-05-04T09:30:00.000Z"
    assert report["created_by_ref"] in report["object_refs"]


def test_the_same_notice_exports_the_same_bundle(notice: Any) -> None:
    assert notice_report_bundle(notice) == notice_report_bundle(notice)


def test_a_correction_and_a_retraction_update_the_report(notice: Any) -> None:
    actor = coordinator(notice.owner_organisation)
    services.correct_notice(actor=actor, notice=notice, texts={"en": {**GOOD, "headline":
                            "Fake website says you can vote by text message"}},
                            change_summary="A clearer headline.",
                            now=datetime(2026, 5, 5, 8, 0, tzinfo=UTC))
    services.retract_notice(actor=actor, notice=notice, note="Mistaken.",
                            now=datetime(2026, 5, 6, 8, 0, tzinfo=UTC))

    bundle = notice_report_bundle(notice)

    assert _validate(bundle).is_valid
    report = next(item for item in bundle["objects"] if item["type"] == "report")
    assert report["modified"] == "2026-05-06T08:00:00.000Z" and report["revoked"] is True
    assert report["name"] == "Fake website says you can vote by text message"
    assert report["description"].startswith("Retracted: Mistaken.")
