from django.contrib import admin

from reportal.audit.models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only: the log is append-only and verified by `reportal audit verify`."""

    list_display = ["seq", "at", "actor_name", "actor_role", "action", "object_type", "object_id", "portal_id"]
    list_filter = ["action", "actor_role"]
    search_fields = ["actor_name", "action", "object_id"]

    def get_readonly_fields(self, request, obj=None):  # type: ignore[no-untyped-def]
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
