"""Reads of the kernel: the audit log and a user's tokens."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from civicshield.core import authz
from civicshield.core.models import ApiToken, AuditEntry


def audit_entries_visible_to(viewer: Any) -> QuerySet[AuditEntry]:
    authz.require(viewer, "audit:view")
    return AuditEntry.objects.select_related("actor")


def tokens_of(user: Any) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user)
