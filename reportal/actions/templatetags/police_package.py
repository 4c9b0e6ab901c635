"""The item page's police referral button, shown only to roles that access.py lets make a police package."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django import template

from reportal import access
from reportal.actions import police_package

register = template.Library()


@register.filter
def police_time(value: str) -> str:
    """An ISO time of the case file as a person reads it in print: 2026-12-01 03:33:11 UTC."""
    if not value:
        return "—"
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


@register.inclusion_tag("actions/_police_package_button.html", takes_context=True)
def police_package_button(context: template.Context, item: Any) -> dict[str, Any]:
    request = context.get("request")
    allowed = request is not None and access.can_export_police_package(request.user)
    return {
        "show": allowed,
        "item": item,
        "confirmed": allowed and police_package.may_package(item),
        "configured": allowed and bool(police_package.configured_recipients(item)),
    }
