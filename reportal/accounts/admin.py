from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from reportal.access import Role
from reportal.accounts.models import ApiKey, Member, StaffProfile, StaffToken
from reportal.accounts.services import sync_admin_access
from reportal.audit.services import record


class StaffProfileForm(forms.ModelForm):
    class Meta:
        model = StaffProfile
        fields = ["role", "portals", "blur_default", "greyscale_default", "disabled"]

    def clean(self):  # type: ignore[no-untyped-def]
        data = super().clean() or {}
        if data.get("role") == Role.PARTNER and not data.get("portals"):
            raise forms.ValidationError(_("A partner viewer needs at least one portal: choose the portals they read."))
        return data


@admin.register(StaffProfile)
class StaffProfileAdmin(admin.ModelAdmin):
    form = StaffProfileForm
    list_display = ["user", "role", "disabled", "must_change_password", "updated_at"]
    list_filter = ["role", "disabled"]
    filter_horizontal = ["portals"]
    readonly_fields = ["user", "must_change_password", "created_at", "updated_at"]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False  # staff are made by `reportal staff create`, which sets up the second factor

    def save_related(self, request, form, formsets, change):  # type: ignore[no-untyped-def]
        super().save_related(request, form, formsets, change)
        profile = form.instance
        portals = sorted(p.slug for p in profile.portals.all())
        if "role" in form.changed_data:
            sync_admin_access(profile.user, profile.role)
            record(
                request.user,
                "staff.role_changed",
                profile.user,
                username=profile.user.get_username(),
                old_role=form.initial.get("role", ""),
                new_role=profile.role,
                portals=portals,
                via="admin",
            )
        record(
            request.user,
            "staff.profile_changed",
            profile.user,
            username=profile.user.get_username(),
            fields=sorted(form.changed_data),
            disabled=profile.disabled,
            portals=portals,
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
