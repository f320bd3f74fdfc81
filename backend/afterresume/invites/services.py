import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from afterresume.accounts.models import User
from afterresume.audit.services import audit_record
from afterresume.core.request_id import current_client_address
from afterresume.invites.keys import passkey_hash
from afterresume.invites.models import InvitePasskey, InvitePasskeyRedemption
from afterresume.tenants.models import Tenant

KEY_PREFIX = "arinv_"
DISPLAY_PREFIX_LENGTH = 12


class PasskeyRefused(ValidationError):
    """A passkey that cannot be redeemed; `code` says why (invalid, expired, used, revoked)."""


REFUSALS = {
    "invalid": "This invite passkey is not valid. Check it for typos, or ask for a new one.",
    "expired": "This invite passkey has expired. Ask the person who invited you for a new one.",
    "used": "This invite passkey has already been used.",
    "revoked": "This invite passkey has been revoked. Ask the person who invited you for a new one.",
}


@transaction.atomic
def passkey_create(
    *,
    created_by: User | None,
    note: str = "",
    expires_at: datetime | None = None,
    max_uses: int = 1,
    target_tenant: Tenant | None = None,
    starter_credit_micros: int = 0,
) -> tuple[InvitePasskey, str]:
    """A new passkey and its raw key (192 random bits). The raw key is returned once and never stored."""
    raw_key = KEY_PREFIX + secrets.token_urlsafe(24)
    if expires_at is None:
        expires_at = timezone.now() + timedelta(days=settings.INVITE_PASSKEY_DEFAULT_DAYS)
    if expires_at <= timezone.now():
        raise ValidationError({"expires_at": "The expiry must be in the future."})
    passkey = InvitePasskey(
        key_hash=passkey_hash(raw_key),
        prefix=raw_key[:DISPLAY_PREFIX_LENGTH],
        note=note.strip(),
        created_by=created_by,
        expires_at=expires_at,
        max_uses=max_uses,
        target_tenant=target_tenant,
        starter_credit_micros=starter_credit_micros,
    )
    passkey.full_clean()
    passkey.save()
    audit_record(
        category="passkey",
        action="passkey.created",
        actor=created_by,
        target=f"passkey:{passkey.id}",
        summary=f"Created invite passkey {passkey.prefix}…",
        data={
            "note": passkey.note,
            "max_uses": max_uses,
            "expires_at": expires_at.isoformat(),
            "target_tenant": target_tenant.id if target_tenant else None,
            "starter_credit_micros": starter_credit_micros,
        },
    )
    return passkey, raw_key


@transaction.atomic
def passkey_revoke(*, passkey: InvitePasskey, actor: User) -> InvitePasskey:
    passkey = InvitePasskey.objects.select_for_update().get(pk=passkey.pk)
    if passkey.revoked_at is None:
        passkey.revoked_at = timezone.now()
        passkey.save(update_fields=["revoked_at"])
        audit_record(
            category="passkey",
            action="passkey.revoked",
            actor=actor,
            target=f"passkey:{passkey.id}",
            summary=f"Revoked invite passkey {passkey.prefix}…",
        )
    return passkey


def passkey_lock_for_redemption(*, raw_key: str) -> InvitePasskey:
    """The passkey behind `raw_key`, row-locked until the surrounding transaction ends, so that two
    sign-ups racing for its last use are served one after the other. Raises PasskeyRefused."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("passkey_lock_for_redemption must run inside a transaction")
    raw_key = (raw_key or "").strip()
    passkey = (
        InvitePasskey.objects.select_for_update().filter(key_hash=passkey_hash(raw_key)).first()
        if raw_key
        else None
    )
    if passkey is None:
        raise PasskeyRefused(REFUSALS["invalid"], code="invalid")
    status = passkey.status
    if status != InvitePasskey.Status.ACTIVE:
        raise PasskeyRefused(REFUSALS[status], code=status)
    return passkey


def passkey_redeem(*, passkey: InvitePasskey, user: User, tenant: Tenant) -> InvitePasskeyRedemption:
    """Count one use of a passkey locked by passkey_lock_for_redemption, in the same transaction."""
    InvitePasskey.objects.filter(pk=passkey.pk).update(use_count=F("use_count") + 1)
    ip = current_client_address() or ""
    redemption = InvitePasskeyRedemption.objects.create(
        passkey=passkey, user=user, tenant=tenant, ip=ip or None
    )
    audit_record(
        category="passkey",
        action="passkey.redeemed",
        actor=user,
        tenant=tenant,
        target=f"passkey:{passkey.id}",
        summary=f"{user.email} signed up with {passkey.prefix}…",
    )
    return redemption
