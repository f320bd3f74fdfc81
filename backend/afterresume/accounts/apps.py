from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "afterresume.accounts"
    label = "accounts"
