from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "afterresume.jobs"
    label = "jobs"
