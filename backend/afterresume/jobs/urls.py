from django.urls import path

from afterresume.jobs import apis, apis_data, apis_reports

urlpatterns = [
    path("jobs/", apis.JobListApi.as_view(), name="jobs"),
    path("jobs/<int:job_id>/", apis.JobDetailApi.as_view(), name="job"),
    path("jobs/estimate/", apis.JobEstimateApi.as_view(), name="job-estimate"),
    path("jobs/<int:job_id>/events/", apis.JobEventsApi.as_view(), name="job-events"),
    path("jobs/<int:job_id>/cancel/", apis.JobCancelApi.as_view(), name="job-cancel"),
    path("jobs/<int:job_id>/retry/", apis.JobRetryApi.as_view(), name="job-retry"),
    path("jobs/<int:job_id>/proposal/accept/", apis.ProposalAcceptApi.as_view(), name="job-proposal-accept"),
    path("jobs/<int:job_id>/proposal/reject/", apis.ProposalRejectApi.as_view(), name="job-proposal-reject"),
    path("admin/jobs/", apis.AdminJobListApi.as_view(), name="admin-jobs"),
    path("reports/", apis_reports.ReportListCreateApi.as_view(), name="reports"),
    path("worklogs/imports/", apis_data.WorkLogImportApi.as_view(), name="worklog-import"),
    path("exports/", apis_data.ExportListApi.as_view(), name="exports"),
    path("exports/<int:export_id>/download/", apis_data.ExportDownloadApi.as_view(), name="export-download"),
    path("reports/estimate/", apis_reports.ReportEstimateApi.as_view(), name="report-estimate"),
]
