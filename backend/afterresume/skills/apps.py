from django.apps import AppConfig


class SkillsConfig(AppConfig):
    name = "afterresume.skills"
    label = "skills"
