"""Who shares with whom: sharing groups (and, beside them, sharing agreements)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from civicshield.core.markings import TLP


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
