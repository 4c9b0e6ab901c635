"""The staff pages' navigation: every staff page a user's role may open, from every staff page (staff/base.html)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import template
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from reportal import access

register = template.Library()


@dataclass(frozen=True)
class NavLink:
    path: str
    label: str
    current: bool


# (URL name, or a fixed path for pages another app mounts; label). The order is the order of a day's work.
PAGES: tuple[tuple[str, Any], ...] = (
    ("hotline:queue", _("Queue")),
    ("hotline:reviews", _("Second opinions")),
    ("actions:removal", _("Removal")),
    ("crawler:crawls", _("Proactive search")),
    ("hotline:team", _("Team")),
    ("/stats/", _("Statistics")),
    ("accounts:audit_log", _("Audit log")),
    ("accounts:staff_list", _("Staff")),
    ("accounts:member_list", _("Members")),
    ("accounts:account", _("My account")),
)


def _path(name: str) -> str | None:
    if name.startswith("/"):
        return name
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


def _is_current(link_path: str, request_path: str, all_paths: list[str]) -> bool:
    """The longest navigation path that the page's path starts with (an item page is under the queue)."""
    matches = [p for p in all_paths if request_path.startswith(p)]
    return bool(matches) and max(matches, key=len) == link_path


@register.simple_tag(takes_context=True)
def staff_links(context: template.Context) -> list[NavLink]:
    """The pages the signed-in user may open, as access.may_open says; the current one marked."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if request is None or user is None:
        return []
    paths = [(p, label) for name, label in PAGES if (p := _path(name)) and access.may_open(user, p)]
    if access.can_use_admin_site(request):  # the Django admin declares no view roles; access.py decides it apart
        paths.insert(len(paths) - 1, (reverse("admin:index"), _("Administration")))
    all_paths = [p for p, _label in paths]
    return [NavLink(p, str(label), _is_current(p, request.path, all_paths)) for p, label in paths]
