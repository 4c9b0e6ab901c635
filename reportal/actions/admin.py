from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from reportal.actions.models import Monitor, Notice, Removal, RoutingRule


@admin.register(RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin):
    """Rules are tried by priority; the page lists them in that order with their conditions side by side."""

    list_display = (
        "priority",
        "id",
        "name",
        "hosting_countries",
        "content_class",
        "portal_country",
        "action",
        "active",
    )
    list_display_links = ("id", "name")
    list_editable = ("priority", "active")
    list_filter = ("action", "active")
    search_fields = ("name", "hosting_countries", "content_class", "partner_name", "police_name")
    fieldsets = (
        (None, {"fields": ("name", "priority", "action", "active")}),
        (
            _("Conditions (all must hold; empty means any)"),
            {"fields": ("hosting_countries", "content_class", "portal_country")},
        ),
        (_("Notices to hosts"), {"fields": ("language",)}),
        (_("Partner hotline"), {"fields": ("partner_name", "partner_email", "partner_language", "partner_format")}),
        (_("Police"), {"fields": ("police_name", "police_email")}),
        (None, {"fields": ("notes",)}),
    )


@admin.register(Notice)
class NoticeAdmin(admin.ModelAdmin):
    list_display = ("reference", "kind", "state", "attempts", "next_attempt_at", "sent_at")
    list_filter = ("kind", "state")
    search_fields = ("reference",)
    readonly_fields = ("item", "trace", "subject", "body", "xarf", "created_at", "sent_at")


@admin.register(Monitor)
class MonitorAdmin(admin.ModelAdmin):
    list_display = ("item", "state", "checks", "last_outcome", "next_check_at", "escalation_level")
    list_filter = ("state",)


@admin.register(Removal)
class RemovalAdmin(admin.ModelAdmin):
    list_display = ("item", "portal", "hosting_country", "host_network", "seconds", "removed_at", "superseded")
    list_filter = ("hosting_country", "superseded")
