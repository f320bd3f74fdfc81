"""Second factors (allauth's MFA authenticators) from the operator's side. People manage their own
through allauth's headless endpoints; this is for the one who lost theirs."""

from allauth.mfa.models import Authenticator
from django.db import transaction

from afterresume.accounts.models import User
from afterresume.audit.services import audit_record


@transaction.atomic
def second_factors_reset(*, user: User, reason: str) -> dict[str, int]:
    """Remove every authenticator app, security key and recovery code of `user`: they sign in with
    their password alone again (and may set up new ones). Returns how many of each type went."""
    removed: dict[str, int] = {}
    for authenticator in Authenticator.objects.filter(user=user).select_for_update():
        removed[authenticator.type] = removed.get(authenticator.type, 0) + 1
        authenticator.delete()
    audit_record(
        category="admin",
        action="mfa.reset",
        target=f"user:{user.pk}",
        summary=f"An operator removed the second factors of {user.email}: {reason}"[:300],
        data={"removed": removed},
    )
    return removed
