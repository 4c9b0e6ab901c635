from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "reportal.accounts"
    label = "accounts"
