"""Enumerations of the readiness app. Electoral phases live in vocab.choices.ElectoralPhase."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ElectionType(models.TextChoices):
    GENERAL = "general", _("General election")
    PRESIDENTIAL = "presidential", _("Presidential election")
    LEGISLATIVE = "legislative", _("Legislative election")
    REGIONAL = "regional", _("Regional election")
    LOCAL = "local", _("Local election")
    REFERENDUM = "referendum", _("Referendum")
    BY_ELECTION = "by-election", _("By-election")
