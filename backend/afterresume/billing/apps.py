from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "afterresume.billing"
    label = "billing"
