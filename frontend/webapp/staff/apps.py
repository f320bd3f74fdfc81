from django.apps import AppConfig


class StaffConfig(AppConfig):
    name = "webapp.staff"
    label = "staff"
