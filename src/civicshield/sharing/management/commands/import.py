"""`civicshield import FILE`: the STIX 2.1 import (see import_stix.py)."""

from civicshield.sharing.management.commands.import_stix import Command

__all__ = ["Command"]
