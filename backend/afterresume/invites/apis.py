from datetime import timedelta

from django.conf import settings
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from afterresume.billing.money import DollarsField
from afterresume.core.filters import QueryFilters
from afterresume.core.pagination import Pagination, paginated_response
from afterresume.core.permissions import IsOperator
from afterresume.invites.models import InvitePasskey
from afterresume.invites.selectors import passkey_get, passkey_list
from afterresume.invites.services import passkey_create, passkey_revoke
from afterresume.tenants.models import Membership, Tenant


class PasskeyOut(serializers.Serializer):
    id = serializers.IntegerField()
    prefix = serializers.CharField()
    note = serializers.CharField()
    status = serializers.CharField()
    created_at = serializers.DateTimeField()
    created_by = serializers.EmailField(source="created_by.email", allow_null=True, default=None)
    expires_at = serializers.DateTimeField()
    max_uses = serializers.IntegerField()
    use_count = serializers.IntegerField()
    starter_credit_micros = serializers.IntegerField()
    revoked_at = serializers.DateTimeField(allow_null=True)
    target_tenant = serializers.SerializerMethodField()
    role = serializers.CharField(
        help_text="The role given in target_tenant (none: the newcomer owns a new one)."
    )

    def get_target_tenant(self, passkey) -> dict | None:
        tenant = passkey.target_tenant
        return {"id": tenant.id, "name": tenant.name} if tenant else None


class RedemptionOut(serializers.Serializer):
    user = serializers.EmailField(source="user.email")
    redeemed_at = serializers.DateTimeField()
    ip = serializers.IPAddressField(allow_null=True)


class PasskeyDetailOut(PasskeyOut):
    redemptions = RedemptionOut(many=True)


class NewPasskeyOut(PasskeyOut):
    key = serializers.CharField(help_text="Shown once; only its hash is stored.")


class PasskeyListCreateApi(APIView):
    permission_classes = (IsOperator,)
    pagination_class = Pagination

    class PasskeyFilters(QueryFilters):
        status = serializers.ChoiceField(choices=InvitePasskey.Status.choices, required=False)
        search = serializers.CharField(max_length=100, required=False)

    class PasskeyCreateIn(serializers.Serializer):
        note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
        expires_in_days = serializers.IntegerField(
            min_value=1, max_value=365, required=False, default=settings.INVITE_PASSKEY_DEFAULT_DAYS
        )
        max_uses = serializers.IntegerField(min_value=1, max_value=1000, required=False, default=1)
        starter_credit_dollars = DollarsField(
            source="starter_credit_micros",
            places=2,
            whole_digits=6,
            min_dollars=0,
            max_dollars=1000,
            required=False,
            default=0,
            help_text="Promotional credit for the new workspace.",
        )
        target_tenant_id = serializers.IntegerField(required=False, allow_null=True, default=None)
        role = serializers.ChoiceField(
            choices=Membership.Role.choices,
            default=Membership.Role.MEMBER,
            help_text="With target_tenant_id: the newcomer's role there.",
        )

        def validate_target_tenant_id(self, value):
            if value is not None and not Tenant.objects.filter(pk=value).exists():
                raise serializers.ValidationError("There is no workspace with this id.")
            return value

    @extend_schema(parameters=[PasskeyFilters], responses=PasskeyOut(many=True))
    def get(self, request):
        filters = self.PasskeyFilters(data=request.query_params)
        filters.is_valid(raise_exception=True)
        return paginated_response(
            request=request,
            view=self,
            queryset=passkey_list(**filters.validated_data),
            serializer_class=PasskeyOut,
        )

    @extend_schema(request=PasskeyCreateIn, responses={201: NewPasskeyOut})
    def post(self, request):
        given = self.PasskeyCreateIn(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        passkey, raw_key = passkey_create(
            created_by=request.user,
            note=data["note"],
            expires_at=timezone.now() + timedelta(days=data["expires_in_days"]),
            max_uses=data["max_uses"],
            target_tenant=Tenant.objects.filter(pk=data["target_tenant_id"]).first(),
            starter_credit_micros=data["starter_credit_micros"],
            role=data["role"],
        )
        # The raw key leaves the server this once; only its hash is stored.
        return Response({**PasskeyOut(passkey).data, "key": raw_key}, status=status.HTTP_201_CREATED)


class PasskeyDetailApi(APIView):
    permission_classes = (IsOperator,)

    @extend_schema(responses=PasskeyDetailOut)
    def get(self, request, passkey_id: int):
        passkey = passkey_get(passkey_id=passkey_id)
        if passkey is None:
            raise Http404
        return Response(PasskeyDetailOut(passkey).data)


class PasskeyRevokeApi(APIView):
    permission_classes = (IsOperator,)

    @extend_schema(request=None, responses=PasskeyOut)
    def post(self, request, passkey_id: int):
        passkey = get_object_or_404(InvitePasskey, pk=passkey_id)
        return Response(PasskeyOut(passkey_revoke(passkey=passkey, actor=request.user)).data)
