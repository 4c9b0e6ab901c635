from django.apps import AppConfig


class StatsConfig(AppConfig):
    name = "reportal.stats"
    label = "stats"
