"""Operators manage portals here: one page per portal with its partners and helplines inline.

Languages are chosen from a list (the default first, then the others), and every per-language text (header name,
short brand text, privacy notice, legal basis) is a field of its own, grouped by language: nobody types JSON.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import models
from django.http import HttpRequest
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from reportal.audit.services import record
from reportal.portals.languages import available_languages, native_name
from reportal.portals.models import Helpline, PartnerOrganisation, Portal, validate_languages

# How each per-language field is labelled; a JSON field added to Portal later shows its verbose name.
PER_LANGUAGE_LABELS = {
    "display_name_by_language": _("Name shown in the page header"),
    "logo_text_by_language": _("Short brand text"),
    "privacy_text": _("Privacy notice"),
    "legal_text": _("Legal basis"),
}


def per_language_fields() -> list[models.Field]:
    """Portal's per-language texts: every JSON field but the language list holds {language code: text}."""
    return [f for f in Portal._meta.get_fields() if isinstance(f, models.JSONField) and f.name != "languages"]


def field_name(field: str, code: str) -> str:
    return f"{field}__{code.replace('-', '_')}"


def language_label(code: str) -> str:
    name = native_name(code)
    return f"{name} ({code})" if name != code else code


class PortalForm(forms.ModelForm):
    default_language = forms.ChoiceField(
        label=_("Default language"), help_text=_("Pages open in this language unless the browser asks for another.")
    )
    other_languages = forms.MultipleChoiceField(
        label=_("Other languages"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Offered in the language switch. A language appears here once its translation catalogue exists."),
    )

    class Meta:
        model = Portal
        fields = ["slug", "name", "country_code", "active", "display_name", "logo_text", "brand_colour"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        codes = available_languages()
        choices = [(code, language_label(code)) for code in codes]
        for name in ("default_language", "other_languages"):
            chooser = self.fields[name]
            assert isinstance(chooser, forms.ChoiceField)
            chooser.choices = choices
        current = list(self.instance.languages or []) if self.instance.pk else []
        if current:
            self.initial.setdefault("default_language", current[0])
            self.initial.setdefault("other_languages", current[1:])
        for field in per_language_fields():
            texts = getattr(self.instance, field.name) or {}
            for code in codes:
                self.initial.setdefault(field_name(field.name, code), texts.get(code, ""))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        default = data.get("default_language")
        if default:
            others = [code for code in data.get("other_languages", []) if code != default]
            languages = [default, *others]
            try:
                validate_languages(languages)
            except ValidationError as exc:
                self.add_error("other_languages", exc)
            data["languages"] = languages
        return data

    def save(self, commit: bool = True) -> Portal:
        portal: Portal = super().save(commit=False)
        portal.languages = self.cleaned_data["languages"]
        for field in per_language_fields():
            texts = dict(getattr(portal, field.name) or {})
            for code in available_languages():
                name = field_name(field.name, code)
                if name not in self.cleaned_data:
                    continue
                value = self.cleaned_data[name].strip()
                if value:
                    texts[code] = value
                else:
                    texts.pop(code, None)
            setattr(portal, field.name, texts)
        if commit:
            portal.save()
            self.save_m2m()
        return portal


def portal_form_class() -> type[PortalForm]:
    """PortalForm with one field per per-language text and language: the languages with a catalogue can change
    while the site runs (a catalogue added), so the form is made for each request."""
    declared: dict[str, Any] = {}
    for field in per_language_fields():
        label = PER_LANGUAGE_LABELS.get(field.name, capfirst(str(field.verbose_name)))
        long_text = field.name.endswith("_text")
        for code in available_languages():
            declared[field_name(field.name, code)] = forms.CharField(
                label=label,
                required=False,
                widget=forms.Textarea(attrs={"rows": 4}) if long_text else forms.TextInput(attrs={"size": 40}),
            )
    return type("PortalLanguagesForm", (PortalForm,), declared)


class PartnerInline(admin.TabularInline):
    model = PartnerOrganisation
    extra = 1
    fields = ("position", "name", "role", "link")


class HelplineInline(admin.TabularInline):
    model = Helpline
    extra = 1
    fields = ("position", "name", "phone", "link", "hours")


@admin.register(Portal)
class PortalAdmin(admin.ModelAdmin):
    form = PortalForm
    list_display = ("slug", "name", "country_code", "languages", "active", "updated_at")
    list_filter = ("active",)
    search_fields = ("slug", "name", "display_name", "country_code")
    readonly_fields = ("created_at", "updated_at")
    inlines = [PartnerInline, HelplineInline]

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        kwargs["form"] = portal_form_class()
        return super().get_form(request, obj, change, **kwargs)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # reports name their portal: switch a portal off (active) instead

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        used = list(obj.languages) if obj is not None and obj.languages else []
        fieldsets: list[tuple[Any, dict[str, Any]]] = [
            (None, {"fields": ["slug", "name", "country_code", "default_language", "other_languages", "active"]}),
            (_("Branding"), {"fields": ["display_name", "logo_text", "brand_colour"]}),
        ]
        codes = available_languages()
        for code in sorted(codes, key=lambda c: (c not in used, used.index(c) if c in used else codes.index(c))):
            fieldsets.append(
                (
                    _("Texts in %(language)s") % {"language": language_label(code)},
                    {
                        "fields": [field_name(f.name, code) for f in per_language_fields()],
                        # Languages the portal does not use (yet) start folded away.
                        "classes": [] if code in used else ["collapse"],
                    },
                )
            )
        if obj is not None:
            fieldsets.append((_("History"), {"fields": ["created_at", "updated_at"]}))
        return fieldsets

    def save_model(self, request: HttpRequest, obj: Portal, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        record(
            request.user,
            "portal.changed" if change else "portal.added",
            obj,
            slug=obj.slug,
            languages=list(obj.languages),
            fields=sorted(form.changed_data),
            via="admin",
        )
