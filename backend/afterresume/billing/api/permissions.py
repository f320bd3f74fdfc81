from rest_framework.permissions import SAFE_METHODS, BasePermission

from afterresume.tenants.models import Membership


class IsWorkspaceOwner(BasePermission):
    """Every member of the workspace reads; its owners alone change (unsafe methods). The refusal
    says what only owners do: the view's `owners_only` sentence. A view whose change is owner-only
    under a condition of its input asks `is_owner` itself, after validating."""

    def has_permission(self, request, view) -> bool:
        if request.method in SAFE_METHODS:
            return True
        if getattr(request.user, "membership", None) is None:
            return True  # no workspace at all: TenantApi refuses with its own words
        self.message = view.owners_only
        return self.is_owner(request.user)

    @staticmethod
    def is_owner(user) -> bool:
        return user.membership.role == Membership.Role.OWNER
