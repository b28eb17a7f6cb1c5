"""What a viewer may learn of a victim's identity, by the victim's consent.

- public: anyone sees who they are;
- partners: members of the community see who they are, the public does not;
- private: partners see only a description ("a candidate in the North region"); the
  coordinating organisation, the victim's own organisation and the organisation that
  described the victim see the identity.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from civicshield.core.access import Viewer
from civicshield.reports.choices import Consent, VictimKind
from civicshield.reports.models import Victim


@dataclass(frozen=True)
class VictimView:
    id: int | None  # None when the identity is withheld: even the record id would link reports
    label: str
    kind: str
    region: str
    identified: bool
    organisation_slug: str | None
    consent: str | None


def _description(victim: Victim) -> str:
    region = victim.region or (victim.organisation.region
                               if victim.organisation is not None else "")
    kind = VictimKind(victim.kind)
    if kind == VictimKind.ORGANISATION and victim.organisation is not None:
        sector = victim.organisation.get_sector_display().lower()
        base = _("an organisation (%(sector)s)") % {"sector": sector}
    else:
        base = {
            VictimKind.CANDIDATE: _("a candidate"), VictimKind.OFFICIAL: _("an official"),
            VictimKind.VOTERS: _("a group of voters"), VictimKind.OTHER: _("a person or group"),
        }[kind]
    return _("%(who)s in the %(region)s region") % {"who": base, "region": region} if region \
        else base


def may_identify(viewer: Any, victim: Victim) -> bool:
    who = Viewer.of(viewer)
    if victim.consent == Consent.PUBLIC:
        return True
    if victim.consent == Consent.PARTNERS:
        return who.is_member
    if who.organisation_id is None:
        return False
    return (
        who.is_coordinator
        or victim.organisation_id == who.organisation_id
        or victim.recorded_by_id == who.organisation_id
    )


def view_of(viewer: Any, victim: Victim) -> VictimView:
    """The victim as this viewer may see them."""
    if may_identify(viewer, victim):
        return VictimView(
            id=victim.pk, label=str(victim), kind=victim.kind,
            region=victim.region or (victim.organisation.region
                                     if victim.organisation is not None else ""),
            identified=True,
            organisation_slug=(victim.organisation.slug if victim.organisation is not None
                               else None),
            consent=victim.consent,
        )
    return VictimView(id=None, label=_description(victim), kind=victim.kind,
                      region=victim.region, identified=False, organisation_slug=None,
                      consent=None)
