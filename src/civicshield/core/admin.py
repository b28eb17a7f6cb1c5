from django.contrib import admin
from django.http import HttpRequest

from civicshield.core import authz
from civicshield.core.models import ApiToken, AuditEntry


def _backoffice_permission(request: HttpRequest) -> bool:
    return authz.can(request.user, "backoffice:access")


# The back office is for the `admin` role only, whatever the staff flag says.
admin.site.has_permission = _backoffice_permission  # type: ignore[method-assign]
admin.site.site_header = "Civic Shield back office"


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ("at", "actor_label", "surface", "action", "object_repr")
    list_filter = ("surface", "action")
    search_fields = ("actor_label", "object_repr", "action")

    # The audit log is append-only, even for administrators.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("prefix", "user", "label", "created_at", "last_used_at", "revoked_at")
    readonly_fields = ("prefix", "digest", "created_at", "last_used_at")
    exclude = ("digest",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
