import json
from datetime import timedelta

from allauth.headless.account.views import LoginView, SignupView
from allauth.headless.constants import Client
from allauth.mfa.adapter import get_adapter as get_mfa_adapter
from django.conf import settings
from django.contrib.auth import authenticate
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.http import JsonResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied, Throttled
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from afterresume.accounts.models import ApiToken
from afterresume.accounts.services import user_signup, user_update_profile
from afterresume.accounts.timezones import valid_time_zone
from afterresume.accounts.tokens import api_token_create, api_token_list, api_token_revoke
from afterresume.audit.services import audit_record
from afterresume.core.ratelimits import (
    passkey_failure_count,
    passkey_failures_exhausted,
    signin_failure_count,
    signin_failures_exhausted,
    signup_exhausted,
    token_creation_exhausted,
)
from afterresume.core.schema import ERROR
from afterresume.invites.services import PasskeyRefused
from afterresume.tenants.apis import TenantOut
from afterresume.tenants.selectors import membership_for_user

SECOND_FACTOR_REFUSAL = (
    "This account signs in with a second factor (an authenticator app or a security key), which "
    "this endpoint cannot ask for. Create API tokens on your profile page instead."
)
TOO_MANY_PASSKEY_ATTEMPTS = "Too many invalid invite passkeys from your address. Please try again in an hour."

_allauth_signup = SignupView.as_api_view(client=Client.APP)
_allauth_login = LoginView.as_api_view(client=Client.APP)


@csrf_exempt
def allauth_login_with_429(request, *args, **kwargs):
    """allauth's headless sign-in, except that a tripped failure limit is a 429 (allauth itself
    answers 400 `too_many_login_attempts`): every rate limit looks the same to clients."""
    response = _allauth_login(request, *args, **kwargs)
    if response.status_code == 400:
        body = json.loads(response.content)
        if any(error.get("code") == "too_many_login_attempts" for error in body.get("errors", [])):
            body["status"] = 429
            return JsonResponse(body, status=429)
    return response


@csrf_exempt
def atomic_allauth_signup(request, *args, **kwargs):
    """allauth's headless sign-up in one transaction: the passkey row locked by the form stays
    locked until user, workspace and use are committed together, or all roll back. Addresses that
    tried too many bad passkeys are turned away first (429)."""
    if request.method == "POST" and passkey_failures_exhausted(request):
        return JsonResponse(
            {
                "status": 429,
                "errors": [{"message": TOO_MANY_PASSKEY_ATTEMPTS, "code": "too_many_passkey_attempts"}],
            },
            status=429,
        )
    with transaction.atomic():
        return _allauth_signup(request, *args, **kwargs)


class UserOut(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField()
    display_name = serializers.CharField()
    time_zone = serializers.CharField()
    is_staff = serializers.BooleanField()


class TokenOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    prefix = serializers.CharField()
    created_at = serializers.DateTimeField()
    last_used_at = serializers.DateTimeField(allow_null=True)
    expires_at = serializers.DateTimeField(allow_null=True)


class NewTokenOut(TokenOut):
    # The key is given in the context: the token keeps only its hash.
    key = serializers.SerializerMethodField(help_text="Shown once; only its hash is stored.")

    def get_key(self, token) -> str:
        return self.context["key"]


class SignupOut(serializers.Serializer):
    user = UserOut()
    token = NewTokenOut()


class MeOut(serializers.Serializer):
    user = UserOut()
    tenant = TenantOut(allow_null=True)
    role = serializers.CharField(allow_null=True)


def _time_zone(value: str) -> str:
    try:
        return valid_time_zone(value)
    except DjangoValidationError as error:
        raise serializers.ValidationError(error.messages) from None


def _token_expiry(days: int | None):
    return None if days is None else timezone.now() + timedelta(days=days)


class SignupApi(APIView):
    """Sign-up for API clients: invite passkey + e-mail + password → user, workspace, API token."""

    authentication_classes = ()
    permission_classes = (AllowAny,)

    class SignupIn(serializers.Serializer):
        passkey = serializers.CharField(max_length=200)
        email = serializers.EmailField(max_length=254)
        password = serializers.CharField(max_length=256, trim_whitespace=False)
        display_name = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")
        time_zone = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")

        def validate_time_zone(self, value):
            return _time_zone(value)

    @extend_schema(
        request=SignupIn,
        responses={
            201: SignupOut,
            429: ERROR,
        },
    )
    def post(self, request):
        if passkey_failures_exhausted(request):
            raise Throttled(detail=TOO_MANY_PASSKEY_ATTEMPTS)
        if signup_exhausted(request):
            raise Throttled(detail="Too many sign-ups from your address. Please try again later.")
        given = self.SignupIn(data=request.data)
        given.is_valid(raise_exception=True)
        try:
            with transaction.atomic():
                user = user_signup(**given.validated_data)
                token, key = api_token_create(
                    user=user,
                    name="Created at sign-up",
                    expires_at=_token_expiry(settings.API_TOKEN_DEFAULT_DAYS),
                )
        except PasskeyRefused as refusal:
            passkey_failure_count(request)
            raise serializers.ValidationError({"passkey": refusal.messages}) from None
        return Response(
            SignupOut({"user": user, "token": token}, context={"key": key}).data,
            status=status.HTTP_201_CREATED,
        )


class TokenObtainApi(APIView):
    """E-mail + password → a new personal API token (for scripts)."""

    authentication_classes = ()
    permission_classes = (AllowAny,)

    class TokenObtainIn(serializers.Serializer):
        email = serializers.EmailField(max_length=254)
        password = serializers.CharField(max_length=256, trim_whitespace=False)
        name = serializers.CharField(max_length=100, required=False, default="Script")

    @extend_schema(request=TokenObtainIn, responses={201: NewTokenOut, 403: ERROR, 429: ERROR})
    def post(self, request):
        given = self.TokenObtainIn(data=request.data)
        given.is_valid(raise_exception=True)
        email = given.validated_data["email"]
        if signin_failures_exhausted(request, email=email):
            raise Throttled(detail="Too many failed sign-ins. Please wait a few minutes and try again.")
        user = authenticate(request, username=email, password=given.validated_data["password"])
        if user is None:
            signin_failure_count(request, email=email)
            audit_record(
                category="auth",
                action="signin.failed",
                actor_email=email,
                summary=f"Failed token sign-in for {email}",
            )
            raise serializers.ValidationError(
                {"non_field_errors": ["The e-mail address or password is not right."]}
            )
        if get_mfa_adapter().is_mfa_enabled(user):
            # A password alone must not get around the second factor; tokens made on the profile
            # page (signed in with both) keep working.
            audit_record(
                category="auth",
                action="signin.refused",
                actor=user,
                summary=f"Token sign-in refused for {user.email}: the account has a second factor",
            )
            raise PermissionDenied(detail=SECOND_FACTOR_REFUSAL)
        if token_creation_exhausted(request, user=user):
            raise Throttled(detail="Too many tokens created. Please try again in an hour.")
        audit_record(
            category="auth",
            action="signin.succeeded",
            actor=user,
            summary=f"{user.email} signed in for an API token",
        )
        token, key = api_token_create(
            user=user,
            name=given.validated_data["name"],
            expires_at=_token_expiry(settings.API_TOKEN_DEFAULT_DAYS),
        )
        return Response(NewTokenOut(token, context={"key": key}).data, status=status.HTTP_201_CREATED)


class MeApi(APIView):
    permission_classes = (IsAuthenticated,)

    @extend_schema(responses=MeOut)
    def get(self, request):
        membership = membership_for_user(user=request.user)  # one query: the role and the workspace
        return Response(
            MeOut(
                {
                    "user": request.user,
                    "tenant": membership.tenant if membership else None,
                    "role": membership.role if membership else None,
                }
            ).data
        )

    class ProfileIn(serializers.Serializer):
        display_name = serializers.CharField(max_length=120, required=False, allow_blank=True)
        time_zone = serializers.CharField(max_length=64, required=False)

        def validate_time_zone(self, value):
            return _time_zone(value)

    @extend_schema(request=ProfileIn, responses=UserOut)
    def patch(self, request):
        given = self.ProfileIn(data=request.data)
        given.is_valid(raise_exception=True)
        user = user_update_profile(user=request.user, **given.validated_data)
        return Response(UserOut(user).data)


class TokenListCreateApi(APIView):
    permission_classes = (IsAuthenticated,)

    class TokenCreateIn(serializers.Serializer):
        name = serializers.CharField(max_length=100)
        expires_in_days = serializers.IntegerField(
            min_value=1,
            max_value=3650,
            required=False,
            allow_null=True,
            default=settings.API_TOKEN_DEFAULT_DAYS,
            help_text="Empty (null) for a token that never expires.",
        )

    @extend_schema(responses=TokenOut(many=True))
    def get(self, request):
        return Response(TokenOut(api_token_list(user=request.user), many=True).data)

    @extend_schema(request=TokenCreateIn, responses={201: NewTokenOut})
    def post(self, request):
        given = self.TokenCreateIn(data=request.data)
        given.is_valid(raise_exception=True)
        if token_creation_exhausted(request, user=request.user):
            raise Throttled(detail="Too many tokens created. Please try again in an hour.")
        token, key = api_token_create(
            user=request.user,
            name=given.validated_data["name"],
            expires_at=_token_expiry(given.validated_data["expires_in_days"]),
        )
        return Response(NewTokenOut(token, context={"key": key}).data, status=status.HTTP_201_CREATED)


class TokenRevokeApi(APIView):
    permission_classes = (IsAuthenticated,)

    @extend_schema(responses={204: None})
    def delete(self, request, token_id: int):
        # A token is private to its owner: anyone else's id is simply not found.
        token = get_object_or_404(
            ApiToken.objects.filter(user=request.user, revoked_at__isnull=True), pk=token_id
        )
        api_token_revoke(token=token, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
