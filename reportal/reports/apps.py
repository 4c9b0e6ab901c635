from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "reportal.reports"
    label = "reports"
