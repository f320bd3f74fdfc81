from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "afterresume.ops"
    label = "ops"
    verbose_name = "Operations"
