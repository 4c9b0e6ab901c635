from django.apps import AppConfig


class ActionsConfig(AppConfig):
    name = "reportal.actions"
    label = "actions"
