from django.apps import AppConfig


class SkillsConfig(AppConfig):
    name = "afterresume.skills"
    label = "skills"

    def ready(self):
        from afterresume.skills.services import skills_before_entry_delete
        from afterresume.worklogs.services import ENTRY_DELETE_HOOKS

        if skills_before_entry_delete not in ENTRY_DELETE_HOOKS:
            ENTRY_DELETE_HOOKS.append(skills_before_entry_delete)
