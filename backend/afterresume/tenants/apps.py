from django.apps import AppConfig


class TenantsConfig(AppConfig):
    name = "afterresume.tenants"
    label = "tenants"
