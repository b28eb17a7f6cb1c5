"""The panel in the back office: read-only. Every change goes through panel.services
(one transaction, one audit entry), and the history of a case never changes."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from civicshield.panel.models import (
    Assessment,
    ConflictDeclaration,
    Decision,
    Panel,
    PanelCase,
    PartyBriefing,
    ThresholdVersion,
)


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Panel)
class PanelAdmin(_ReadOnly):
    list_display = ("name", "quorum", "decision_rule", "majority_fraction")


@admin.register(ThresholdVersion)
class ThresholdVersionAdmin(_ReadOnly):
    list_display = ("panel", "number", "author_label", "created_at")


@admin.register(PanelCase)
class PanelCaseAdmin(_ReadOnly):
    list_display = ("title", "panel", "status", "opened_at", "decided_at")
    list_filter = ("status",)


@admin.register(ConflictDeclaration)
class ConflictDeclarationAdmin(_ReadOnly):
    list_display = ("case", "member", "has_conflict", "declared_at")


@admin.register(Assessment)
class AssessmentAdmin(_ReadOnly):
    list_display = ("case", "member", "meets_threshold", "confidence", "submitted_at")


@admin.register(Decision)
class DecisionAdmin(_ReadOnly):
    list_display = ("case", "outcome", "finding", "decided_at")


@admin.register(PartyBriefing)
class PartyBriefingAdmin(_ReadOnly):
    list_display = ("party", "briefing_round", "offered_at", "delivered_at", "acknowledged_at")
