"""The assessment form (one screen, keyboard friendly) and the viewing-preference form."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from reportal.hotline.assessment import Decision
from reportal.hotline.models import ListScope, NotActionableReason, Outcome, SchemeKind
from reportal.hotline.schemes import Scheme, active_schemes

SCHEME_PREFIX = "c_"


class AssessmentForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=Outcome.choices, widget=forms.RadioSelect)
    reason = forms.ChoiceField(
        label=_("Why not actionable"),
        choices=NotActionableReason.choices,
        widget=forms.RadioSelect,
        required=False,
    )
    list_scope = forms.ChoiceField(
        label=_("What the URL list blocks"),
        choices=ListScope.choices,
        widget=forms.RadioSelect,
        initial=ListScope.URL,
        required=False,
    )
    notes = forms.CharField(
        label=_("Notes for colleagues"), widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=2000
    )

    def __init__(self, *args: Any, allow_second_opinion: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not allow_second_opinion:
            cast(forms.ChoiceField, self.fields["outcome"]).choices = [
                c for c in Outcome.choices if c[0] != Outcome.SECOND_OPINION
            ]
        self.schemes: list[Scheme] = active_schemes()
        for scheme in self.schemes:
            name = SCHEME_PREFIX + scheme.key
            choices = [(option.key, option.label) for option in scheme.options]
            if scheme.kind == SchemeKind.FLAG:
                self.fields[name] = forms.BooleanField(label=scheme.name, required=False, help_text=scheme.description)
            elif scheme.kind == SchemeKind.MULTIPLE:
                self.fields[name] = forms.MultipleChoiceField(
                    label=scheme.name,
                    choices=choices,
                    required=False,
                    widget=forms.CheckboxSelectMultiple,
                    help_text=scheme.description,
                )
            else:
                self.fields[name] = forms.ChoiceField(
                    label=scheme.name,
                    choices=choices,
                    required=False,
                    widget=forms.RadioSelect,
                    help_text=scheme.description,
                )

    def scheme_fields(self) -> list[forms.BoundField]:
        return [self[SCHEME_PREFIX + scheme.key] for scheme in self.schemes]

    def decision(self) -> Decision:
        data = self.cleaned_data
        classification: dict[str, Any] = {}
        for scheme in self.schemes:
            value = data.get(SCHEME_PREFIX + scheme.key)
            if scheme.kind == SchemeKind.FLAG:
                classification[scheme.key] = bool(value)
            elif value:
                classification[scheme.key] = value
        return Decision(
            outcome=data["outcome"],
            reason=data.get("reason") or "",
            list_scope=data.get("list_scope") or ListScope.URL,
            classification=classification,
            notes=data.get("notes") or "",
        )

    def add_service_errors(self, errors: dict[str, str]) -> None:
        """Errors from the assessment service, placed on the field they concern."""
        for key, message in errors.items():
            field = key if key in self.fields else SCHEME_PREFIX + key
            self.add_error(field if field in self.fields else None, message)


class AbuseContactForm(forms.Form):
    """The host's abuse address, when RDAP gave none: the analyst found it (the host's site, a registry)."""

    email = forms.EmailField(
        label=_("Abuse contact address"),
        max_length=254,
        error_messages={
            "required": _("Type the e-mail address of the host's abuse desk."),
            "invalid": _("This is not an e-mail address. Type it as name@example.org."),
        },
    )
