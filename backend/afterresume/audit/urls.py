from django.urls import path

from afterresume.audit import apis

urlpatterns = [
    path("admin/audit/", apis.AuditEventListApi.as_view(), name="admin-audit"),
]
