from typing import Any

from django.contrib import admin
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest

from civicshield.core import audit, authz
from civicshield.core.models import ApiToken, AuditEntry


def _backoffice_permission(request: HttpRequest) -> bool:
    return authz.can(request.user, "backoffice:access")


# The back office is for the `admin` role only, whatever the staff flag says.
# Replacing the method on this one instance is the point (not a subclass of AdminSite).
admin.site.has_permission = _backoffice_permission  # type: ignore[method-assign]
admin.site.site_header = "Civic Shield back office"


class ReadOnlyAdmin(admin.ModelAdmin):
    """For records that change only through their services (one transaction, one audit
    entry, their own rules) or never: the back office shows them, nothing more."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class AuditedAdmin(admin.ModelAdmin):
    """Back-office writes are audited like any other: one entry per saved or deleted record,
    in the same transaction (`admin.add`, `admin.change` naming the fields, `admin.delete`)."""

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            audit.record(actor=request.user, action="admin.change" if change else "admin.add",
                         target=obj, details={"fields": sorted(form.changed_data)})

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        with transaction.atomic():
            audit.record(actor=request.user, action="admin.delete", target=obj)
            super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        with transaction.atomic():
            for obj in queryset:
                audit.record(actor=request.user, action="admin.delete", target=obj)
            super().delete_queryset(request, queryset)


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    """The audit log is append-only, even for administrators."""

    list_display = ("at", "actor_label", "surface", "action", "object_repr")
    list_filter = ("surface", "action")
    search_fields = ("actor_label", "object_repr", "action")


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdmin):
    """Tokens are issued and revoked through core.services (`civicshield token`, the tokens
    page): the secret is shown once, the revocation audited."""

    list_display = ("prefix", "user", "label", "created_at", "last_used_at", "revoked_at")
    exclude = ("digest",)
