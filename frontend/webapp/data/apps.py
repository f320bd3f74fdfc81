from django.apps import AppConfig


class DataConfig(AppConfig):
    name = "webapp.data"
    label = "webdata"
