"""Deterministic STIX identifiers, so a re-export names every object the same way.

- SDOs and SROs: a UUID derived by SHA-1 (uuid5) from a fixed namespace and our record
  ids, with the version nibble set to 4. STIX 2.1 §2.9 says these SHOULD be UUIDv4 and
  stix2-validator warns otherwise; a v4-shaped hash keeps both promises (stable and v4).
- SCOs: UUIDv5 over the id-contributing properties in the namespace STIX 2.1 §2.9 gives
  (00abedb4-...), so two producers naming the same domain get the same id.
"""

from __future__ import annotations

import json
import uuid

# Fixed for ever: changing it renames every object we ever exported.
CIVICSHIELD_NAMESPACE = uuid.UUID("4b0b7f3e-5c1a-4e55-9a0e-6c1f2d7e9a31")
STIX_SCO_NAMESPACE = uuid.UUID("00abedb4-aa42-466c-9c01-fed23315a9b7")


def sdo_id(stix_type: str, *parts: object) -> str:
    """`<type>--<uuid>` for our record, the same on every export."""
    name = ":".join([stix_type, *(str(part) for part in parts)])
    digest = uuid.uuid5(CIVICSHIELD_NAMESPACE, name)
    return f"{stix_type}--{uuid.UUID(bytes=digest.bytes, version=4)}"


def sco_id(stix_type: str, contributing: dict[str, object]) -> str:
    """STIX 2.1 §2.9: uuid5 of the canonical JSON of the id-contributing properties."""
    text = json.dumps(contributing, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return f"{stix_type}--{uuid.uuid5(STIX_SCO_NAMESPACE, text)}"


def collection_id(key: str) -> str:
    """The TAXII collection id for an audience key ("public", "org:12", ...)."""
    return str(uuid.uuid5(CIVICSHIELD_NAMESPACE, f"taxii-collection:{key}"))
