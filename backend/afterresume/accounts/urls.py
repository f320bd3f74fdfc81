from django.urls import path

from afterresume.accounts import apis, apis_admin, apis_close

urlpatterns = [
    path("auth/signup/", apis.SignupApi.as_view(), name="api-signup"),
    path("auth/token/", apis.TokenObtainApi.as_view(), name="api-token"),
    path("me/", apis.MeApi.as_view(), name="me"),
    path("me/close/", apis_close.AccountCloseApi.as_view(), name="me-close"),
    path("me/tokens/", apis.TokenListCreateApi.as_view(), name="me-tokens"),
    path("me/tokens/<int:token_id>/", apis.TokenRevokeApi.as_view(), name="me-token-revoke"),
    path("admin/users/", apis_admin.AdminUserListApi.as_view(), name="admin-users"),
    path("admin/users/<int:user_id>/", apis_admin.AdminUserUpdateApi.as_view(), name="admin-user"),
    path("admin/tenants/", apis_admin.AdminTenantListApi.as_view(), name="admin-tenants"),
]
