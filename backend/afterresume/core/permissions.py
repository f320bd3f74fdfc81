from rest_framework.exceptions import NotFound
from rest_framework.permissions import BasePermission


class IsOperator(BasePermission):
    """Admin endpoints: staff only (403 for everyone else), platform-wide by design."""

    message = "This is for operators only."

    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated and request.user.is_staff)


class IsOperatorElseNotFound(BasePermission):
    """Operators' platform figures (`/api/system/…`): to a signed-in person who is not an operator
    the routes do not exist, a 404 like any unknown address, so their existence says nothing. An
    anonymous caller gets the 401 every private route gives."""

    def has_permission(self, request, view):
        if not (request.user and request.user.is_authenticated):
            return False
        if request.user.is_staff:
            return True
        raise NotFound()
