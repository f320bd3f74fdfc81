from django.apps import apps
from django.db import transaction

from afterresume.accounts.models import User
from afterresume.audit.services import audit_record
from afterresume.billing.ledger.posting import reserve_account_create
from afterresume.core.exceptions import DomainError
from afterresume.tenants.models import Membership, Tenant, TenantOwnedModel

# What stays with a workspace when one of its people goes (docs/tenancy.md): its money (the
# reserve's ledger, usage) and the jobs run on it. Every other workspace-owned row with an author is
# that person's career log and goes with them.
STAYS_WITH_THE_WORKSPACE = {"billing", "jobs"}

LAST_OWNER = "The workspace needs at least one owner: make someone else an owner first."


class LastOwner(DomainError):
    """The change would leave the workspace without an owner."""

    status_code = 409

    def __init__(self, message: str = LAST_OWNER):
        super().__init__(message)


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


class NotAnOwner(DomainError):
    """The person acting is no longer an owner (another request changed that a moment before)."""

    status_code = 403

    def __init__(self):
        super().__init__("Only the workspace's owners manage its members and invites.")


def _refuse_unless_owner(memberships: dict[int, Membership], actor: User) -> None:
    if not any(m.user_id == actor.pk and m.role == Membership.Role.OWNER for m in memberships.values()):
        raise NotAnOwner()


def _memberships_locked(tenant: Tenant) -> dict[int, Membership]:
    """Every membership of the workspace, row-locked in id order until the transaction ends: two
    owners demoting or removing each other at the same moment are served one after the other, so
    the second sees the first's change and the workspace keeps an owner."""
    locked = Membership.objects.select_for_update().filter(tenant=tenant).order_by("id")
    return {membership.pk: membership for membership in locked.select_related("user")}


def _owner_count(memberships: dict[int, Membership]) -> int:
    return sum(1 for membership in memberships.values() if membership.role == Membership.Role.OWNER)


@transaction.atomic
def membership_role_change(*, membership: Membership, role: str, actor: User) -> Membership:
    """Raises LastOwner when the workspace's only owner would become a member."""
    memberships = _memberships_locked(membership.tenant)
    _refuse_unless_owner(memberships, actor)
    if membership.pk not in memberships:  # removed by a request that was served first
        raise Membership.DoesNotExist
    membership = memberships[membership.pk]
    if membership.role == role:
        return membership
    if membership.role == Membership.Role.OWNER and _owner_count(memberships) == 1:
        raise LastOwner()
    before, membership.role = membership.role, role
    membership.full_clean()
    membership.save(update_fields=["role"])
    audit_record(
        category="admin",  # what owners change in their workspace is an admin action too
        action="member.role_changed",
        actor=actor,
        tenant=membership.tenant,
        target=f"user:{membership.user_id}",
        summary=f"{actor.email} made {membership.user.email} {role} of {membership.tenant.name}",
        data={"from": before, "to": role},
    )
    return membership


@transaction.atomic
def membership_remove(*, membership: Membership, actor: User) -> Tenant:
    """An owner removes someone (themselves: they leave). The person gets a workspace of their own
    with their entries. Raises LastOwner for the only owner, NotAnOwner if the actor no longer is one."""
    action = "member.left" if membership.user_id == actor.pk else "member.removed"
    return _depart(membership=membership, actor=actor, action=action, by_owner=True)


@transaction.atomic
def membership_leave(*, membership: Membership) -> Tenant:
    """Someone leaves their workspace for one of their own, entries and all. Raises LastOwner for
    the only owner (of a workspace with others in it or not: it would be left without one)."""
    return _depart(membership=membership, actor=membership.user, action="member.left")


def _depart(*, membership: Membership, actor: User, action: str, by_owner: bool = False) -> Tenant:
    old_tenant = membership.tenant
    memberships = _memberships_locked(old_tenant)
    if by_owner:
        _refuse_unless_owner(memberships, actor)
    membership = memberships.get(membership.pk)
    if membership is None:  # removed by a request that was served first
        raise Membership.DoesNotExist
    if membership.role == Membership.Role.OWNER and _owner_count(memberships) == 1:
        raise LastOwner()
    person = membership.user
    membership.delete()
    new_tenant = tenant_create_with_owner(owner=person)
    moved = private_rows_move(author=person, from_tenant=old_tenant, to_tenant=new_tenant)
    summary = (
        f"{person.email} left {old_tenant.name}"
        if action == "member.left"
        else f"{actor.email} removed {person.email} from {old_tenant.name}"
    )
    audit_record(
        category="admin",  # what owners change in their workspace is an admin action too
        action=action,
        actor=actor,
        tenant=old_tenant,
        target=f"user:{person.pk}",
        summary=summary,
        data={"new_tenant": new_tenant.pk, "moved": moved},
    )
    return new_tenant


def private_models() -> list[type[TenantOwnedModel]]:
    """Every workspace-owned model with an author, outside what stays with the workspace: worklogs,
    tags, per-day counts, evidence, skills, extraction progress, reports, and any such model added
    later. Their other rows (revisions, skill links and aliases, report files and share links) hang
    off these and follow them."""
    return [
        model
        for model in apps.get_models()
        if issubclass(model, TenantOwnedModel)
        and model._meta.app_label not in STAYS_WITH_THE_WORKSPACE
        and any(field.name == "author" for field in model._meta.concrete_fields)
    ]


def private_rows_move(*, author: User, from_tenant: Tenant, to_tenant: Tenant) -> dict[str, int]:
    """Moves `author`'s private rows from one workspace to another, in the caller's transaction.
    A link from a moved row to what stays behind (a report's job) is cleared when it may be empty:
    the new workspace cannot reach the old one's jobs. Returns the rows moved per model."""
    moved = {}
    for model in private_models():
        rows = model.objects.private_to(tenant=from_tenant, author=author)
        changes = {"tenant": to_tenant}
        for field in model._meta.concrete_fields:
            if (
                field.is_relation
                and field.null
                and field.related_model._meta.app_label in STAYS_WITH_THE_WORKSPACE
            ):
                changes[field.name] = None
        count = rows.update(**changes)
        if count:
            moved[model._meta.label] = count
    return moved
