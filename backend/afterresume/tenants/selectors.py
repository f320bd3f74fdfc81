from afterresume.accounts.models import User
from afterresume.tenants.models import Membership, Tenant


def membership_for_user(*, user: User) -> Membership | None:
    return Membership.objects.select_related("tenant").filter(user=user).first()


def tenant_for_user(*, user: User) -> Tenant | None:
    membership = membership_for_user(user=user)
    return membership.tenant if membership else None


def membership_list(*, tenant: Tenant):
    return Membership.objects.for_tenant(tenant).select_related("user").order_by("created_at")


def membership_get(*, tenant: Tenant, membership_id: int) -> Membership | None:
    return (
        Membership.objects.for_tenant(tenant)
        .select_related("user", "tenant")
        .filter(pk=membership_id)
        .first()
    )
