"""Template helpers for the public pages."""

from __future__ import annotations

from django import template
from django.conf import settings

register = template.Library()


@register.simple_tag
def quick_exit_url() -> str:
    """Where "Leave this site quickly" goes (REPORTAL_QUICK_EXIT_URL)."""
    return str(settings.REPORTAL_QUICK_EXIT_URL)
