"""The panel in the back office: read-only. Every change goes through panel.services
(one transaction, one audit entry), and the history of a case never changes."""


from django.contrib import admin

from civicshield.core.admin import ReadOnlyAdmin
from civicshield.panel.models import (
    Assessment,
    ConflictDeclaration,
    Decision,
    Panel,
    PanelCase,
    PartyBriefing,
    ThresholdVersion,
)


@admin.register(Panel)
class PanelAdmin(ReadOnlyAdmin):
    list_display = ("name", "quorum", "decision_rule", "majority_fraction")


@admin.register(ThresholdVersion)
class ThresholdVersionAdmin(ReadOnlyAdmin):
    list_display = ("panel", "number", "author_label", "created_at")


@admin.register(PanelCase)
class PanelCaseAdmin(ReadOnlyAdmin):
    list_display = ("title", "panel", "status", "opened_at", "decided_at")
    list_filter = ("status",)


@admin.register(ConflictDeclaration)
class ConflictDeclarationAdmin(ReadOnlyAdmin):
    list_display = ("case", "member", "has_conflict", "declared_at")


@admin.register(Assessment)
class AssessmentAdmin(ReadOnlyAdmin):
    list_display = ("case", "member", "meets_threshold", "confidence", "submitted_at")


@admin.register(Decision)
class DecisionAdmin(ReadOnlyAdmin):
    list_display = ("case", "outcome", "finding", "decided_at")


@admin.register(PartyBriefing)
class PartyBriefingAdmin(ReadOnlyAdmin):
    list_display = ("party", "briefing_round", "offered_at", "delivered_at", "acknowledged_at")
