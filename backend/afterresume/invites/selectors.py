from django.db.models import F, Q, QuerySet
from django.utils import timezone

from afterresume.invites.keys import passkey_hash
from afterresume.invites.models import InvitePasskey


def passkey_list(*, status: str = "", search: str = "") -> QuerySet[InvitePasskey]:
    passkeys = InvitePasskey.objects.select_related("created_by", "target_tenant")
    now = timezone.now()
    if status == InvitePasskey.Status.REVOKED:
        passkeys = passkeys.filter(revoked_at__isnull=False)
    elif status == InvitePasskey.Status.USED:
        passkeys = passkeys.filter(revoked_at__isnull=True, use_count__gte=F("max_uses"))
    elif status == InvitePasskey.Status.EXPIRED:
        passkeys = passkeys.filter(revoked_at__isnull=True, use_count__lt=F("max_uses"), expires_at__lte=now)
    elif status == InvitePasskey.Status.ACTIVE:
        passkeys = passkeys.filter(revoked_at__isnull=True, use_count__lt=F("max_uses"), expires_at__gt=now)
    if search:
        passkeys = passkeys.filter(Q(note__icontains=search) | Q(prefix__istartswith=search.strip()))
    return passkeys.order_by("-created_at", "-id")


def passkey_get(*, passkey_id: int) -> InvitePasskey | None:
    return (
        InvitePasskey.objects.select_related("created_by", "target_tenant")
        .prefetch_related("redemptions__user")
        .filter(pk=passkey_id)
        .first()
    )


def passkey_unused_get(*, raw_key: str) -> InvitePasskey | None:
    """The passkey behind `raw_key` if it can still be redeemed and never has been."""
    passkey = InvitePasskey.objects.filter(key_hash=passkey_hash(raw_key)).first() if raw_key else None
    if passkey is None or passkey.status != InvitePasskey.Status.ACTIVE or passkey.use_count:
        return None
    return passkey


def workspace_invite_list(*, tenant) -> QuerySet[InvitePasskey]:
    return (
        InvitePasskey.objects.invites_into(tenant).select_related("created_by").order_by("-created_at", "-id")
    )


def workspace_invite_get(*, tenant, invite_id: int) -> InvitePasskey | None:
    return (
        InvitePasskey.objects.invites_into(tenant).select_related("created_by").filter(pk=invite_id).first()
    )
