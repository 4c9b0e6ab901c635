from django.apps import AppConfig


class TracingConfig(AppConfig):
    name = "reportal.tracing"
    label = "tracing"
