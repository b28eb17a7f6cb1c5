"""Who shares with whom: sharing groups (and, beside them, sharing agreements)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from civicshield.core.markings import TLP
from civicshield.core.models import Shareable


class SharingGroup(models.Model):
    """A named set of organisations that can be addressed as one audience.

    Managed by the coordinator. Members are not shown to one another through the
    records addressed to the group (see Shareable.disclose_recipients).
    """

    slug = models.SlugField(max_length=80, unique=True)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    organisations = models.ManyToManyField(
        "directory.Organisation", blank=True, related_name="sharing_groups"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("sharing group")

    def __str__(self) -> str:
        return self.name


class SharingAgreement(models.Model):
    """A stated goal: which providers share which information types with whom, how marked,
    and how fast. Applied as defaults when a covered provider reports, and checked."""

    slug = models.SlugField(max_length=80, unique=True)
    name = models.CharField(max_length=200)
    purpose = models.TextField(help_text=_("In plain words: why these partners share this."))
    provider_sectors = models.JSONField(default=list, blank=True,
                                        help_text=_("Sector codes whose organisations provide."))
    providers = models.ManyToManyField("directory.Organisation", blank=True,
                                       related_name="agreements_as_provider")
    information_types = models.ManyToManyField(
        "vocab.Term", blank=True, related_name="+",
        help_text=_("Empty: every information type."),
    )
    recipient_organisations = models.ManyToManyField(
        "directory.Organisation", blank=True, related_name="agreements_as_recipient")
    recipient_groups = models.ManyToManyField(SharingGroup, blank=True, related_name="agreements")
    default_tlp = models.CharField(max_length=12, choices=TLP.choices, default=TLP.AMBER)
    widest_tlp = models.CharField(max_length=12, choices=TLP.choices, default=TLP.AMBER)
    hours_to_share = models.PositiveIntegerField(
        default=24, help_text=_("Expected time from detection to sharing."))
    contact = models.ForeignKey("directory.Contact", null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="+")
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


# --- STIX 2.1 and TAXII 2.1 (docs/stix-mapping.md, docs/taxii.md) ----------------------


class StixImport(models.Model):
    """One import of STIX content (a file, an API call, a TAXII POST): the TAXII status
    resource (TAXII 2.1 §4.3.1) and the unit of the audit log."""

    status_id = models.UUIDField(unique=True)
    source = models.CharField(max_length=10)  # "file", "api" or "taxii"
    collection = models.CharField(max_length=36, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    organisation = models.ForeignKey("directory.Organisation", null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")
    status = models.CharField(max_length=10, default="complete")
    total_count = models.PositiveIntegerField(default=0)
    success_count = models.PositiveIntegerField(default=0)
    failure_count = models.PositiveIntegerField(default=0)
    pending_count = models.PositiveIntegerField(default=0)
    successes = models.JSONField(default=list, blank=True)
    failures = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"STIX import {self.status_id}"


class StixObject(Shareable):
    """The current version of an object received over STIX, kept verbatim (`body`, the JSON
    text as received) and re-exported unchanged. A received report also becomes a
    `reports.Report` (`report`); its STIX id and version stay here."""

    stix_id = models.CharField(max_length=300, unique=True)
    type = models.CharField(max_length=250, db_index=True)
    modified = models.CharField(max_length=40, blank=True,
                                help_text=_("The version: `modified`, else `created`, else ''."))
    body = models.TextField()
    report = models.OneToOneField("reports.Report", null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")
    received_in = models.ForeignKey(StixImport, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["stix_id"]

    def __str__(self) -> str:
        return self.stix_id


class StixObjectVersion(models.Model):
    """Every version of every object ever received, verbatim (idempotency by id + modified)."""

    stix_id = models.CharField(max_length=300)
    modified = models.CharField(max_length=40, blank=True)
    body = models.TextField()
    received_in = models.ForeignKey(StixImport, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["stix_id", "modified"],
                                               name="stix_version_once")]

    def __str__(self) -> str:
        return f"{self.stix_id} @ {self.modified}"


class UnresolvedReference(models.Model):
    """A received report refers to an object we do not hold yet (`stix_id`).

    A peer's TAXII collection holds what its marking allows, so a report's identity or
    observables may sit in another collection, or on a later page. When the object arrives,
    the report gains what it brings (observables, techniques) and the row goes.
    """

    stix_id = models.CharField(max_length=300, db_index=True)
    source = models.ForeignKey("sharing.StixObject", on_delete=models.CASCADE,
                               related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["stix_id", "source"],
                                               name="unresolved_reference_once")]

    def __str__(self) -> str:
        return f"{self.source_id} waits for {self.stix_id}"


class ObservableIndicator(models.Model):
    """An analyst's judgement that an observable of a report indicates the activity: exported
    as a STIX `indicator` with a pattern beside the SCO. Kept on the sharing side so the
    reports tables need no new column."""

    report = models.ForeignKey("reports.Report", on_delete=models.CASCADE, related_name="+")
    observable = models.ForeignKey("reports.Observable", on_delete=models.CASCADE,
                                   related_name="+")
    marked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")
    imported = models.BooleanField(
        default=False, help_text=_("Set by an import, from the sender's indicator: a newer "
                                   "version that widens the report keeps it only if it sends "
                                   "it again (an analyst's own flag stays)."))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["report", "observable"],
                                               name="observable_indicator_once")]

    def __str__(self) -> str:
        return f"{self.observable_id} indicates {self.report_id}"


class TaxiiEntry(Shareable):
    """One version of one STIX object in one TAXII collection, for one record, serialised once.

    The marking and audience are those of the record it came from, so the access layer
    (`visible_to`) decides who sees it exactly as for that record. Served by a keyset on
    `date_added`: a page costs one index range scan, whatever the collection size.
    """

    collection = models.CharField(max_length=36)
    stix_id = models.CharField(max_length=300)
    type = models.CharField(max_length=250)
    spec_version = models.CharField(max_length=5, default="2.1")
    version = models.CharField(max_length=40)
    date_added = models.DateTimeField()
    is_latest = models.BooleanField(default=True)
    body = models.TextField()
    source_report = models.ForeignKey("reports.Report", null=True, blank=True,
                                      on_delete=models.CASCADE, related_name="+")
    source_object = models.ForeignKey(StixObject, null=True, blank=True,
                                      on_delete=models.CASCADE, related_name="+")
    # The record it is published for (`publish.Entry.source`): "report:<id>", "object:<id>",
    # or "copy:..." for an SCO a sender shared that someone else held first.
    source_key = models.CharField(max_length=120)

    class Meta:
        # One entry per object version per collection per record that publishes it. Led by
        # the id, the unique index also serves lookups by id (import, publication, object by
        # id): one index keyed by random ids instead of two, since each such key written
        # dirties a page of its own (`python -m bench stix_ingest`).
        # A collection's `date_added` values are unique (`publish._date_added_series`), so
        # they alone page it: the index is the keyset.
        constraints = [models.UniqueConstraint(fields=["stix_id", "collection", "version",
                                                       "source_key"],
                                               name="taxii_entry_once"),
                       models.UniqueConstraint(fields=["collection", "date_added"],
                                               name="taxii_entry_added_once")]
        indexes = [models.Index(fields=["date_added"])]

    def __str__(self) -> str:
        return f"{self.collection}: {self.stix_id} @ {self.version}"


class PublishedReport(models.Model):
    """Which version (`updated_at`) of a report the TAXII collections hold."""

    report = models.OneToOneField("reports.Report", on_delete=models.CASCADE, related_name="+")
    version = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.report_id} @ {self.version}"


class InstanceIdentity(models.Model):
    """This installation as a producer of STIX content: one row, made by a migration with a
    random UUID, from which the ids of the SDOs and SROs we export are derived
    (`sharing.stix.ids.sdo_id`), so no two installations name their objects alike. Never
    changed: a new value would rename every object we have exported."""

    ONLY = 1

    id = models.PositiveSmallIntegerField(primary_key=True, default=ONLY, editable=False)
    stix_namespace = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(id=1),
                                              name="instance_identity_is_one_row")]
        verbose_name = _("instance identity")

    def __str__(self) -> str:
        return f"STIX namespace {self.stix_namespace}"


# --- MISP (docs/misp.md) -------------------------------------------------------------


class ReceivedMispEvent(models.Model):
    """A MISP event an organisation imported, and the report made of it: importing the event
    again updates that report when the event is newer, instead of making a second one.

    Keyed by organisation, not by uuid alone: another organisation importing the same event
    gets its own report, and never learns of, nor changes, this one.
    """

    organisation = models.ForeignKey("directory.Organisation", on_delete=models.CASCADE,
                                     related_name="+")
    event_uuid = models.UUIDField()
    event_timestamp = models.DateTimeField(
        null=True, blank=True,
        help_text=_("The imported version: the event's `timestamp`, else its "
                    "`publish_timestamp`; empty when it had neither."))
    tlp = models.CharField(
        max_length=12, choices=TLP.choices, blank=True, default="",
        help_text=_("The marking the imported version's TLP tags gave; empty when it had none. "
                    "A newer version changes the report's marking only when its tags differ "
                    "from this, and then only to narrow it (docs/misp.md)."))
    report = models.OneToOneField("reports.Report", on_delete=models.CASCADE, related_name="+")
    imported_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organisation", "event_uuid"],
                                               name="misp_event_once_per_organisation")]
        verbose_name = _("received MISP event")

    def __str__(self) -> str:
        return f"MISP event {self.event_uuid} → {self.report_id}"


# --- Federation between instances (docs/federation.md) -------------------------------

from civicshield.sharing.federation.models import (  # noqa: E402, F401
    Direction,
    Peer,
    ReceivedFromPeer,
)
