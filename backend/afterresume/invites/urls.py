from django.urls import path

from afterresume.invites import apis

urlpatterns = [
    path("admin/passkeys/", apis.PasskeyListCreateApi.as_view(), name="admin-passkeys"),
    path("admin/passkeys/<int:passkey_id>/", apis.PasskeyDetailApi.as_view(), name="admin-passkey"),
    path(
        "admin/passkeys/<int:passkey_id>/revoke/",
        apis.PasskeyRevokeApi.as_view(),
        name="admin-passkey-revoke",
    ),
]
