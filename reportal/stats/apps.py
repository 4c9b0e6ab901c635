from django.apps import AppConfig


class StatsConfig(AppConfig):
    name = "reportal.stats"
    label = "stats"

    def ready(self) -> None:
        from reportal.stats import signals

        signals.connect()
