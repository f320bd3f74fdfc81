from django.conf import settings
from django.db import models


class Tenant(models.Model):
    """A workspace: the unit of billing and membership."""

    name = models.CharField(max_length=120)
    # Which rate card prices this workspace's usage (billing.RateCard.plan).
    plan = models.CharField(max_length=40, default="standard")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


class TenantScopedQuerySet(models.QuerySet):
    """The one tenant-scoping mechanism (docs/tenancy.md). Every non-admin read of tenant-owned rows
    starts here; an id from another tenant (or, for private data, another author) is then simply
    not found, which the APIs answer with 404."""

    def for_tenant(self, tenant: Tenant):
        return self.filter(tenant=tenant)

    def private_to(self, *, tenant: Tenant, author):
        """Personal data (worklogs, evidence, skills, reports): the author's rows in the tenant."""
        return self.filter(tenant=tenant, author=author)


class TenantOwnedModel(models.Model):
    tenant = models.ForeignKey(Tenant, on_delete=models.PROTECT, related_name="+")

    objects = TenantScopedQuerySet.as_manager()

    class Meta:
        abstract = True


class Membership(TenantOwnedModel):
    class Role(models.TextChoices):
        OWNER = "owner", "Owner"
        MEMBER = "member", "Member"

    # For now a person belongs to exactly one tenant (docs/tenancy.md): hence one-to-one.
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="membership")
    tenant = models.ForeignKey(Tenant, on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.MEMBER)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TenantScopedQuerySet.as_manager()

    def __str__(self) -> str:
        return f"{self.user} in {self.tenant} ({self.role})"
