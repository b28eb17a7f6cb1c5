"""Enumerations of federation (docs/federation.md)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class SkipReason(models.TextChoices):
    """Why a sync left an object out (`services.SkippedObject`)."""

    # Pull, before the import.
    MALFORMED = "malformed", _("not a STIX object with an id")
    UNREADABLE = "unreadable", _("sent too large or nested too deep to read")
    NARROWER = "narrower", _("marked narrower than we exchange with this peer")
    LOOP = "loop", _("published here: the peer sent it back (loop)")
    # Refusals: the import refused it (pull) or the peer did (push).
    INVALID = "invalid", _("invalid")
    REFUSED = "refused", _("refused by the peer")


# The reasons counted as `rejected` (refused by a receiving import), not `skipped`.
REFUSALS = frozenset({SkipReason.INVALID, SkipReason.REFUSED})
