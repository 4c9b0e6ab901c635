"""Admin views of the hash banks: read-only, because every change must move the matchers' version counter
(use the /c/ API or `reportal hashes ...`)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from reportal.hashes.models import Bank, BankContent, ExchangeFetchState, HashImport, IndexBuild


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Bank)
class BankAdmin(ReadOnlyAdmin):
    list_display = ["name", "matching_enabled_ratio", "pdq_threshold", "created_at"]
    search_fields = ["name"]


@admin.register(BankContent)
class BankContentAdmin(ReadOnlyAdmin):
    list_display = ["id", "bank", "classification", "source", "pdq_quality", "disable_until_ts", "created_at"]
    list_filter = ["bank", "classification", "source"]
    search_fields = ["pdq", "md5", "sha1", "sha256", "external_id"]


@admin.register(IndexBuild)
class IndexBuildAdmin(ReadOnlyAdmin):
    list_display = ["signal_type", "high_water_id", "size", "seconds", "built_at"]


@admin.register(HashImport)
class HashImportAdmin(ReadOnlyAdmin):
    list_display = ["path", "bank", "file_format", "rows_added", "rows_skipped", "offset", "finished", "updated_at"]


@admin.register(ExchangeFetchState)
class ExchangeFetchStateAdmin(ReadOnlyAdmin):
    list_display = ["exchange", "bank", "signals_seen", "last_fetch_at", "last_error"]
