"""A published notice as a STIX 2.1 `report`, marked TLP:CLEAR (STIX 2.1 §4.14 Report).

The bundle holds the report, the coordinating organisation's `identity` (the report's
creator and its one referenced object) and the OASIS TLP 2.0 CLEAR marking definition.
Ids are derived from the notice (UUIDv5), so the same version always exports the same
bundle. Used until `sharing.stix` offers a report builder for notices.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from civicshield.comms.models import Notice, NoticeVersion
from civicshield.comms.plain_language import FIELD_LABELS
from civicshield.comms.selectors import text_in
from civicshield.core.markings import STIX_MARKING_DEFINITION_IDS, TLP

TLP_2_EXTENSION = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"
# The OASIS TLP 2.0 CLEAR marking definition, as published.
TLP_CLEAR_MARKING: dict[str, Any] = {
    "type": "marking-definition",
    "spec_version": "2.1",
    "id": STIX_MARKING_DEFINITION_IDS[TLP.CLEAR],
    "created": "2022-10-01T00:00:00.000Z",
    "name": "TLP:CLEAR",
    "extensions": {TLP_2_EXTENSION: {"extension_type": "property-extension",
                                     "tlp_2_0": "clear"}},
}


def _timestamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _id(kind: str, name: str) -> str:
    """Stable for this installation, unlike any other's (notice slugs repeat across them):
    the platform's own id scheme (v4-shaped, in the installation's namespace)."""
    from civicshield.sharing.stix.ids import sdo_id

    return sdo_id(kind, "notice", name)


def notice_report_bundle(notice: Notice, *, lang: str = "", version: NoticeVersion | None = None,
                         url: str = "") -> dict[str, Any]:
    """The STIX 2.1 bundle of a published notice's current (or given) version."""
    version = version or notice.current_version
    assert version is not None and version.published_at is not None
    text = text_in(version, lang or notice.original_language)
    assert text is not None
    owner = notice.owner_organisation
    identity_id = _id("identity", f"organisation:{owner.slug}")
    created = _timestamp(notice.published_at or version.published_at)
    modified = _timestamp(notice.retracted_at or version.published_at)
    description = "\n\n".join(
        f"{FIELD_LABELS[name]}: {value}" for name, value in text.fields().items()
        if name != "headline" and value)
    if version.change_summary:
        description = f"Correction (version {version.number}): {version.change_summary}\n\n" \
            f"{description}"
    identity = {
        "type": "identity", "spec_version": "2.1", "id": identity_id,
        "created": created, "modified": created, "name": owner.name,
        "identity_class": "organization",
        "object_marking_refs": [TLP_CLEAR_MARKING["id"]],
    }
    report: dict[str, Any] = {
        "type": "report", "spec_version": "2.1",
        "id": _id("report", f"notice:{notice.slug}"),
        "created": created, "modified": modified,
        "created_by_ref": identity_id,
        "name": text.headline, "description": description,
        "report_types": ["threat-report"], "published": created,
        "object_refs": [identity_id], "lang": text.language,
        "object_marking_refs": [TLP_CLEAR_MARKING["id"]],
        "labels": [f"notice-version-{version.number}"],
    }
    if notice.retracted_at:
        report["revoked"] = True
        report["description"] = f"Retracted: {notice.retraction_note}\n\n{description}"
    if url:
        report["external_references"] = [{"source_name": "civicshield-notice", "url": url,
                                          "external_id": notice.slug}]
    return {"type": "bundle", "id": _id("bundle", f"notice:{notice.slug}:v{version.number}"),
            "objects": [TLP_CLEAR_MARKING, identity, report]}
