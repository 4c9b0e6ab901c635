"""Staff profiles, members and keys in the admin. Staff are created by `reportal staff create` (which sets up the
second factor); here admins change others' roles, portals and disabled flag, never their own."""

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from reportal.access import Role
from reportal.accounts import services
from reportal.accounts.models import ApiKey, Member, StaffProfile, StaffToken
from reportal.accounts.services import sync_admin_access
from reportal.audit.services import record

# What nobody may change about themselves (the admin shows them read-only on one's own profile).
OWN_LOCKED_FIELDS = ("role", "portals", "disabled")


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

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and obj.user_id == request.user.pk:
            fields += OWN_LOCKED_FIELDS
        return fields

    def save_model(self, request: HttpRequest, obj: StaffProfile, form: Any, change: bool) -> None:
        if obj.user_id == request.user.pk and set(OWN_LOCKED_FIELDS) & set(form.changed_data):
            raise PermissionDenied(_("You cannot change your own role or disable your own account."))
        super().save_model(request, obj, form, change)
        if "disabled" in form.changed_data and obj.disabled:
            services.end_access(obj.user)  # every session and token of the disabled account ends now

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
