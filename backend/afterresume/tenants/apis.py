from drf_spectacular.utils import extend_schema, inline_serializer
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


class MemberListApi(TenantApi):
    """The caller's workspace and its members."""

    class MemberOut(serializers.Serializer):
        email = serializers.EmailField(source="user.email")
        display_name = serializers.CharField(source="user.display_name")
        role = serializers.CharField()

    @extend_schema(
        responses=inline_serializer(
            "MemberList",
            {
                "tenant": inline_serializer(
                    "TenantOut", {"id": serializers.IntegerField(), "name": serializers.CharField()}
                ),
                "members": MemberOut(many=True),
            },
        )
    )
    def get(self, request):
        members = membership_list(tenant=request.tenant)
        return Response(
            {
                "tenant": {"id": request.tenant.id, "name": request.tenant.name},
                "members": self.MemberOut(members, many=True).data,
            }
        )
