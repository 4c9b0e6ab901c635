from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "reportal.audit"
    label = "audit"
