from django.apps import AppConfig


class ExportsConfig(AppConfig):
    name = "afterresume.exports"
    label = "exports"
    verbose_name = "Data exports"
