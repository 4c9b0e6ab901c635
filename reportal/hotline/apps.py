from django.apps import AppConfig


class HotlineConfig(AppConfig):
    name = "reportal.hotline"
    label = "hotline"
