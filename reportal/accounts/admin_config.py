from django.contrib.admin.apps import AdminConfig


class ReportalAdminConfig(AdminConfig):
    """Installed instead of django.contrib.admin, so `admin.site` is the gated site (accounts/admin_site.py)."""

    default_site = "reportal.accounts.admin_site.ReportalAdminSite"
