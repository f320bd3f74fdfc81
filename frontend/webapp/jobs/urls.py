from django.urls import path

from webapp.jobs import views

app_name = "jobs"
urlpatterns = [
    path("jobs/", views.jobs, name="jobs"),
    path("jobs/<int:job_id>/", views.job, name="job"),
    path("jobs/<int:job_id>/cancel/", views.job_cancel, name="cancel"),
    path("jobs/<int:job_id>/retry/", views.job_retry, name="retry"),
    path("jobs/<int:job_id>/proposal/accept/", views.proposal_accept, name="accept"),
    path("jobs/<int:job_id>/proposal/reject/", views.proposal_reject, name="reject"),
]
