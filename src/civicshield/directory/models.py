"""Who is who: organisations, their points of contact, and user accounts."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from civicshield.core.choices import Role
from civicshield.directory.choices import (
    POLITICAL_SECTORS,
    Availability,
    EscalationLevel,
    PoliticalLeaning,
    Sector,
)


class Organisation(models.Model):
    slug = models.SlugField(max_length=80, unique=True)
    name = models.CharField(max_length=200)
    sector = models.CharField(max_length=40, choices=Sector.choices)
    country = models.CharField(max_length=100)
    region = models.CharField(max_length=100, blank=True, help_text=_("Empty: nationwide."))
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    website = models.URLField(blank=True)
    verified = models.BooleanField(default=False)
    political_leaning = models.CharField(
        max_length=20, choices=PoliticalLeaning.choices, blank=True
    )
    is_coordinator = models.BooleanField(
        default=False, help_text=_("The organisation that runs this instance.")
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(political_leaning="") | Q(sector__in=POLITICAL_SECTORS),
                name="leaning_only_for_parties_and_campaigns",
            ),
            models.UniqueConstraint(
                fields=["is_coordinator"], condition=Q(is_coordinator=True),
                name="one_coordinating_organisation",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Contact(models.Model):
    """A point of contact: a person an organisation puts forward for some topics and phases.

    Topics, phases and languages are free tags for now (lists of codes); the
    shared vocabulary binds them later.
    """

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="contacts"
    )
    name = models.CharField(max_length=200)
    role_title = models.CharField(max_length=200, blank=True)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=20, blank=True, help_text=_("E.164, e.g. +442079460123"))
    secure_channel = models.CharField(max_length=200, blank=True)
    topics = models.JSONField(default=list, blank=True)
    phases = models.JSONField(default=list, blank=True)
    languages = models.JSONField(default=list, blank=True)
    region = models.CharField(
        max_length=100, blank=True, help_text=_("Empty: the organisation's own coverage.")
    )
    availability = models.CharField(
        max_length=20, choices=Availability.choices, default=Availability.BUSINESS_HOURS
    )
    timezone = models.CharField(max_length=64, default="UTC")
    escalation_level = models.PositiveSmallIntegerField(
        choices=EscalationLevel.choices, default=EscalationLevel.ANALYST
    )
    escalates_to = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="escalated_from"
    )
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["organisation__name", "-escalation_level", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(escalation_level__gte=1) & Q(escalation_level__lte=3),
                name="escalation_level_1_to_3",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.organisation})"

    @property
    def coverage_region(self) -> str:
        return self.region or self.organisation.region


class User(AbstractUser):
    """An account: belongs to one organisation and holds one role (see core.authz)."""

    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="users"
    )
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.VIEWER)
    preferred_language = models.CharField(max_length=8, default="en")

    # django-stubs does not declare AbstractUser.Meta, which Django documents for this use.
    class Meta(AbstractUser.Meta):  # type: ignore[name-defined]
        swappable = "AUTH_USER_MODEL"
