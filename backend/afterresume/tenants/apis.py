from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from afterresume.tenants.selectors import membership_for_user, membership_list


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


class TenantOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class MemberOut(serializers.Serializer):
    email = serializers.EmailField(source="user.email")
    display_name = serializers.CharField(source="user.display_name")
    role = serializers.CharField()


class MemberListOut(serializers.Serializer):
    tenant = TenantOut()
    members = MemberOut(many=True)


class MemberListApi(TenantApi):
    """The caller's workspace and its members."""

    @extend_schema(responses=MemberListOut)
    def get(self, request):
        members = membership_list(tenant=request.tenant)
        return Response(MemberListOut({"tenant": request.tenant, "members": members}).data)
