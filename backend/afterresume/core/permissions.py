from rest_framework.permissions import BasePermission


class IsOperator(BasePermission):
    """Admin endpoints: staff only (403 for everyone else), platform-wide by design."""

    message = "This is for operators only."

    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated and request.user.is_staff)
