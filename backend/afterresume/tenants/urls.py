from django.urls import path

from afterresume.tenants.apis import LeaveApi, MemberDetailApi, MemberListApi

urlpatterns = [
    path("tenant/members/", MemberListApi.as_view(), name="tenant-members"),
    path("tenant/members/<int:member_id>/", MemberDetailApi.as_view(), name="tenant-member"),
    path("tenant/leave/", LeaveApi.as_view(), name="tenant-leave"),
]
