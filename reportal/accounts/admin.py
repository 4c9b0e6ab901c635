from django.contrib import admin

from reportal.accounts.models import ApiKey, Member, StaffProfile, StaffToken
from reportal.audit.services import record


@admin.register(StaffProfile)
class StaffProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "disabled", "must_change_password", "updated_at"]
    list_filter = ["role", "disabled"]
    filter_horizontal = ["portals"]
    readonly_fields = ["user", "role", "must_change_password", "created_at", "updated_at"]  # roles change via services

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False  # staff are made by `reportal staff create`, which sets up the second factor

    def save_related(self, request, form, formsets, change):  # type: ignore[no-untyped-def]
        super().save_related(request, form, formsets, change)
        record(
            request.user,
            "staff.profile_changed",
            form.instance.user,
            username=form.instance.user.get_username(),
            fields=sorted(form.changed_data),
            disabled=form.instance.disabled,
            portals=sorted(p.slug for p in form.instance.portals.all()),
            via="admin",
        )


@admin.register(Member)
class MemberAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "active", "licence_accepted_at"]
    list_filter = ["kind", "active"]
    readonly_fields = ["name", "kind", "active", "licence_accepted_at", "created_at"]


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ["member", "prefix", "scopes", "expires_at", "revoked_at", "last_used_at"]
    readonly_fields = [
        "member",
        "prefix",
        "secret_hash",
        "scopes",
        "created_at",
        "expires_at",
        "revoked_at",
        "last_used_at",
    ]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False  # keys are made by `reportal members`, which shows the secret once


@admin.register(StaffToken)
class StaffTokenAdmin(admin.ModelAdmin):
    list_display = ["user", "prefix", "created_at", "expires_at", "revoked_at", "last_used_at"]
    readonly_fields = ["user", "prefix", "token_hash", "created_at", "expires_at", "last_used_at"]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False
