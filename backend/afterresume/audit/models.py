from django.conf import settings
from django.db import models


class AuditEvent(models.Model):
    """The one audit log: who did what, when, from where. Rows are only added."""

    class Category(models.TextChoices):
        AUTH = "auth", "Sign-in and sign-up"
        PASSKEY = "passkey", "Invite passkeys"
        TOKEN = "token", "API tokens"
        ADMIN = "admin", "Admin actions"
        BILLING = "billing", "Billing"

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    category = models.CharField(max_length=16, choices=Category.choices)
    action = models.CharField(max_length=64)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The e-mail as it was at the time (also for failed sign-ins, where there may be no user).
    actor_email = models.CharField(max_length=254, blank=True)
    tenant = models.ForeignKey(
        "tenants.Tenant", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    target = models.CharField(max_length=200, blank=True, help_text="What was acted on, e.g. passkey:12")
    summary = models.CharField(max_length=300, blank=True)
    data = models.JSONField(default=dict, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    request_id = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["category", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.category}.{self.action}"
