"""Admin views of the lists: entries and publications read-only (they change through services), keywords curated."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from reportal.lists import services
from reportal.lists.models import Download, Keyword, ListEntry, Publication


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ListEntry)
class ListEntryAdmin(ReadOnlyAdmin):
    list_display = ["address", "scope", "category", "active", "added_version", "removed_version", "added_at"]
    list_filter = ["active", "scope", "category"]
    search_fields = ["address", "address_sha256"]


@admin.register(Publication)
class PublicationAdmin(ReadOnlyAdmin):
    list_display = ["kind", "version", "published_at", "trigger", "entry_count", "added_count", "removed_count"]
    list_filter = ["kind", "trigger"]


@admin.register(Download)
class DownloadAdmin(ReadOnlyAdmin):
    list_display = ["at", "member_name", "kind", "version", "since", "format", "what"]
    list_filter = ["kind", "format"]


@admin.register(Keyword)
class KeywordAdmin(admin.ModelAdmin):
    """Analysts add terms here; a term is never deleted, it leaves the list (history and deltas stay exact)."""

    list_display = ["term", "language", "category", "active", "added_version", "removed_version"]
    list_filter = ["active", "language"]
    search_fields = ["term"]
    fields = ["term", "language", "category"]
    actions = ["take_off_the_list"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Keyword, form: Any, change: bool) -> None:
        services.add_keyword(obj.term, obj.language, category=obj.category, actor=request.user)
        saved = Keyword.objects.filter(active=True, term_sha256=services.keyword_sha256(obj.term, obj.language)).first()
        if saved:
            obj.pk = saved.pk

    @admin.action(description="Take the selected keywords off the list (from the next version)")
    def take_off_the_list(self, request: HttpRequest, queryset: Any) -> None:
        for keyword in queryset.filter(active=True):
            services.remove_keyword(keyword.term, keyword.language, actor=request.user)
