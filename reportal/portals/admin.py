"""Operators manage portals here: one page per portal with its partners and helplines inline."""

from __future__ import annotations

from django.contrib import admin

from reportal.portals.models import Helpline, PartnerOrganisation, Portal


class PartnerInline(admin.TabularInline):
    model = PartnerOrganisation
    extra = 0
    fields = ("position", "name", "role", "link")


class HelplineInline(admin.TabularInline):
    model = Helpline
    extra = 0
    fields = ("position", "name", "phone", "link", "hours")


@admin.register(Portal)
class PortalAdmin(admin.ModelAdmin):
    list_display = ("slug", "name", "country_code", "languages", "active", "updated_at")
    list_filter = ("active",)
    search_fields = ("slug", "name", "display_name", "country_code")
    readonly_fields = ("created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("slug", "name", "country_code", "languages", "active")}),
        ("Branding", {"fields": ("display_name", "logo_text", "brand_colour")}),
        ("Texts per language", {"fields": ("privacy_text", "legal_text")}),
        ("History", {"fields": ("created_at", "updated_at")}),
    )
    inlines = [PartnerInline, HelplineInline]
