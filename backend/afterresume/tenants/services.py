from django.db import transaction

from afterresume.accounts.models import User
from afterresume.billing.ledger.posting import reserve_account_create
from afterresume.tenants.models import Membership, Tenant


@transaction.atomic
def tenant_create_with_owner(*, owner: User, name: str = "") -> Tenant:
    """A new workspace with `owner` as its owner. Raises ValidationError if the person already
    belongs to a tenant."""
    tenant = Tenant(name=(name or owner.display_name or owner.email.split("@")[0]).strip()[:120])
    tenant.full_clean()
    tenant.save()
    # Every workspace has its reserve from the start (docs/money.md).
    reserve_account_create(tenant=tenant)
    membership_create(tenant=tenant, user=owner, role=Membership.Role.OWNER)
    return tenant


def membership_create(*, tenant: Tenant, user: User, role: str = Membership.Role.MEMBER) -> Membership:
    membership = Membership(tenant=tenant, user=user, role=role)
    membership.full_clean()
    membership.save()
    return membership
