from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _admin_group_after_migrate(sender: Any, **kwargs: Any) -> None:
    """Sent once per app: the last one sees every app's permissions, so the group ends up complete."""
    from reportal.accounts.services import ensure_admin_group

    ensure_admin_group()


class AccountsConfig(AppConfig):
    name = "reportal.accounts"
    label = "accounts"

    def ready(self) -> None:
        from reportal import access
        from reportal.accounts import checks, signals  # noqa: F401  (registers receivers and system checks)
        from reportal.accounts.credentials import CREDENTIALS

        access.use_credentials(CREDENTIALS)

        post_migrate.connect(_admin_group_after_migrate, dispatch_uid="reportal.accounts.admin_group")
