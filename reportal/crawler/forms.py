"""The form that starts a crawl from the crawl page."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from reportal.portals import services as portals


class StartCrawlForm(forms.Form):
    url = forms.CharField(
        label=_("Seed address"),
        max_length=2048,
        help_text=_("The page the crawl starts from, for example a confirmed page of a gallery."),
    )
    portal = forms.TypedChoiceField(
        label=_("Portal of the items it finds"),
        coerce=int,
        help_text=_("Pages holding known material become items of this portal."),
    )
    scope = forms.ChoiceField(
        label=_("Stay on"),
        choices=(("domain", _("the same registrable domain")), ("host", _("the same host name only"))),
    )
    max_depth = forms.IntegerField(label=_("Link depth"), min_value=0, max_value=20)
    max_pages = forms.IntegerField(label=_("Page limit"), min_value=1, max_value=1_000_000)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._portals = {p.id: p for p in portals.portal_summaries() if p.active}
        choices = [(p.id, p.display_name or p.name) for p in self._portals.values()]
        self.fields["portal"].choices = choices  # type: ignore[attr-defined]
        self.fields["scope"].initial = settings.REPORTAL_CRAWL_SCOPE
        self.fields["max_depth"].initial = settings.REPORTAL_CRAWL_MAX_DEPTH
        self.fields["max_pages"].initial = settings.REPORTAL_CRAWL_MAX_PAGES

    def clean_portal(self) -> portals.PortalSummary:
        portal = self._portals.get(self.cleaned_data["portal"])
        if portal is None:
            raise forms.ValidationError(_("Choose one of the active portals."))
        return portal
