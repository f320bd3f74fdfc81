import logging
import secrets
from datetime import datetime, timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from afterresume.accounts.models import User
from afterresume.audit.services import audit_record
from afterresume.core.request_id import current_client_address
from afterresume.invites.keys import passkey_hash
from afterresume.invites.models import InvitePasskey, InvitePasskeyRedemption
from afterresume.tenants.models import Tenant

logger = logging.getLogger(__name__)

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
    role: str = "member",
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
        role=role,
    )
    passkey.full_clean()
    passkey.save()
    audit_record(
        category="passkey",
        action="passkey.created",
        actor=created_by,
        tenant=target_tenant,
        target=f"passkey:{passkey.id}",
        summary=f"Created invite passkey {passkey.prefix}…",
        data={
            "note": passkey.note,
            "max_uses": max_uses,
            "expires_at": expires_at.isoformat(),
            "target_tenant": target_tenant.id if target_tenant else None,
            "starter_credit_micros": starter_credit_micros,
            "role": role,
        },
    )
    return passkey, raw_key


@transaction.atomic
def workspace_invite_create(
    *,
    tenant: Tenant,
    inviter: User,
    role: str = "member",
    note: str = "",
    expires_in_days: int | None = None,
    max_uses: int = 1,
    email: str = "",
) -> tuple[InvitePasskey, str]:
    """An owner's invite into their own workspace. With `email`, the invitation (the sign-up link
    with the key) is mailed once the invite is saved; a mail server that fails does not undo it,
    the owner still has the key to pass on."""
    days = expires_in_days or settings.INVITE_PASSKEY_DEFAULT_DAYS
    note = note.strip() or (f"for {email}" if email else "")
    passkey, raw_key = passkey_create(
        created_by=inviter,
        note=note[:200],
        expires_at=timezone.now() + timedelta(days=days),
        max_uses=max_uses,
        target_tenant=tenant,
        role=role,
    )
    if email:
        _invitation_mail_on_commit(passkey=passkey, raw_key=raw_key, inviter=inviter, email=email)
    return passkey, raw_key


def invitation_signup_link(raw_key: str) -> str:
    return f"{settings.FRONTEND_URL}/signup/?{urlencode({'passkey': raw_key})}"


def _invitation_mail_on_commit(*, passkey: InvitePasskey, raw_key: str, inviter: User, email: str) -> None:
    inviter_name = inviter.display_name or inviter.email
    workspace = passkey.target_tenant.name
    role = "an owner" if passkey.role == "owner" else "a member"
    subject = f"{inviter_name} invites you to {workspace} on AfterResume"
    body = (
        f"{inviter_name} ({inviter.email}) invites you to join the workspace {workspace} on "
        f"AfterResume as {role}.\n\n"
        f"Sign up with this link:\n{invitation_signup_link(raw_key)}\n\n"
        f"or enter this invite passkey on the sign-up page: {raw_key}\n\n"
        f"The invitation expires on {passkey.expires_at:%Y-%m-%d}. Your entries, skills and reports "
        f"stay private to you; the workspace's members share its reserve.\n"
    )

    def send() -> None:
        try:
            send_mail(subject, body, None, [email])
        except Exception:  # the invite stands; the owner can still copy the link from the page
            logger.exception("could not mail the invitation %s", passkey.pk)

    transaction.on_commit(send)


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
            tenant=passkey.target_tenant,
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
