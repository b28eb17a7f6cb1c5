"""Writes of sharing groups and agreements: one transaction and one audit entry each."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from civicshield.core import audit, authz
from civicshield.core.errors import Conflict
from civicshield.core.markings import is_wider
from civicshield.sharing.models import SharingAgreement, SharingGroup


def create_sharing_group(
    *, actor: Any, slug: str, name: str, organisations: Sequence[Any], description: str = "",
) -> SharingGroup:
    """A named set of organisations, managed by the coordinator."""
    authz.require(actor, "sharing_group:manage")
    group = SharingGroup(slug=slug, name=name, description=description)
    with transaction.atomic():
        if SharingGroup.objects.filter(slug=slug).exists():
            raise Conflict("slug", _("A sharing group with this slug already exists."))
        group.full_clean(validate_unique=False)
        group.save()
        group.organisations.set(organisations)
        audit.record(actor=actor, action="sharing_group.create", target=group,
                     details={"organisations": sorted(o.slug for o in organisations)})
    return group


def set_sharing_group_members(*, actor: Any, group: SharingGroup,
                              organisations: Sequence[Any]) -> SharingGroup:
    authz.require(actor, "sharing_group:manage")
    with transaction.atomic():
        before = sorted(group.organisations.values_list("slug", flat=True))
        group.organisations.set(organisations)
        audit.record(actor=actor, action="sharing_group.members", target=group, details={
            "from": before, "to": sorted(o.slug for o in organisations)})
    return group


def create_agreement(
    *, actor: Any, slug: str, name: str, purpose: str, default_tlp: str, widest_tlp: str,
    provider_sectors: Sequence[str] = (), providers: Sequence[Any] = (),
    information_types: Sequence[Any] = (), recipient_organisations: Sequence[Any] = (),
    recipient_groups: Sequence[Any] = (), hours_to_share: int = 24, contact: Any = None,
) -> SharingAgreement:
    """Record who commits to share what with whom, at which TLP, how fast."""
    from civicshield.directory.choices import Sector

    authz.require(actor, "agreement:manage")
    unknown = sorted(set(provider_sectors) - set(Sector.values))
    if unknown:
        raise ValidationError({"provider_sectors": _("Unknown sectors: %(codes)s.")
                               % {"codes": ", ".join(unknown)}})
    if is_wider(default_tlp, widest_tlp):
        raise ValidationError({"default_tlp": _("The default cannot be wider than the widest "
                                                "marking allowed.")})
    if not provider_sectors and not providers:
        raise ValidationError({"providers": _("Name the providing sectors or organisations.")})
    if not recipient_organisations and not recipient_groups:
        raise ValidationError({"recipient_organisations": _(
            "Name the recipients: organisations or a sharing group.")})
    agreement = SharingAgreement(
        slug=slug, name=name, purpose=purpose, provider_sectors=list(provider_sectors),
        default_tlp=default_tlp, widest_tlp=widest_tlp, hours_to_share=hours_to_share,
        contact=contact,
    )
    with transaction.atomic():
        if SharingAgreement.objects.filter(slug=slug).exists():
            raise Conflict("slug", _("An agreement with this slug already exists."))
        agreement.full_clean(validate_unique=False)
        agreement.save()
        agreement.providers.set(providers)
        agreement.information_types.set(information_types)
        agreement.recipient_organisations.set(recipient_organisations)
        agreement.recipient_groups.set(recipient_groups)
        audit.record(actor=actor, action="agreement.create", target=agreement)
    return agreement
