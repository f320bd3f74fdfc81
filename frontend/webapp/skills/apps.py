from django.apps import AppConfig


class SkillsConfig(AppConfig):
    name = "webapp.skills"
    label = "webskills"
