from django.db.models import Q
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from afterresume.accounts.models import User
from afterresume.accounts.services import user_update_by_operator
from afterresume.core.filters import QueryFilters
from afterresume.core.pagination import Pagination, paginated_response
from afterresume.core.permissions import IsOperator
from afterresume.tenants.apis import TenantOut
from afterresume.tenants.models import Tenant


class AdminUserOut(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField()
    display_name = serializers.CharField()
    is_active = serializers.BooleanField()
    is_staff = serializers.BooleanField()
    date_joined = serializers.DateTimeField()
    last_login = serializers.DateTimeField(allow_null=True)
    tenant = serializers.SerializerMethodField()
    role = serializers.SerializerMethodField()

    def get_tenant(self, user) -> dict | None:
        membership = getattr(user, "membership", None)
        return {"id": membership.tenant.id, "name": membership.tenant.name} if membership else None

    def get_role(self, user) -> str | None:
        membership = getattr(user, "membership", None)
        return membership.role if membership else None


def admin_user_list(*, search: str = ""):
    users = User.objects.select_related("membership__tenant")
    if search:
        users = users.filter(
            Q(email__icontains=search)
            | Q(display_name__icontains=search)
            | Q(membership__tenant__name__icontains=search)
        )
    return users.order_by("-date_joined", "-id")


class AdminUserListApi(APIView):
    permission_classes = (IsOperator,)
    pagination_class = Pagination

    class AdminUserFilters(QueryFilters):
        search = serializers.CharField(max_length=100, required=False)

    @extend_schema(parameters=[AdminUserFilters], responses=AdminUserOut(many=True))
    def get(self, request):
        filters = self.AdminUserFilters(data=request.query_params)
        filters.is_valid(raise_exception=True)
        return paginated_response(
            request=request,
            view=self,
            queryset=admin_user_list(**filters.validated_data),
            serializer_class=AdminUserOut,
        )


class AdminUserUpdateApi(APIView):
    permission_classes = (IsOperator,)

    class AdminUserUpdateIn(serializers.Serializer):
        is_active = serializers.BooleanField(required=False)
        is_staff = serializers.BooleanField(required=False)

    @extend_schema(request=AdminUserUpdateIn, responses=AdminUserOut)
    def patch(self, request, user_id: int):
        user = get_object_or_404(User.objects.select_related("membership__tenant"), pk=user_id)
        given = self.AdminUserUpdateIn(data=request.data)
        given.is_valid(raise_exception=True)
        user = user_update_by_operator(user=user, operator=request.user, **given.validated_data)
        return Response(AdminUserOut(user).data)


class AdminTenantListApi(APIView):
    """Workspaces to choose from (e.g. the target of an invite passkey)."""

    permission_classes = (IsOperator,)

    @extend_schema(responses=TenantOut(many=True))
    def get(self, request):
        tenants = Tenant.objects.order_by("name").values("id", "name")[:500]
        return Response(TenantOut(tenants, many=True).data)
