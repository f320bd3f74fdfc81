from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "afterresume.audit"
    label = "audit"
