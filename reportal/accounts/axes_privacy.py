"""django-axes without addresses or typed secrets: lockout counts failures per username only (settings), so the
client address is never looked up, and what a person typed (codes, new passwords) is never kept."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest


def no_client_address(request: HttpRequest) -> None:
    """AXES_CLIENT_IP_CALLABLE: axes stores and logs None instead of the client's address."""
    return None


def forget_typed_data(sender: Any, instance: Any, **kwargs: Any) -> None:
    """pre_save of axes' records: no address, and no query string or form body of failed attempts."""
    instance.ip_address = None
    if hasattr(instance, "post_data"):
        instance.get_data = ""
        instance.post_data = ""
