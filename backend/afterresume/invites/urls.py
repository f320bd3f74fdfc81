from django.urls import path

from afterresume.invites import apis, apis_workspace

urlpatterns = [
    path("admin/passkeys/", apis.PasskeyListCreateApi.as_view(), name="admin-passkeys"),
    path("admin/passkeys/<int:passkey_id>/", apis.PasskeyDetailApi.as_view(), name="admin-passkey"),
    path(
        "admin/passkeys/<int:passkey_id>/revoke/",
        apis.PasskeyRevokeApi.as_view(),
        name="admin-passkey-revoke",
    ),
    path("tenant/invites/", apis_workspace.WorkspaceInviteListCreateApi.as_view(), name="tenant-invites"),
    path(
        "tenant/invites/<int:invite_id>/revoke/",
        apis_workspace.WorkspaceInviteRevokeApi.as_view(),
        name="tenant-invite-revoke",
    ),
]
