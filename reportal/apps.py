from django.apps import AppConfig
from django.core import checks


class ReportalConfig(AppConfig):
    """The project package as an app: project-wide commands (demo), templates, static files, translations."""

    name = "reportal"

    def ready(self) -> None:
        from reportal import boundaries

        checks.register(boundaries.check, "boundaries")
