"""The only place that decides who may see or do what. Every view and API endpoint asks here; unknown means no.

Owned by the accounts work (issue 3). Other apps import these names; their signatures are the contract.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import models
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ANALYST = "analyst", _("Analyst")
    SENIOR = "senior", _("Senior analyst")
    ADMIN = "admin", _("Hotline admin")
    PARTNER = "partner", _("Partner viewer")
    MEMBER = "member", _("Member")


def staff_role(user: Any) -> Role | None:
    """The role of an authenticated, active staff user with a verified second factor; None otherwise."""
    raise NotImplementedError


def require_staff(*roles: Role) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """View decorator: anonymous -> login page; no second factor -> 2FA; wrong role -> 403. Audits denials."""
    raise NotImplementedError


def visible_portal_ids(user: Any) -> set[int] | None:
    """Portals whose reports `user` may read: None means all (hotline staff), a set limits a partner viewer."""
    raise NotImplementedError


def can_view_item(user: Any, item: Any) -> bool:
    raise NotImplementedError


def member_for_request(request: HttpRequest, scope: str) -> Any | None:
    """The member whose valid, unexpired API key with `scope` the request carries, or None."""
    raise NotImplementedError
