from django.apps import AppConfig


class ListsConfig(AppConfig):
    name = "reportal.lists"
    label = "lists"
