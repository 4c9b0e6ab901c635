from django.apps import AppConfig


class HotlineConfig(AppConfig):
    name = "reportal.hotline"
    label = "hotline"
    verbose_name = "Hotline workbench"

    def ready(self) -> None:
        from reportal.hotline import signals  # noqa: F401  (connects the reporter-feedback receiver)
