from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from civicshield.readiness.models import Election, ElectionPhase


class ElectionPhaseInline(admin.TabularInline):
    model = ElectionPhase
    extra = 0

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Election)
class ElectionAdmin(admin.ModelAdmin):
    list_display = ("name", "jurisdiction", "election_type", "election_day")
    inlines = [ElectionPhaseInline]

    # Read-only: elections change through readiness.services (one transaction, one audit entry).
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
