"""The one access layer: what a viewer may see of shared records (DESIGN.md, TLP 2.0).

Every surface — pages, API, TAXII, exports, search, counts, the portal — reads shared
records through `visible_to` (a queryset filter, so lists paginate in the database) or
`get_visible` (one record, or the same NotFound for missing and forbidden alike).

The rules, for a record with marking `tlp`, owner organisation O and creator C:
- CLEAR: anyone, the public included.
- GREEN: every member (a signed-in account of a member organisation).
- AMBER: the named organisations and their sub-organisations, and the members of the named
  sharing groups and their sub-organisations.
- AMBER+STRICT: the named organisations, and the member organisations of the named groups,
  only.
- RED: the named individuals only.
- O's members always see it, except RED; C always sees it.
- The coordinating organisation sees everything except RED not addressed to its member.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.db import models, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet

from civicshield.core import audit
from civicshield.core.errors import NotFound
from civicshield.core.markings import TLP

Model = TypeVar("Model", bound=models.Model)

# Reads of these markings are written to the audit log, so the owner can see who looked.
AUDITED_READ_MARKINGS = (TLP.AMBER, TLP.AMBER_STRICT, TLP.RED)


@dataclass(frozen=True)
class Viewer:
    """Who is looking, reduced to what the rules need. Build it with `Viewer.of(user)`."""

    user_id: int | None
    organisation_id: int | None
    lineage: tuple[int, ...]  # the viewer's organisation, then its parent, up to the root
    is_coordinator: bool
    amber_groups: tuple[int, ...]  # sharing groups holding an organisation of the lineage
    strict_groups: tuple[int, ...]  # sharing groups holding the viewer's organisation itself

    @property
    def is_member(self) -> bool:
        return self.user_id is not None and self.organisation_id is not None

    @classmethod
    def anonymous(cls) -> Viewer:
        return cls(None, None, (), False, (), ())

    @classmethod
    def of(cls, user: Any) -> Viewer:
        """The viewer for a user (anonymous, inactive or without organisation: the public)."""
        if isinstance(user, Viewer):
            return user
        if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
            return cls.anonymous()
        cached = getattr(user, "_civicshield_viewer", None)
        if cached is not None:
            return cached
        organisation = user.organisation
        if organisation is None:
            viewer = cls(user.pk, None, (), False, (), ())
        else:
            viewer = cls._for_member(user.pk, organisation)
        user._civicshield_viewer = viewer
        return viewer

    @classmethod
    def for_peer_group(cls, group_id: int) -> Viewer:
        """A federation peer reading what is addressed to its AMBER group: a member of that
        group alone, of no local organisation (AMBER+STRICT never goes to a peer)."""
        return cls(user_id=0, organisation_id=0, lineage=(), is_coordinator=False,
                   amber_groups=(group_id,), strict_groups=())

    @classmethod
    def for_organisation(cls, organisation: Any) -> Viewer:
        """Any member of `organisation`, present or future: only the organisation-wide rules
        apply (no account has id 0, so no RED item names it and it created nothing)."""
        return cls._for_member(0, organisation)

    @classmethod
    def _for_member(cls, user_id: int, organisation: Any) -> Viewer:
        from civicshield.directory.models import Organisation
        from civicshield.sharing.models import SharingGroup

        lineage = [organisation.pk]
        parent_id = organisation.parent_id
        while parent_id is not None and parent_id not in lineage:
            lineage.append(parent_id)
            parent_id = (
                Organisation.objects.filter(pk=parent_id).values_list("parent_id", flat=True)
                .first()
            )
        memberships = list(
            SharingGroup.organisations.through.objects.filter(organisation_id__in=lineage)
            .values_list("sharinggroup_id", "organisation_id")
        )
        return cls(
            user_id=user_id,
            organisation_id=organisation.pk,
            lineage=tuple(lineage),
            is_coordinator=organisation.is_coordinator,
            amber_groups=tuple(sorted({group for group, _ in memberships})),
            strict_groups=tuple(sorted(
                {group for group, member in memberships if member == organisation.pk})),
        )


def _audience_exists(model: type[models.Model], field: str, **lookup: Any) -> Q:
    """EXISTS over one audience table, so a record never repeats as joins would make it.

    Wrapped in a Q (the same SQL) so that it combines with `&` and `|` as a Q."""
    relation = model._meta.get_field(field)
    assert isinstance(relation, models.ManyToManyField)  # the audience_* fields of Shareable
    through = relation.remote_field.through
    assert through is not None  # set for every many-to-many field once the models are ready
    owner_column = relation.m2m_field_name()
    target_column = relation.m2m_reverse_field_name()
    conditions = {f"{target_column}_id{suffix}": value for suffix, value in lookup.items()}
    return Q(Exists(through._default_manager.filter(**{owner_column: OuterRef("pk")},
                                                    **conditions)))


def _visibility(model: type[models.Model], viewer: Viewer) -> Q:
    if not viewer.is_member:
        return Q(tlp=TLP.CLEAR)
    not_red = ~Q(tlp=TLP.RED)
    rule = Q(tlp__in=(TLP.CLEAR, TLP.GREEN))
    rule |= Q(created_by_id=viewer.user_id)
    rule |= Q(tlp=TLP.RED) & _audience_exists(model, "audience_users", **{"": viewer.user_id})
    if viewer.is_coordinator:
        return rule | not_red
    rule |= not_red & Q(owner_organisation_id=viewer.organisation_id)
    amber = _audience_exists(model, "audience_organisations", __in=viewer.lineage)
    strict = _audience_exists(model, "audience_organisations", **{"": viewer.organisation_id})
    if viewer.amber_groups:
        amber |= _audience_exists(model, "audience_groups", __in=viewer.amber_groups)
    if viewer.strict_groups:
        strict |= _audience_exists(model, "audience_groups", __in=viewer.strict_groups)
    rule |= Q(tlp=TLP.AMBER) & amber
    rule |= Q(tlp=TLP.AMBER_STRICT) & strict
    return rule


def visible_to(viewer: Any, queryset: QuerySet[Model]) -> QuerySet[Model]:
    """The records of `queryset` that `viewer` (a user, a Viewer or None) may see."""
    return queryset.filter(_visibility(queryset.model, Viewer.of(viewer)))


def can_see(viewer: Any, record: models.Model) -> bool:
    return visible_to(viewer, type(record)._default_manager.filter(pk=record.pk)).exists()


def get_visible(viewer: Any, queryset: QuerySet[Model], **lookup: Any) -> Model:
    """The one visible record matching `lookup`, or NotFound — the same for missing and hidden."""
    record = visible_to(viewer, queryset).filter(**lookup).first()
    if record is None:
        raise NotFound(str(queryset.model._meta.verbose_name))
    return record


def record_read(viewer: Any, record: Any, *, action: str = "read",
                details: dict[str, Any] | None = None) -> None:
    """Write the read of an AMBER, AMBER+STRICT or RED record to the audit log (with
    `details`, e.g. the STIX id a TAXII client asked for)."""
    record_reads(viewer, [(record, details or {})], action=action)


def record_reads(viewer: Any, reads: Iterable[tuple[Any, dict[str, Any]]], *,
                 action: str = "read") -> None:
    """`record_read` of many (record, details) pairs, in one transaction. A `tlp` in the
    details is the marking of what was served (a copy published under an earlier marking
    of the record): it decides, rather than the record's present one."""
    user = viewer if getattr(viewer, "is_authenticated", False) else None
    audited = [(record, {**details, "tlp": details.get("tlp") or getattr(record, "tlp", None)})
               for record, details in reads]
    audited = [(record, details) for record, details in audited
               if details["tlp"] in AUDITED_READ_MARKINGS]
    if not audited:
        return
    with transaction.atomic():
        for record, details in audited:
            audit.record(actor=user, action=f"{record._meta.model_name}.{action}",
                         target=record, details=details)


def may_see_recipients(viewer: Any, record: Any) -> bool:
    """Whether the viewer may learn who else received `record`.

    Recipients do not learn of one another unless the owner chose to show them; the
    owner, the creator and the coordinator always may.
    """
    who = Viewer.of(viewer)
    if not who.is_member:
        return False
    return bool(
        record.disclose_recipients or record.created_by_id == who.user_id
        or record.owner_organisation_id == who.organisation_id or who.is_coordinator
    )


def seen_by_no_one_else(record: Any, *, than: Any) -> bool:
    """True when everyone who may see `record` may also see `than`.

    Asked before moving content of `than` into `record` (merging duplicates): otherwise the
    content would reach people its own marking keeps it from. Checked for the public, for
    a newcomer to every organisation (accounts not created yet count too), for the reader of
    each federation peer's AMBER group (the peer reads as a member of that group alone) and
    for every active account — exact under the rules above, and affordable because merges
    are rare.
    """
    from django.contrib.auth import get_user_model

    from civicshield.directory.models import Organisation
    from civicshield.sharing.federation.models import Peer

    model = type(record)
    pair = model._default_manager.filter(pk__in=[record.pk, than.pk])
    viewers = [Viewer.anonymous()]
    viewers += [Viewer.for_organisation(organisation)
                for organisation in Organisation.objects.all()]
    peer_groups = Peer.objects.filter(amber_group__isnull=False).values_list(
        "amber_group_id", flat=True).distinct()
    viewers += [Viewer.for_peer_group(group_id) for group_id in peer_groups]
    viewers += [Viewer.of(user) for user in
                get_user_model().objects.filter(is_active=True).select_related("organisation")]
    for viewer in viewers:
        seen = set(visible_to(viewer, pair).values_list("pk", flat=True))
        if record.pk in seen and than.pk not in seen:
            return False
    return True


def may_see_readers(viewer: Any, record: Any) -> bool:
    """Whether the viewer may see who read `record`: its owner organisation, its creator
    and the coordinator."""
    who = Viewer.of(viewer)
    return who.is_member and (
        record.owner_organisation_id == who.organisation_id
        or record.created_by_id == who.user_id or who.is_coordinator
    )


def readers_of(viewer: Any, record: Any) -> QuerySet[Any]:
    """The audited reads and downloads of `record`, newest first, for those allowed by
    `may_see_readers` (others get NotFound, like any hidden record)."""
    from civicshield.core.models import AuditEntry

    if not may_see_readers(viewer, record):
        raise NotFound("access log")
    prefix = f"{record._meta.model_name}."
    return AuditEntry.objects.filter(
        object_type=record._meta.label_lower, object_id=str(record.pk),
        action__in=[prefix + "read", prefix + "download", prefix + "export"],
    ).order_by("-at", "-id")
