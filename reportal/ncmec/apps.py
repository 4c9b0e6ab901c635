from django.apps import AppConfig


class NcmecConfig(AppConfig):
    name = "reportal.ncmec"
    label = "ncmec"
    verbose_name = "NCMEC CyberTipline"
