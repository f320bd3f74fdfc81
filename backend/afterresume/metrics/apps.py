from django.apps import AppConfig


class MetricsConfig(AppConfig):
    name = "afterresume.metrics"
    label = "metrics"
    verbose_name = "Metrics"
