"""Back-office views of the vocabularies: read-only, since terms change only by import."""

from django.contrib import admin

from civicshield.core.admin import ReadOnlyAdmin
from civicshield.vocab.models import Release, Term, Vocabulary


@admin.register(Vocabulary)
class VocabularyAdmin(ReadOnlyAdmin):
    list_display = ("slug", "name", "source", "current_release")


@admin.register(Release)
class ReleaseAdmin(ReadOnlyAdmin):
    list_display = ("vocabulary", "label", "imported_at", "added", "changed", "deprecated")


@admin.register(Term)
class TermAdmin(ReadOnlyAdmin):
    list_display = ("vocabulary", "code", "name", "kind", "deprecated", "replaced_by")
    list_filter = ("vocabulary", "kind", "deprecated")
    search_fields = ("code", "name")
    list_select_related = ("vocabulary", "replaced_by")
