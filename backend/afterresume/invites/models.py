from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone


class InvitePasskeyQuerySet(models.QuerySet):
    def invites_into(self, tenant):
        """A workspace's own invites (those naming it): what its owners list and revoke. Like
        `TenantScopedQuerySet.for_tenant`, the one place these rows are scoped to a workspace."""
        return self.filter(target_tenant=tenant)


class InvitePasskey(models.Model):
    """An invite passkey: only its SHA-256 hash and a short display prefix are stored; the raw key
    is shown once, when it is created."""

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        USED = "used", "Used up"
        EXPIRED = "expired", "Expired"
        REVOKED = "revoked", "Revoked"

    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=16, db_index=True)
    note = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    max_uses = models.PositiveIntegerField(default=1)
    use_count = models.PositiveIntegerField(default=0)
    revoked_at = models.DateTimeField(null=True, blank=True)
    # Promotional credit posted to the new workspace's reserve at sign-up (a `grant`, docs/money.md).
    starter_credit_micros = models.BigIntegerField(default=0)
    target_tenant = models.ForeignKey(
        "tenants.Tenant",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Invite into this existing workspace.",
    )
    # The newcomer's role in target_tenant (meaningless without one: a new workspace's creator owns it).
    role = models.CharField(
        max_length=16,
        choices=[("owner", "Owner"), ("member", "Member")],
        default="member",
        help_text="The role given in the target workspace.",
    )

    objects = InvitePasskeyQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(max_uses__gte=1), name="passkey_max_uses_positive"),
            models.CheckConstraint(condition=Q(use_count__lte=F("max_uses")), name="passkey_not_overused"),
            models.CheckConstraint(
                condition=Q(starter_credit_micros__gte=0), name="passkey_credit_not_negative"
            ),
            models.CheckConstraint(condition=Q(role__in=["owner", "member"]), name="passkey_role_known"),
        ]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.note or 'no note'})"

    @property
    def status(self) -> str:
        if self.revoked_at is not None:
            return self.Status.REVOKED
        if self.use_count >= self.max_uses:
            return self.Status.USED
        if self.expires_at <= timezone.now():
            return self.Status.EXPIRED
        return self.Status.ACTIVE


class InvitePasskeyRedemption(models.Model):
    passkey = models.ForeignKey(InvitePasskey, on_delete=models.PROTECT, related_name="redemptions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.PROTECT, related_name="+")
    redeemed_at = models.DateTimeField(auto_now_add=True)
    ip = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-redeemed_at"]

    def __str__(self) -> str:
        return f"{self.user} via {self.passkey}"
