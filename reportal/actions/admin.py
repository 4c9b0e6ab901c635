from django.contrib import admin

from reportal.actions.models import Monitor, Notice, Removal, RoutingRule


@admin.register(RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin):
    list_display = ("country_code", "action", "language", "partner_name", "police_name", "active")
    list_filter = ("action", "active")
    search_fields = ("country_code", "partner_name", "police_name")


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
