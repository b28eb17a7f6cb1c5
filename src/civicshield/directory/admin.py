from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from civicshield.core.admin import AuditedAdmin
from civicshield.directory.models import Contact, Organisation, User


@admin.register(Organisation)
class OrganisationAdmin(AuditedAdmin):
    list_display = ("name", "slug", "sector", "country", "region", "verified")
    list_filter = ("sector", "verified", "country")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}


@admin.register(Contact)
class ContactAdmin(AuditedAdmin):
    list_display = (
        "name",
        "organisation",
        "role_title",
        "escalation_level",
        "availability",
        "active",
    )
    list_filter = ("escalation_level", "availability", "active")
    search_fields = ("name", "email", "organisation__name")
    raw_id_fields = ("escalates_to",)


@admin.register(User)
class CivicShieldUserAdmin(AuditedAdmin, UserAdmin):
    list_display = ("username", "organisation", "role", "is_active", "last_login")
    list_filter = ("role", "is_active")
    fieldsets = (
        *(UserAdmin.fieldsets or ()),
        ("Civic Shield", {"fields": ("organisation", "role", "preferred_language")}),
    )
