"""A workspace's own invites: its owners invite people into it (docs/tenancy.md). The operators'
invites of any kind are apis.py's."""

from django.conf import settings
from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from afterresume.invites.selectors import workspace_invite_get, workspace_invite_list
from afterresume.invites.services import invitation_signup_link, passkey_revoke, workspace_invite_create
from afterresume.tenants.apis import WorkspaceOwnerApi
from afterresume.tenants.models import Membership


class WorkspaceInviteOut(serializers.Serializer):
    id = serializers.IntegerField()
    prefix = serializers.CharField()
    note = serializers.CharField()
    role = serializers.CharField()
    status = serializers.CharField(help_text="active, used, expired or revoked.")
    created_at = serializers.DateTimeField()
    created_by = serializers.EmailField(source="created_by.email", allow_null=True, default=None)
    expires_at = serializers.DateTimeField()
    max_uses = serializers.IntegerField()
    use_count = serializers.IntegerField()
    revoked_at = serializers.DateTimeField(allow_null=True)


class NewWorkspaceInviteOut(WorkspaceInviteOut):
    key = serializers.CharField(help_text="Shown once; only its hash is stored.")
    signup_url = serializers.CharField(help_text="The sign-up page with the key filled in.")
    emailed_to = serializers.EmailField(
        allow_blank=True, help_text="Where the invitation was mailed, if anywhere."
    )


class WorkspaceInviteListCreateApi(WorkspaceOwnerApi):
    """The workspace's invites (the newest 100, newest first), and a new one: an invite passkey that names this
    workspace and the role the newcomer gets, optionally mailed to them. Owners only."""

    class InviteIn(serializers.Serializer):
        role = serializers.ChoiceField(choices=Membership.Role.choices, default=Membership.Role.MEMBER)
        note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
        expires_in_days = serializers.IntegerField(
            min_value=1, max_value=365, required=False, default=settings.INVITE_PASSKEY_DEFAULT_DAYS
        )
        max_uses = serializers.IntegerField(min_value=1, max_value=100, required=False, default=1)
        email = serializers.EmailField(
            required=False, allow_blank=True, default="", help_text="Mail the invitation to this address."
        )

    @extend_schema(responses=WorkspaceInviteOut(many=True))
    def get(self, request):
        invites = workspace_invite_list(tenant=request.tenant)[:100]
        return Response(WorkspaceInviteOut(invites, many=True).data)

    @extend_schema(request=InviteIn, responses={201: NewWorkspaceInviteOut})
    def post(self, request):
        given = self.InviteIn(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        invite, raw_key = workspace_invite_create(tenant=request.tenant, inviter=request.user, **data)
        # The raw key leaves the server this once; only its hash is stored.
        answer = {
            **WorkspaceInviteOut(invite).data,
            "key": raw_key,
            "signup_url": invitation_signup_link(raw_key),
            "emailed_to": data["email"],
        }
        return Response(answer, status=status.HTTP_201_CREATED)


class WorkspaceInviteRevokeApi(WorkspaceOwnerApi):
    """Revoke one of the workspace's invites: nobody can sign up with it any more. Owners only."""

    @extend_schema(request=None, responses=WorkspaceInviteOut)
    def post(self, request, invite_id: int):
        invite = workspace_invite_get(tenant=request.tenant, invite_id=invite_id)
        if invite is None:
            raise Http404
        return Response(WorkspaceInviteOut(passkey_revoke(passkey=invite, actor=request.user)).data)
