from django.apps import AppConfig


class InvitesConfig(AppConfig):
    name = "afterresume.invites"
    label = "invites"
