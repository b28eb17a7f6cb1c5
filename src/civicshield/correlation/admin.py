from django.contrib import admin

from civicshield.core.admin import AuditedAdmin, ReadOnlyAdmin
from civicshield.correlation.models import AllowListEntry, Campaign


@admin.register(AllowListEntry)
class AllowListEntryAdmin(AuditedAdmin):
    list_display = ("value", "type", "reason", "added_by", "created_at")
    search_fields = ("value", "reason")
    list_filter = ("type",)


@admin.register(Campaign)
class CampaignAdmin(ReadOnlyAdmin):
    """Campaigns are confirmed, renamed, merged and split on their pages, through
    correlation.services (audited, and marking the campaign decided)."""

    list_display = ("label", "status", "score", "threshold_crossed", "last_seen")
    list_filter = ("status", "threshold_crossed")
    readonly_fields = ("score", "threshold_crossed", "known_phases", "known_victims",
                       "first_seen", "last_seen")
