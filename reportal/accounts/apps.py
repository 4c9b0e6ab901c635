from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "reportal.accounts"
    label = "accounts"

    def ready(self) -> None:
        from django.contrib import admin
        from django_otp.admin import OTPAdminSite

        from reportal import access
        from reportal.accounts import checks, signals  # noqa: F401  (registers receivers and system checks)
        from reportal.accounts.credentials import CREDENTIALS

        access.use_credentials(CREDENTIALS)

        # The Django admin demands the same second factor as the staff pages.
        admin.site.__class__ = OTPAdminSite
        admin.site.login = _staff_login_redirect  # type: ignore[method-assign]


def _staff_login_redirect(request, extra_context=None):  # type: ignore[no-untyped-def]
    from urllib.parse import urlencode

    from django.http import HttpResponseRedirect
    from django.urls import reverse

    target = request.GET.get("next", "/admin/")
    return HttpResponseRedirect(f"{reverse('accounts:login')}?{urlencode({'next': target})}")
