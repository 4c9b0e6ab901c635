from django.apps import AppConfig


class PortalsConfig(AppConfig):
    name = "reportal.portals"
    label = "portals"
