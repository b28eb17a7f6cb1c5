"""Deterministic STIX identifiers, so a re-export names every object the same way.

- SDOs and SROs: a UUID derived by SHA-1 (uuid5) from this installation's namespace and our
  record ids, with the version nibble set to 4. STIX 2.1 §2.9 says these SHOULD be UUIDv4
  and stix2-validator warns otherwise; a v4-shaped hash keeps both promises (stable and v4).
- SCOs: UUIDv5 over the id-contributing properties in the namespace STIX 2.1 §2.9 gives
  (00abedb4-...), so two producers naming the same domain get the same id. The SCO types of
  our extension use the v4-shaped form in a namespace every installation shares
  (`shared_id`), for the same reason.

Why per installation: an id must name one object of one producer, and every Civic Shield
derives its ids from its own database ids. With one namespace for all, report 1 of two
federated installations had the same id, so the receiver refused the other's report as held
by another organisation, or took it for its own. Each installation now draws a random
namespace once (`sharing.InstanceIdentity`, created by its migration) and keeps it: changing
it would rename every object it exports. It is read from the database on first use and then
held in memory for the process (an export names thousands of objects), never at import time,
when the database may not exist yet; `forget_installation_namespace` drops it (tests).

Ids exported before that migration were derived from the shared namespace below. They change
once: the migration removes the TAXII entries made from our own reports and the record of
their publication, and the next read of a collection (`publish.sync_reports`) publishes every
report again under its new ids, as new entries. Copies held elsewhere under the old ids stay
as they are; received objects keep their producers' ids.
"""

from __future__ import annotations

import functools
import json
import uuid

from django.db import connection

# What every installation names alike (`shared_id`, `collection_id`; before each installation
# had its own namespace, every SDO and SRO too). Fixed for ever: peers and clients have
# configured the collection ids.
CIVICSHIELD_NAMESPACE = uuid.UUID("4b0b7f3e-5c1a-4e55-9a0e-6c1f2d7e9a31")
STIX_SCO_NAMESPACE = uuid.UUID("00abedb4-aa42-466c-9c01-fed23315a9b7")

_installation_namespace: uuid.UUID | None = None


def installation_namespace() -> uuid.UUID:
    """This installation's namespace for SDO and SRO ids: read from the database on the first
    call in a process, then from memory. The row is made by the migration; one found missing
    (a flushed database, as in tests) is made anew, as for a new installation."""
    global _installation_namespace
    if _installation_namespace is None:
        from civicshield.sharing.models import InstanceIdentity

        identity, created = InstanceIdentity.objects.get_or_create(pk=InstanceIdentity.ONLY)
        if created and connection.in_atomic_block:
            # Not kept yet: the transaction may roll back, and another process would then
            # draw another namespace. The next call reads it again.
            return identity.stix_namespace
        _installation_namespace = identity.stix_namespace
    return _installation_namespace


def forget_installation_namespace() -> None:
    """Drop the namespace held in memory: the next id reads it from the database again.
    For tests that change the stored value or swap databases."""
    global _installation_namespace
    _installation_namespace = None


def _v4_shaped(namespace: uuid.UUID, stix_type: str, parts: tuple[object, ...]) -> str:
    name = ":".join([stix_type, *(str(part) for part in parts)])
    digest = uuid.uuid5(namespace, name)
    return f"{stix_type}--{uuid.UUID(bytes=digest.bytes, version=4)}"


def sdo_id(stix_type: str, *parts: object) -> str:
    """`<type>--<uuid>` for our record, the same on every export from this installation and
    different from any other installation's."""
    return _v4_shaped(installation_namespace(), stix_type, parts)


def shared_id(stix_type: str, *parts: object) -> str:
    """`<type>--<uuid>` that every installation derives alike, for what is not one
    installation's own: the SCOs of our extension's types (§2.9: producers name the same
    value alike; v4-shaped, as stix2-validator wants a UUIDv4 for SCO types it has no
    id-contributing properties for) and the identity that authors our extension definition."""
    return _v4_shaped(CIVICSHIELD_NAMESPACE, stix_type, parts)


def sco_id(stix_type: str, contributing: dict[str, object]) -> str:
    """STIX 2.1 §2.9: uuid5 of the canonical JSON of the id-contributing properties."""
    text = json.dumps(contributing, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return f"{stix_type}--{uuid.uuid5(STIX_SCO_NAMESPACE, text)}"


@functools.lru_cache(maxsize=4096)  # one per entry written: a feed names few collections
def collection_id(key: str) -> str:
    """The TAXII collection id for an audience key ("public", "org:12", ...). Shared by every
    installation, unlike SDO ids: peers are registered with these ids."""
    return str(uuid.uuid5(CIVICSHIELD_NAMESPACE, f"taxii-collection:{key}"))
