from django.contrib import admin

from civicshield.core.admin import AuditedAdmin
from civicshield.correlation.models import AllowListEntry, Campaign


@admin.register(AllowListEntry)
class AllowListEntryAdmin(AuditedAdmin):
    list_display = ("value", "type", "reason", "added_by", "created_at")
    search_fields = ("value", "reason")
    list_filter = ("type",)


@admin.register(Campaign)
class CampaignAdmin(AuditedAdmin):
    list_display = ("label", "status", "score", "threshold_crossed", "last_seen")
    list_filter = ("status", "threshold_crossed")
    readonly_fields = ("score", "threshold_crossed", "known_phases", "known_victims",
                       "first_seen", "last_seen")
