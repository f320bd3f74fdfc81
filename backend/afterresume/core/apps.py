from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "afterresume.core"
    label = "core"
