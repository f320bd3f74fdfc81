"""Closing one's own account: what it would do (GET), then doing it (POST) after the password is
given again and the phrase typed (accounts/closing.py)."""

from django.contrib.sessions.backends.base import SessionBase
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import Throttled
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from afterresume.accounts.closing import CONFIRMATION_PHRASE, account_close, account_closing_statement
from afterresume.audit.services import audit_record
from afterresume.core.ratelimits import signin_failure_count, signin_failures_exhausted
from afterresume.core.schema import ERROR


class ClosingDeletedOut(serializers.Serializer):
    entries = serializers.IntegerField()
    evidence_files = serializers.IntegerField()
    skills = serializers.IntegerField()
    reports = serializers.IntegerField()
    tokens = serializers.IntegerField(help_text="Personal API tokens not revoked.")


class ClosingWorkspaceOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class ClosingStatementOut(serializers.Serializer):
    confirmation_phrase = serializers.SerializerMethodField(help_text="What to send as `confirm` to close.")
    deleted = ClosingDeletedOut(source="*", help_text="Deleted for good, with the stored files.")
    jobs_kept = serializers.IntegerField(
        source="jobs", help_text="Jobs kept for the billing history, without the text they carried."
    )
    jobs_running = serializers.IntegerField(help_text="Queued or running: closing waits for them.")
    workspace = ClosingWorkspaceOut(source="tenant", allow_null=True)
    role = serializers.CharField(allow_null=True)
    other_members = serializers.IntegerField()
    must_hand_over = serializers.BooleanField(
        help_text="The only owner of a workspace with other members: make another member owner first."
    )
    is_last_member = serializers.BooleanField(
        help_text="Nobody else is in the workspace: it stays, with its reserve, without members."
    )
    balance_micros = serializers.IntegerField(help_text="The workspace's reserve balance; it stays with it.")
    is_operator = serializers.BooleanField(help_text="Operators cannot close their own account.")
    can_close = serializers.BooleanField()

    def get_confirmation_phrase(self, statement) -> str:
        return CONFIRMATION_PHRASE


class ClosedOut(serializers.Serializer):
    deleted = ClosingDeletedOut(source="*")
    jobs_scrubbed = serializers.IntegerField()
    stored_files = serializers.IntegerField(help_text="Stored files queued for removal.")


class AccountCloseApi(APIView):
    permission_classes = (IsAuthenticated,)

    class AccountCloseIn(serializers.Serializer):
        password = serializers.CharField(max_length=256, trim_whitespace=False)
        confirm = serializers.CharField(max_length=100, help_text=f"The phrase “{CONFIRMATION_PHRASE}”.")

        def validate_confirm(self, value: str) -> str:
            if " ".join(value.split()).lower() != CONFIRMATION_PHRASE:
                raise serializers.ValidationError(f"Type “{CONFIRMATION_PHRASE}” to confirm.")
            return value

    @extend_schema(responses=ClosingStatementOut)
    def get(self, request):
        statement = account_closing_statement(user=request.user)
        return Response(ClosingStatementOut(statement).data)

    @extend_schema(request=AccountCloseIn, responses={200: ClosedOut, 409: ERROR, 429: ERROR})
    def post(self, request):
        given = self.AccountCloseIn(data=request.data)
        given.is_valid(raise_exception=True)
        user = request.user
        # The password again, on the sign-in's failure budget: guessing it here is no cheaper.
        if signin_failures_exhausted(request, email=user.email):
            raise Throttled(detail="Too many failed sign-ins. Please wait a few minutes and try again.")
        if not user.check_password(given.validated_data["password"]):
            signin_failure_count(request, email=user.email)
            audit_record(
                category="auth",
                action="account.close_refused",
                actor=user,
                summary=f"{user.email}: wrong password when closing the account",
            )
            raise serializers.ValidationError({"password": ["The password is not right."]})
        # Signed in through allauth's session token, that session ends with the account.
        session = request.auth if isinstance(request.auth, SessionBase) else None
        closed = account_close(user=user, session=session)
        return Response(ClosedOut(closed).data)
