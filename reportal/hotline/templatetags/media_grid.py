"""The media grid inside the preview: rendered with the preview itself, so both show the same fetched images."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def media_grid_context(context: Any) -> dict[str, Any]:
    from reportal.hotline.mediaviews import grid_context

    return grid_context(context["request"], context["item"])
