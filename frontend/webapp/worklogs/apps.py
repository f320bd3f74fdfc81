from django.apps import AppConfig


class WorklogsConfig(AppConfig):
    name = "webapp.worklogs"
    label = "webworklogs"
