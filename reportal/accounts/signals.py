"""Failed sign-ins and lockouts go to the audit log (django-axes counts the same signal towards the lockout)."""

from __future__ import annotations

from typing import Any

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_login_failed
from django.dispatch import receiver

from reportal.audit.services import record


@receiver(user_login_failed, dispatch_uid="reportal.accounts.audit_login_failed")
def audit_login_failed(sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any) -> None:
    username = str(credentials.get("username", ""))[:150]
    record(None, "staff.login_failed", username=username, step=str(kwargs.get("step", "password")))


@receiver(user_locked_out, dispatch_uid="reportal.accounts.audit_locked_out")
def audit_locked_out(sender: Any, request: Any = None, username: str | None = None, **kwargs: Any) -> None:
    record(None, "staff.locked_out", username=str(username or "")[:150])
