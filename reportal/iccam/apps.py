from django.apps import AppConfig


class IccamConfig(AppConfig):
    name = "reportal.iccam"
    label = "iccam"
    verbose_name = "ICCAM exchange"
