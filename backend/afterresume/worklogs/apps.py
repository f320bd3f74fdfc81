from django.apps import AppConfig


class WorklogsConfig(AppConfig):
    name = "afterresume.worklogs"
    label = "worklogs"
