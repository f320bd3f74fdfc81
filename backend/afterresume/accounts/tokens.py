import hashlib
import secrets
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from afterresume.accounts.models import ApiToken, User
from afterresume.audit.services import audit_record

KEY_PREFIX = "arpat_"
DISPLAY_PREFIX_LENGTH = 12


def api_token_hash(raw_key: str) -> str:
    return hashlib.sha256(raw_key.encode()).hexdigest()


@transaction.atomic
def api_token_create(*, user: User, name: str, expires_at: datetime | None) -> tuple[ApiToken, str]:
    """A new token and its key (256 random bits), returned once; only the hash is stored.
    `expires_at=None` means it never expires."""
    raw_key = KEY_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user=user,
        name=name.strip(),
        prefix=raw_key[:DISPLAY_PREFIX_LENGTH],
        key_hash=api_token_hash(raw_key),
        expires_at=expires_at,
    )
    token.full_clean()
    token.save()
    audit_record(
        category="token",
        action="token.created",
        actor=user,
        target=f"token:{token.id}",
        summary=f"Created API token “{token.name}” ({token.prefix}…)",
    )
    return token, raw_key


@transaction.atomic
def api_token_revoke(*, token: ApiToken, actor: User) -> ApiToken:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(
            category="token",
            action="token.revoked",
            actor=actor,
            target=f"token:{token.id}",
            summary=f"Revoked API token “{token.name}” ({token.prefix}…)",
        )
    return token


def api_token_list(*, user: User):
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True).order_by("-created_at", "-id")
