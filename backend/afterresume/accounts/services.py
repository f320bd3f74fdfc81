import secrets

from django.db import transaction

from afterresume.accounts.models import User
from afterresume.tenants.services import tenant_create_with_owner


def generate_password() -> str:
    return secrets.token_urlsafe(18)


@transaction.atomic
def operator_create_or_update(*, email: str, password: str | None) -> tuple[User, str | None, bool]:
    """Make sure an operator (staff + superuser) with this e-mail exists, with a workspace of its
    own. A new operator gets `password` or, when none is given, a random one that is returned so
    that the caller can show it once. An existing operator's password changes only when one is
    given. Returns (user, password to show or None, created)."""
    user = User.objects.filter(email__iexact=email).first()
    shown = None
    created = user is None
    if created:
        shown = password or generate_password()
        user = User.objects.create_superuser(email, shown)
        tenant_create_with_owner(owner=user, name="Operators")
        if password:
            shown = None  # the operator chose it; never echo it back
    else:
        user.is_staff = user.is_superuser = user.is_active = True
        if password:
            user.set_password(password)
        user.save()
    return user, shown, created
