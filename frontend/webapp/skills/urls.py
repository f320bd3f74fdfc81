from django.urls import path

from webapp.skills import views

app_name = "skills"
urlpatterns = [
    path("skills/", views.skills, name="skills"),
    path("skills/add/", views.skill_add, name="add"),
    path("skills/extract/", views.extract, name="extract"),
    path("skills/<int:skill_id>/", views.skill, name="skill"),
    path("skills/<int:skill_id>/rename/", views.skill_rename, name="rename"),
    path("skills/<int:skill_id>/visibility/", views.skill_visibility, name="visibility"),
    path("skills/<int:skill_id>/merge/", views.skill_merge, name="merge"),
    path("skills/<int:skill_id>/delete/", views.skill_delete, name="delete"),
    path("skills/<int:skill_id>/entries/<int:worklog_id>/unlink/", views.entry_unlink, name="unlink"),
]
