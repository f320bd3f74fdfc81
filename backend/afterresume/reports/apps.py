from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "afterresume.reports"
    label = "reports"
