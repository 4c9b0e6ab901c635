"""The public report form and the status-check form. Field names are shared with the API."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from reportal.reports.services import SeenOn

MAX_URLS = 20
INITIAL_URL_INPUTS = 3
MAX_URL_LENGTH = 2048
MAX_DESCRIPTION = 2000


class UrlListWidget(forms.Widget):
    """Several inputs named `url`; rendered by the template, read back as a list in the order typed."""

    def value_from_datadict(self, data: Any, files: Any, name: str) -> list[str]:
        if hasattr(data, "getlist"):
            return [str(v) for v in data.getlist(name)]
        value = data.get(name)
        return [str(v) for v in value] if isinstance(value, list) else ([str(value)] if value else [])


class UrlListField(forms.Field):
    widget = UrlListWidget
    default_error_messages = {
        "required": _("Enter the web address (URL) of the page, image or video you want to report."),
        "too_many": _("You can report up to 20 addresses at a time. Send the rest in a second report."),
    }

    def to_python(self, value: Any) -> list[str]:
        return [str(v) for v in (value or [])]

    def validate(self, value: list[str]) -> None:
        filled = [v for v in value if v.strip()]
        if not filled:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        if len(filled) > MAX_URLS:
            raise forms.ValidationError(self.error_messages["too_many"], code="too_many")


class ReportForm(forms.Form):
    url = UrlListField(label=_("Web address"), required=True)
    seen_on = forms.ChoiceField(
        label=_("Where did you see it?"),
        choices=SeenOn.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose where you saw it."), "invalid_choice": _("Choose one of the options.")},
    )
    description = forms.CharField(
        label=_("Anything else we should know? (optional)"),
        required=False,
        max_length=MAX_DESCRIPTION,
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": MAX_DESCRIPTION}),
        error_messages={
            "max_length": _("Please shorten the description to 2,000 characters or fewer."),
        },
    )
    email = forms.EmailField(
        label=_("Your e-mail address, if you want to hear the outcome (optional)"),
        required=False,
        max_length=254,
        error_messages={"invalid": _("Enter an e-mail address such as name@example.com, or leave this empty.")},
    )

    def url_values(self) -> list[str]:
        """What the reporter typed in the address inputs, in order, blanks included."""
        return self.fields["url"].widget.value_from_datadict(self.data, self.files, self.add_prefix("url"))

    def filled_urls(self) -> list[tuple[int, str]]:
        """(input position, value) of every address input that is not blank."""
        return [(i, v) for i, v in enumerate(self.url_values()) if v.strip()]


class StatusForm(forms.Form):
    reference = forms.CharField(
        label=_("Reference code"),
        max_length=64,
        error_messages={"required": _("Enter the reference code you got after sending your report.")},
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}),
    )
