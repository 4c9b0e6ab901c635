from django.apps import AppConfig


class HashesConfig(AppConfig):
    name = "reportal.hashes"
    label = "hashes"
