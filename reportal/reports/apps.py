from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "reportal.reports"
    label = "reports"

    def ready(self) -> None:
        from reportal import ratelimit

        ratelimit.use_counter_table(self.get_model("RateLimitCounter"))
