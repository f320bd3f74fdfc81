from django.urls import path

from afterresume.jobs import apis

urlpatterns = [
    path("jobs/", apis.JobListApi.as_view(), name="jobs"),
    path("jobs/<int:job_id>/", apis.JobDetailApi.as_view(), name="job"),
    path("jobs/<int:job_id>/events/", apis.JobEventsApi.as_view(), name="job-events"),
    path("admin/jobs/", apis.AdminJobListApi.as_view(), name="admin-jobs"),
]
