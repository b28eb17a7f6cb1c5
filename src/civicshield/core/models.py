"""Kernel records: the audit log and hashed API tokens."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from civicshield.core.choices import Surface
from civicshield.core.markings import TLP


class AuditEntry(models.Model):
    """Who did what, when, from which surface, on which object.

    Written only by `core.audit.record`, inside the transaction of the change it
    describes. `actor_label` keeps the name even if the account is later removed.
    """

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="audit_entries",
    )
    actor_label = models.CharField(max_length=150)
    organisation_slug = models.CharField(max_length=80, blank=True)
    surface = models.CharField(max_length=10, choices=Surface.choices)
    action = models.CharField(max_length=80, db_index=True)
    object_type = models.CharField(max_length=80, blank=True)
    object_id = models.CharField(max_length=80, blank=True)
    object_repr = models.CharField(max_length=200, blank=True)
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.object_repr}"


class ApiToken(models.Model):
    """An API token. Only a SHA-256 digest of the secret is stored.

    The secret is 256 random bits, so a fast digest is enough (no dictionary to
    guess from); a slow password hash would only slow every API call.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    label = models.CharField(max_length=100, blank=True)
    prefix = models.CharField(max_length=12, help_text=_("First characters, to recognise it."))
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.label or 'token'}) for {self.user}"

    @property
    def active(self) -> bool:
        return self.revoked_at is None


class Shareable(models.Model):
    """What every record shared between organisations carries: a TLP marking and an audience.

    Who may see it is decided by `core.access.visible_to` alone (DESIGN.md, "Markings and
    audiences"); the fields below are its input and nothing else reads them to decide.
    """

    tlp = models.CharField(max_length=12, choices=TLP.choices, default=TLP.AMBER, db_index=True)
    owner_organisation = models.ForeignKey(
        "directory.Organisation", on_delete=models.PROTECT, related_name="+",
        help_text=_("The organisation that shared it; it always sees it, unless TLP:RED."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    audience_organisations = models.ManyToManyField(
        "directory.Organisation", blank=True, related_name="+",
        help_text=_("AMBER: these and their sub-organisations; AMBER+STRICT: these only."),
    )
    audience_groups = models.ManyToManyField("sharing.SharingGroup", blank=True, related_name="+")
    audience_users = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="+",
        help_text=_("TLP:RED: the named individuals."),
    )
    disclose_recipients = models.BooleanField(
        default=False, help_text=_("Show recipients who else received it."),
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True
