"""The item page's police referral button, shown only to roles that access.py lets make a police package."""

from __future__ import annotations

from typing import Any

from django import template

from reportal import access
from reportal.actions import police_package

register = template.Library()


@register.inclusion_tag("actions/_police_package_button.html", takes_context=True)
def police_package_button(context: template.Context, item: Any) -> dict[str, Any]:
    request = context.get("request")
    allowed = request is not None and access.can_export_police_package(request.user)
    return {
        "show": allowed,
        "item": item,
        "confirmed": allowed and police_package.may_package(item),
        "configured": bool(police_package.configured_recipients()),
    }
