from django.urls import path

from afterresume.skills import apis

urlpatterns = [
    path("skills/", apis.SkillListApi.as_view(), name="skills"),
    path("skills/<int:skill_id>/", apis.SkillDetailApi.as_view(), name="skill"),
    path("skills/<int:skill_id>/merge/", apis.SkillMergeApi.as_view(), name="skill-merge"),
    path("skills/<int:skill_id>/entries/", apis.SkillEntriesApi.as_view(), name="skill-entries"),
    path("skills/<int:skill_id>/entries/<int:worklog_id>/", apis.SkillEntryApi.as_view(), name="skill-entry"),
]
