"""Staff profiles (role, portals, viewing defaults), staff API tokens, member organisations and their API keys."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from reportal.access import Role, Scope


class StaffProfile(models.Model):
    """What makes a Django user hotline staff: a role, and for a partner viewer the portals they may read."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_profile")
    role = models.CharField(max_length=16, choices=[c for c in Role.choices if c[0] != Role.MEMBER])
    portals = models.ManyToManyField(
        "portals.Portal", blank=True, related_name="partner_viewers", help_text=_("Partner viewers see only these.")
    )
    blur_default = models.BooleanField(default=True, help_text=_("Show images blurred until revealed."))
    greyscale_default = models.BooleanField(default=True, help_text=_("Show images in greyscale until revealed."))
    disabled = models.BooleanField(default=False)
    must_change_password = models.BooleanField(default=True)
    # Sessions signed in before this moment are over (disabling, a password change, a reset end them all at once).
    sessions_ended_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["user__username"]

    def __str__(self) -> str:
        return f"{self.user.get_username()} ({self.role})"


class StaffToken(models.Model):
    """A bearer token for the API, issued after password and TOTP; only its SHA-256 is kept."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    prefix = models.CharField(max_length=12, unique=True)
    token_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"token {self.prefix} of {self.user_id}"

    def is_live(self, now: datetime | None = None) -> bool:
        now = now or timezone.now()
        return self.revoked_at is None and self.expires_at > now


class Member(models.Model):
    """An organisation that receives the lists or uses the matching API (ISP, platform, resolver, ...)."""

    class Kind(models.TextChoices):
        ISP = "isp", _("Internet provider")
        PLATFORM = "platform", _("Platform")
        RESOLVER = "resolver", _("DNS resolver")
        VENDOR = "vendor", _("Filtering vendor")
        REGISTRY = "registry", _("Domain registry")

    name = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    active = models.BooleanField(default=True, help_text=_("An inactive member's keys are all refused."))
    licence_accepted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    # The audit log names an actor by these.
    @property
    def audit_name(self) -> str:
        return f"member:{self.name}"


class ApiKey(models.Model):
    """A member's key: looked up by its prefix, checked against the SHA-256 of the whole key, scoped, expiring."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="keys")
    prefix = models.CharField(max_length=12, unique=True)
    secret_hash = models.CharField(max_length=64)
    scopes = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["member", "-created_at"]
        verbose_name = _("API key")

    def __str__(self) -> str:
        return f"{self.member.name} key {self.prefix}"

    def is_live(self, now: datetime | None = None) -> bool:
        now = now or timezone.now()
        if self.revoked_at is not None and self.revoked_at <= now:
            return False  # a revocation in the future is a rotation's grace period
        return self.expires_at is None or self.expires_at > now

    @staticmethod
    def valid_scopes() -> set[str]:
        return {str(s) for s in Scope.values}
