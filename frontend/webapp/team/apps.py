from django.apps import AppConfig


class TeamConfig(AppConfig):
    name = "webapp.team"
    label = "webteam"
