from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from civicshield.core.admin import ReadOnlyAdmin
from civicshield.readiness.models import Election, ElectionPhase


class ElectionPhaseInline(admin.TabularInline):
    model = ElectionPhase
    extra = 0

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Election)
class ElectionAdmin(ReadOnlyAdmin):
    """Elections change through readiness.services (one transaction, one audit entry)."""

    list_display = ("name", "jurisdiction", "election_type", "election_day")
    inlines = [ElectionPhaseInline]
