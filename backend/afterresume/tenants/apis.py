from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from afterresume.core.schema import ERROR
from afterresume.tenants.models import Membership
from afterresume.tenants.selectors import membership_for_user, membership_get, membership_list
from afterresume.tenants.services import membership_leave, membership_remove, membership_role_change


class TenantApi(APIView):
    """Base of every non-admin API view: sets `request.tenant` for the signed-in user. Views then
    read through `Model.objects.for_tenant(request.tenant)` / `.private_to(...)`, nothing else."""

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        membership = membership_for_user(user=request.user)
        if membership is None:
            raise PermissionDenied("Your account does not belong to a workspace.")
        # One query for both: views read request.tenant and request.user.membership (the role).
        request.user.membership = membership
        request.tenant = membership.tenant


class WorkspaceOwnerApi(TenantApi):
    """A view of the workspace's management (its invites, its members' roles): its owners alone
    call the methods in `owner_methods`; a member is refused with the view's `owners_only`."""

    owners_only = "Only the workspace's owners manage its members and invites."
    owner_methods = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE"})

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if request.method in self.owner_methods and request.user.membership.role != Membership.Role.OWNER:
            self.permission_denied(request, message=self.owners_only)


class TenantOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class MemberOut(serializers.Serializer):
    id = serializers.IntegerField(help_text="The membership's id: what /api/tenant/members/<id>/ names.")
    email = serializers.EmailField(source="user.email")
    display_name = serializers.CharField(source="user.display_name")
    role = serializers.CharField()
    joined_at = serializers.DateTimeField(source="created_at")
    is_me = serializers.SerializerMethodField()

    def get_is_me(self, membership) -> bool:
        return membership.user_id == self.context["user"].pk


class MemberListOut(serializers.Serializer):
    tenant = TenantOut()
    my_role = serializers.CharField(help_text="The caller's own role: owner or member.")
    members = MemberOut(many=True)


class MemberListApi(TenantApi):
    """The caller's workspace and its members."""

    @extend_schema(responses=MemberListOut)
    def get(self, request):
        members = membership_list(tenant=request.tenant)
        answer = {"tenant": request.tenant, "my_role": request.user.membership.role, "members": members}
        return Response(MemberListOut(answer, context={"user": request.user}).data)


class DepartedOut(serializers.Serializer):
    """Where the person who went is now: a workspace of their own, with their entries."""

    tenant = TenantOut()


class MemberDetailApi(WorkspaceOwnerApi):
    """An owner changes a member's role or removes them from the workspace. A removed person keeps
    their entries, evidence, skills and reports: they move with them into a new workspace of their
    own. The last owner can be neither demoted nor removed (409)."""

    class RoleIn(serializers.Serializer):
        role = serializers.ChoiceField(choices=Membership.Role.choices)

    def _membership(self, request, member_id: int) -> Membership:
        membership = membership_get(tenant=request.tenant, membership_id=member_id)
        if membership is None:
            raise NotFound()
        return membership

    @extend_schema(request=RoleIn, responses={200: MemberOut, 409: ERROR})
    def patch(self, request, member_id: int):
        membership = self._membership(request, member_id)
        given = self.RoleIn(data=request.data)
        given.is_valid(raise_exception=True)
        try:
            changed = membership_role_change(
                membership=membership, role=given.validated_data["role"], actor=request.user
            )
        except Membership.DoesNotExist:
            raise NotFound() from None
        return Response(MemberOut(changed, context={"user": request.user}).data)

    @extend_schema(request=None, responses={200: DepartedOut, 409: ERROR})
    def delete(self, request, member_id: int):
        membership = self._membership(request, member_id)
        try:
            new_tenant = membership_remove(membership=membership, actor=request.user)
        except Membership.DoesNotExist:
            raise NotFound() from None
        return Response(DepartedOut({"tenant": new_tenant}).data, status=status.HTTP_200_OK)


class LeaveApi(TenantApi):
    """Leave the workspace: you get a workspace of your own (its own, empty reserve) and your
    entries, evidence, skills and reports go with you; the reserve and its history stay. The last
    owner cannot leave (409): make someone else an owner first."""

    @extend_schema(request=None, responses={200: DepartedOut, 409: ERROR})
    def post(self, request):
        try:
            new_tenant = membership_leave(membership=request.user.membership)
        except Membership.DoesNotExist:
            raise NotFound() from None
        return Response(DepartedOut({"tenant": new_tenant}).data)
