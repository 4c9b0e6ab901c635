"""The proactive-search panel of an item page: known-material marks from crawls, crawls seeded here, a start
button for those who may run crawls (access.can_run_crawls)."""

from __future__ import annotations

from typing import Any

from django import template

from reportal import access
from reportal.crawler import services
from reportal.hotline import services as hotline

register = template.Library()


@register.filter
def grade_words(categories: str) -> str:
    """Bank categories as stored on a finding ('baseline/uk-A, national') in the scheme's words."""
    return "; ".join(hotline.known_grade_label(c.strip()) or c.strip() for c in categories.split(",") if c.strip())


@register.inclusion_tag("crawler/_item_crawl.html", takes_context=True)
def crawl_panel(context: template.Context, item: Any) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    return {
        "item_id": item.pk,
        "findings": services.findings_for_item(item.pk),
        "crawls": services.crawls_of_item(item.pk),
        "can_crawl": user is not None and access.can_run_crawls(user),
        "csrf_token": context.get("csrf_token"),
    }
