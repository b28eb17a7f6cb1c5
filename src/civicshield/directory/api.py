"""Directory API: organisations, contacts, who-to-contact."""

from ninja import Router

router = Router(tags=["directory"])
