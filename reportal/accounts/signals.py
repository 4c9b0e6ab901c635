"""Failed sign-ins and lockouts go to the audit log (django-axes counts the same signal towards the lockout);
each signed-in session remembers when it began (so disabling or a password change can end it); axes keeps no
typed data or addresses."""

from __future__ import annotations

from typing import Any

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.db.models.signals import pre_save
from django.dispatch import receiver

from reportal.accounts.axes_privacy import forget_typed_data
from reportal.accounts.sessions import stamp_session
from reportal.audit.services import record

for _model in (AccessAttempt, AccessLog, AccessFailureLog):
    pre_save.connect(forget_typed_data, sender=_model, dispatch_uid=f"reportal.accounts.axes_privacy.{_model.__name__}")


@receiver(user_login_failed, dispatch_uid="reportal.accounts.audit_login_failed")
def audit_login_failed(sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any) -> None:
    username = str(credentials.get("username", ""))[:150]
    record(None, "staff.login_failed", username=username, step=str(kwargs.get("step", "password")))


@receiver(user_locked_out, dispatch_uid="reportal.accounts.audit_locked_out")
def audit_locked_out(sender: Any, request: Any = None, username: str | None = None, **kwargs: Any) -> None:
    record(None, "staff.locked_out", username=str(username or "")[:150])


@receiver(user_logged_in, dispatch_uid="reportal.accounts.stamp_session")
def stamp_signed_in_session(sender: Any, request: Any = None, user: Any = None, **kwargs: Any) -> None:
    if request is not None and hasattr(request, "session"):
        stamp_session(request)
