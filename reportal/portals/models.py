"""Portals: one per country (or region), each with its languages, branding, partners and helplines."""

from __future__ import annotations

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from reportal.portals.languages import available_languages

# Path prefixes that belong to the platform, not to a portal.
RESERVED_SLUGS = frozenset(
    {"admin", "api", "staff", "workbench", "static", "media", "h", "m", "c", "lists", "hashes", "stats", "healthz"}
)


def validate_portal_slug(value: str) -> None:
    if value in RESERVED_SLUGS:
        raise ValidationError(_("This address is used by the platform itself; choose another slug."))


def validate_colour(value: str) -> None:
    if not re.fullmatch(r"#[0-9a-fA-F]{6}", value or ""):
        raise ValidationError(_("Give the colour as # and six hexadecimal digits, for example #1d4ed8."))


def validate_languages(value: object) -> None:
    known = set(available_languages())
    if not isinstance(value, list) or not value or not all(isinstance(code, str) for code in value):
        raise ValidationError(_("List at least one language code, the default first."))
    unknown = [code for code in value if code not in known]
    if unknown:
        raise ValidationError(
            _("Unknown language codes: %(codes)s. Use one of: %(known)s."),
            params={"codes": ", ".join(unknown), "known": ", ".join(sorted(known))},
        )


class Portal(models.Model):
    slug = models.SlugField(max_length=32, unique=True, validators=[validate_portal_slug])
    country_code = models.CharField(
        max_length=2, blank=True, help_text=_("ISO 3166-1 alpha-2 code; empty for a portal that serves no one country.")
    )
    name = models.CharField(max_length=200)
    languages = models.JSONField(
        default=list, validators=[validate_languages], help_text=_("Ordered; the first is the default.")
    )
    display_name = models.CharField(max_length=200, help_text=_("The name shown in the page header."))
    brand_colour = models.CharField(max_length=7, default="#1d4ed8", validators=[validate_colour])
    logo_text = models.CharField(max_length=40, blank=True)
    # Per-language branding ({"ar": "..."}); a language without its own text shows the plain field above.
    display_name_by_language = models.JSONField(
        default=dict, blank=True, help_text=_("The header name per language code, where it differs.")
    )
    logo_text_by_language = models.JSONField(
        default=dict, blank=True, help_text=_("The short brand text per language code, where it differs.")
    )
    privacy_text = models.JSONField(default=dict, blank=True, help_text=_("Privacy notice per language code."))
    legal_text = models.JSONField(default=dict, blank=True, help_text=_("Legal basis per language code."))
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["slug"]

    def __str__(self) -> str:
        return f"{self.name} ({self.slug})"

    @property
    def default_language(self) -> str:
        return self.languages[0] if self.languages else settings.LANGUAGE_CODE

    def display_name_in(self, language: str) -> str:
        return self.text_in("display_name_by_language", language) or self.display_name

    def logo_text_in(self, language: str) -> str:
        return self.text_in("logo_text_by_language", language) or self.logo_text or self.display_name_in(language)

    def text_in(self, field: str, language: str) -> str:
        """A per-language text, falling back to the portal's default language."""
        texts: dict[str, str] = getattr(self, field) or {}
        return texts.get(language) or texts.get(self.default_language) or ""


class PartnerOrganisation(models.Model):
    class Role(models.TextChoices):
        POLICE = "police", _("Police")
        PROSECUTOR = "prosecutor", _("Prosecutor")
        CHILD_PROTECTION = "child_protection", _("Child protection")
        REGULATOR = "regulator", _("Telecom regulator")
        ISP = "isp", _("Internet provider")
        NGO = "ngo", _("Non-governmental organisation")
        OTHER = "other", _("Other")

    portal = models.ForeignKey(Portal, on_delete=models.CASCADE, related_name="partners")
    name = models.CharField(max_length=200)
    role = models.CharField(max_length=32, choices=Role.choices, default=Role.OTHER)
    link = models.URLField(blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["portal", "position", "name"]

    def __str__(self) -> str:
        return self.name


class Helpline(models.Model):
    portal = models.ForeignKey(Portal, on_delete=models.CASCADE, related_name="helplines")
    name = models.CharField(max_length=200)
    phone = models.CharField(max_length=40, blank=True)
    link = models.URLField(blank=True)
    hours = models.CharField(max_length=120, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["portal", "position", "name"]

    def __str__(self) -> str:
        return self.name
