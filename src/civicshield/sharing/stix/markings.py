"""TLP as STIX 2.1 marking definitions: the TLP 2.0 objects as OASIS publishes them
(extension-definition based, cti-stix-common-objects "tlp-2.0"), and the TLP 1.0 ids that
older partners still send, mapped onto TLP 2.0 (DESIGN.md, "Markings and audiences")."""

from __future__ import annotations

from typing import Any

from civicshield.core.markings import STIX_MARKING_DEFINITION_IDS, TLP, TLP_1_TO_2

TLP_2_EXTENSION_ID = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"

# The TLP 1.0 definitions of STIX 2.1 §7.2.1.4 (stix2.TLP_WHITE ... TLP_RED).
TLP_1_IDS: dict[str, str] = {
    "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9": "white",
    "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da": "green",
    "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82": "amber",
    "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed": "red",
}

TLP_BY_MARKING_ID: dict[str, str] = {
    **{marking_id: TLP(tlp).value for tlp, marking_id in STIX_MARKING_DEFINITION_IDS.items()},
    **{marking_id: TLP_1_TO_2[name] for marking_id, name in TLP_1_IDS.items()},
}


def marking_definition(tlp: str) -> dict[str, Any]:
    """The OASIS TLP 2.0 marking-definition object, property for property."""
    value = TLP(tlp).value
    return {
        "type": "marking-definition",
        "spec_version": "2.1",
        "id": STIX_MARKING_DEFINITION_IDS[value],
        "created": "2022-10-01T00:00:00.000Z",
        "name": f"TLP:{value.upper()}",
        "extensions": {
            TLP_2_EXTENSION_ID: {"extension_type": "property-extension", "tlp_2_0": value},
        },
    }


def tlp_1_definition(marking_id: str) -> dict[str, Any]:
    """The STIX 2.1 §7.2.1.4 TLP 1.0 marking-definition with this id (one of TLP_1_IDS):
    what an object received with it names, defined in the bundles it is exported in."""
    name = TLP_1_IDS[marking_id]
    return {"type": "marking-definition", "spec_version": "2.1", "id": marking_id,
            "created": "2017-01-20T00:00:00.000Z", "definition_type": "tlp",
            "name": f"TLP:{name.upper()}", "definition": {"tlp": name}}


def marking_id(tlp: str) -> str:
    return STIX_MARKING_DEFINITION_IDS[TLP(tlp).value]


def tlp_of(marking_refs: Any) -> str | None:
    """The narrowest TLP among these marking ids, or None when none is a TLP marking."""
    from civicshield.core.markings import width

    found = [TLP_BY_MARKING_ID[ref] for ref in marking_refs or () if ref in TLP_BY_MARKING_ID]
    return min(found, key=width) if found else None


def tlp_of_definition(marking: dict[str, Any]) -> str | None:
    """The TLP a marking-definition object in a bundle declares (TLP 2.0 or 1.0 form)."""
    if marking.get("id") in TLP_BY_MARKING_ID:
        return TLP_BY_MARKING_ID[marking["id"]]
    extension = (marking.get("extensions") or {}).get(TLP_2_EXTENSION_ID)
    # TLP 2.0 writes its names in lower case; one written otherwise ("RED") still says it.
    named = extension.get("tlp_2_0") if isinstance(extension, dict) else None
    if isinstance(named, str) and named.lower() in TLP.values:
        return named.lower()
    definition = marking.get("definition")
    if marking.get("definition_type") == "tlp" and isinstance(definition, dict):
        return TLP_1_TO_2.get(str(definition.get("tlp", "")).lower())
    return None
