"""ICCAM in the admin: the mapping to our classification is edited here; the rest is read to see what happened."""

from __future__ import annotations

from django.contrib import admin

from reportal.iccam.models import Action, Content, Export, Lookup, Mapping


@admin.register(Mapping)
class MappingAdmin(admin.ModelAdmin):
    list_display = ("kind", "scheme", "option", "code")
    list_filter = ("kind",)


@admin.register(Lookup)
class LookupAdmin(admin.ModelAdmin):
    list_display = ("kind", "code", "name", "country_code", "fetched_at")
    list_filter = ("kind",)
    search_fields = ("name", "code", "country_code")


@admin.register(Export)
class ExportAdmin(admin.ModelAdmin):
    list_display = ("item", "hosting_country", "state", "report_id", "attempts", "sent_at")
    list_filter = ("state",)
    readonly_fields = ("item", "payload")


@admin.register(Content)
class ContentAdmin(admin.ModelAdmin):
    list_display = ("content_id", "report_id", "direction", "item", "assigned_country", "reference_set_at")
    list_filter = ("direction",)
    readonly_fields = ("item",)


@admin.register(Action)
class ActionAdmin(admin.ModelAdmin):
    list_display = ("content", "action_type", "ours", "action_date", "sent_at", "attempts")
    list_filter = ("ours", "action_type")
