"""Reads of sharing groups and agreements, and the sharing terms that apply to a report."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet

from civicshield.core import authz
from civicshield.core.errors import NotFound
from civicshield.core.markings import width
from civicshield.sharing.models import SharingAgreement, SharingGroup

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


def sharing_groups_visible_to(viewer: Any) -> QuerySet[SharingGroup]:
    """Members see the groups; member lists are for the coordinator and the group's members."""
    authz.require(viewer, "directory:view")
    return SharingGroup.objects.prefetch_related("organisations").order_by("name")


def may_see_members(viewer: Any, group: SharingGroup) -> bool:
    """Member lists are for the coordinator and the group's own members: a recipient does not
    learn who else receives what is addressed to the group."""
    if authz.can(viewer, "sharing_group:manage"):
        return True
    organisation_id = getattr(viewer, "organisation_id", None)
    return any(o.pk == organisation_id for o in group.organisations.all())


def sharing_group_for(viewer: Any, slug: str) -> SharingGroup:
    group = sharing_groups_visible_to(viewer).filter(slug=slug).first()
    if group is None:
        raise NotFound("sharing group")
    return group


def agreements_visible_to(viewer: Any) -> QuerySet[SharingAgreement]:
    authz.require(viewer, "directory:view")
    return SharingAgreement.objects.prefetch_related(
        "providers", "information_types", "recipient_organisations", "recipient_groups"
    ).select_related("contact", "contact__organisation")


@dataclass
class SharingTerms:
    """What the agreements covering a provider and some information types say."""

    agreements: list[SharingAgreement] = field(default_factory=list)
    default_tlp: str | None = None
    widest_tlp: str | None = None
    organisations: list[Any] = field(default_factory=list)
    groups: list[Any] = field(default_factory=list)

    def limiting_agreement(self) -> SharingAgreement | None:
        if self.widest_tlp is None:
            return None
        return next(a for a in self.agreements if a.widest_tlp == self.widest_tlp)


def agreements_covering(provider: Any, information_types: Iterable[Any]) -> SharingTerms:
    """The active agreements under which `provider` shares these information types.

    Several agreements combine cautiously: the narrowest default and the narrowest
    ceiling win, and the audience is the union of their recipients.
    """
    type_ids = {term.pk for term in information_types}
    # Agreements are few (tens), and SQLite cannot search JSON arrays: filter in Python.
    covering = [
        agreement for agreement in SharingAgreement.objects.filter(active=True).prefetch_related(
            "providers", "information_types", "recipient_organisations", "recipient_groups"
        ).order_by("name")
        if (provider.sector in agreement.provider_sectors
            or any(p.pk == provider.pk for p in agreement.providers.all()))
        and (not agreement.information_types.all()
             or any(t.pk in type_ids for t in agreement.information_types.all()))
    ]
    if not covering:
        return SharingTerms()
    terms = SharingTerms(agreements=covering)
    terms.default_tlp = min((a.default_tlp for a in covering), key=width)
    terms.widest_tlp = min((a.widest_tlp for a in covering), key=width)
    for agreement in covering:
        for organisation in agreement.recipient_organisations.all():
            if organisation not in terms.organisations:
                terms.organisations.append(organisation)
        for group in agreement.recipient_groups.all():
            if group not in terms.groups:
                terms.groups.append(group)
    return terms


@dataclass
class MatrixCell:
    agreements: list[SharingAgreement]

    @property
    def covered(self) -> bool:
        return bool(self.agreements)


@dataclass
class SharingMatrix:
    sectors: list[tuple[str, StrOrPromise]]  # code and label, translated when shown
    information_types: list[Any]
    cells: dict[tuple[str, int], MatrixCell]
    holes: list[Any]  # information types no one has agreed to share


def sharing_matrix(viewer: Any, information_types: list[Any]) -> SharingMatrix:
    """Sectors by information types: who has committed to share what, and the holes."""
    from civicshield.directory.choices import Sector

    agreements = list(agreements_visible_to(viewer).filter(active=True))
    cells: dict[tuple[str, int], MatrixCell] = {}
    for sector, _label in Sector.choices:
        for term in information_types:
            cells[(sector, term.pk)] = MatrixCell([
                a for a in agreements
                if (sector in a.provider_sectors
                    or any(p.sector == sector for p in a.providers.all()))
                and (not a.information_types.all()
                     or any(t.pk == term.pk for t in a.information_types.all()))
            ])
    holes = [term for term in information_types
             if not any(cells[(sector, term.pk)].covered for sector, _ in Sector.choices)]
    return SharingMatrix(list(Sector.choices), information_types, cells, holes)

