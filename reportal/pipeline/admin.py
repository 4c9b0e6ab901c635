"""Hand-offs in the admin, read-only: they change only through the pipeline's tasks."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from reportal.pipeline.models import Handoff


@admin.register(Handoff)
class HandoffAdmin(admin.ModelAdmin):
    list_display = ("pk", "event", "task", "subject_id", "created_at", "attempts", "done_at", "failed_at")
    list_filter = ("event", "task")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
