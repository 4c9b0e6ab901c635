"""The Django admin as one more staff surface: every admin view passes `access.staff_gate` (hotline admins with the
second factor, their own password chosen, not disabled, not idle), exactly like the staff pages.

Django's user, group and OTP-device pages are left out: staff are managed as staff profiles and with
`reportal staff`, and those pages would let an admin grant themselves anything or read second-factor secrets.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlencode

from django.contrib import admin
from django.db.models.base import ModelBase
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _

from reportal import access

LEFT_OUT = frozenset({"auth.User", "auth.Group", "otp_totp.TOTPDevice", "otp_static.StaticDevice"})


class ReportalAdminSite(admin.AdminSite):
    site_header = _("reportal hotline administration")
    site_title = _("reportal administration")
    index_title = _("Portals, schemes, lists and accounts")
    site_url = "/workbench/"

    def has_permission(self, request: HttpRequest) -> bool:
        return access.can_use_admin_site(request)

    def admin_view(self, view: Any, cacheable: bool = False) -> Any:
        inner = super().admin_view(view, cacheable)

        @functools.wraps(inner)
        def gated(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            refused = access.staff_gate(request, access.ADMIN_SITE_ROLES)
            if refused is not None:
                return refused
            return inner(request, *args, **kwargs)

        return gated

    def login(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        """The admin has no sign-in of its own: the staff sign-in (password, second factor) comes back here."""
        target = request.GET.get("next", "")
        if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
            target = reverse("admin:index")
        return HttpResponseRedirect(f"{reverse('accounts:login')}?{urlencode({'next': target})}")

    # A redirect, not Django's TemplateResponse: any response serves the URL it answers.
    def password_change(  # type: ignore[override]
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        """One password change for all staff: the staff page asks for the current password and ends other sessions
        and tokens; Django's own admin form would do neither."""
        return HttpResponseRedirect(reverse("accounts:password_change"))

    def register(self, model_or_iterable: Any, admin_class: Any = None, **options: Any) -> None:
        models: Iterable[Any] = [model_or_iterable] if isinstance(model_or_iterable, ModelBase) else model_or_iterable
        kept = [model for model in models if model._meta.label not in LEFT_OUT]
        if kept:
            super().register(kept, admin_class, **options)
