from django.urls import path

from afterresume.tenants.apis import MemberListApi

urlpatterns = [
    path("tenant/members/", MemberListApi.as_view(), name="tenant-members"),
]
