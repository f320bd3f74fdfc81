from django.urls import path

from webapp.team import views

app_name = "team"
urlpatterns = [
    path("team/", views.team, name="team"),
    path("team/invites/", views.invite_create, name="invite_create"),
    path("team/invites/<int:invite_id>/revoke/", views.invite_revoke, name="invite_revoke"),
    path("team/members/<int:member_id>/role/", views.member_role, name="member_role"),
    path("team/members/<int:member_id>/remove/", views.member_remove, name="member_remove"),
    path("team/leave/", views.leave, name="leave"),
]
