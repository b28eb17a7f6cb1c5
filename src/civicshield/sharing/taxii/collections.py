"""The TAXII collections a client may read: one per audience (docs/taxii.md).

- public: TLP:CLEAR, readable by every client; writable by the coordinating
  organisation's staff (publishing to the public is its decision);
- community: TLP:GREEN, for every member;
- one per sharing group the client's organisation (or a parent) belongs to: AMBER and
  AMBER+STRICT addressed to that group (AMBER+STRICT only reaches member organisations
  themselves — the access layer filters);
- one per organisation of the client's lineage (its own, then its parents): AMBER,
  AMBER+STRICT and RED shared by or addressed to that organisation or its people.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from civicshield.core import authz
from civicshield.core.access import Viewer
from civicshield.core.markings import TLP
from civicshield.sharing.stix.ids import collection_id


@dataclass(frozen=True)
class Collection:
    key: str
    title: str
    description: str
    can_read: bool
    can_write: bool
    default_tlp: str
    group_id: int | None = None

    @property
    def id(self) -> str:
        return collection_id(self.key)

    def resource(self) -> dict[str, Any]:
        """The collection resource (TAXII 2.1 §5.2.1)."""
        return {
            "id": self.id, "title": self.title, "description": self.description,
            "can_read": self.can_read, "can_write": self.can_write,
            "media_types": ["application/stix+json;version=2.1"],
        }


def collections_for(user: Any) -> list[Collection]:
    from civicshield.directory.models import Organisation
    from civicshield.sharing.models import SharingGroup

    viewer = Viewer.of(user)
    may_write = authz.can(user, "report:create")
    result = [Collection(
        "public", _("Public (TLP:CLEAR)"), _("What anyone may see, the public included."),
        can_read=True, can_write=may_write and viewer.is_coordinator, default_tlp=TLP.CLEAR)]
    if not viewer.is_member:
        return result
    result.append(Collection(
        "community", _("Community (TLP:GREEN)"),
        _("What every member organisation of this instance may see."),
        can_read=True, can_write=may_write, default_tlp=TLP.GREEN))
    for group in SharingGroup.objects.filter(pk__in=viewer.amber_groups).order_by("name"):
        result.append(Collection(
            f"group:{group.pk}", _("Sharing group: %(name)s") % {"name": group.name},
            _("TLP:AMBER and TLP:AMBER+STRICT addressed to this sharing group."),
            can_read=True, can_write=may_write and group.pk in viewer.strict_groups,
            default_tlp=TLP.AMBER, group_id=group.pk))
    names = dict(Organisation.objects.filter(pk__in=viewer.lineage).values_list("pk", "name"))
    for organisation_id in viewer.lineage:
        own = organisation_id == viewer.organisation_id
        result.append(Collection(
            f"org:{organisation_id}",
            _("Organisation: %(name)s") % {"name": names.get(organisation_id, "")},
            _("TLP:AMBER, TLP:AMBER+STRICT and TLP:RED shared by or addressed to this "
              "organisation or its people."),
            can_read=True, can_write=may_write and own, default_tlp=TLP.AMBER))
    return result


def collection_for(user: Any, identifier: str) -> Collection | None:
    """The client's collection with this id, or None — the same for missing and foreign."""
    return next((c for c in collections_for(user) if c.id == identifier), None)
