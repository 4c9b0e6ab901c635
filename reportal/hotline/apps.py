from django.apps import AppConfig


class HotlineConfig(AppConfig):
    name = "reportal.hotline"
    label = "hotline"
    verbose_name = "Hotline workbench"

    def ready(self) -> None:
        from reportal.actions.services import provide_classifications
        from reportal.hotline import signals  # noqa: F401  (connects the reporter-feedback receiver)
        from reportal.hotline.services import classification_of

        provide_classifications(classification_of)  # routing rules by content class (actions may not import us)
