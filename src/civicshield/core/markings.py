"""TLP 2.0 markings: the codes, their order from narrowest to widest, and their STIX ids.

FIRST TLP 2.0 (https://www.first.org/tlp/); STIX 2.1 marking-definition ids as
published by OASIS for TLP 2.0 (see DESIGN.md, "Markings and audiences").
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class TLP(models.TextChoices):
    CLEAR = "clear", _("TLP:CLEAR")
    GREEN = "green", _("TLP:GREEN")
    AMBER = "amber", _("TLP:AMBER")
    AMBER_STRICT = "amber+strict", _("TLP:AMBER+STRICT")
    RED = "red", _("TLP:RED")


# Narrowest first: a marking may be tightened freely, widened only within what is allowed.
_ORDER = [TLP.RED, TLP.AMBER_STRICT, TLP.AMBER, TLP.GREEN, TLP.CLEAR]

STIX_MARKING_DEFINITION_IDS: dict[str, str] = {
    TLP.CLEAR: "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
    TLP.GREEN: "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
    TLP.AMBER: "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
    TLP.AMBER_STRICT: "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
    TLP.RED: "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
}

# TLP 1.0 names from older partners map onto TLP 2.0.
TLP_1_TO_2: dict[str, str] = {
    "white": TLP.CLEAR, "clear": TLP.CLEAR, "green": TLP.GREEN, "amber": TLP.AMBER,
    "amber+strict": TLP.AMBER_STRICT, "red": TLP.RED,
}


def width(tlp: str) -> int:
    """0 for RED up to 4 for CLEAR."""
    return _ORDER.index(TLP(tlp))


def is_wider(tlp: str, than: str) -> bool:
    return width(tlp) > width(than)


def needs_named_recipients(tlp: str) -> bool:
    return tlp in (TLP.AMBER, TLP.AMBER_STRICT, TLP.RED)
