import secrets

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction

from afterresume.accounts.models import User
from afterresume.accounts.timezones import valid_time_zone
from afterresume.audit.services import audit_record
from afterresume.billing.ledger.posting import ledger_post
from afterresume.billing.models import LedgerEntry
from afterresume.invites.models import InvitePasskey
from afterresume.invites.services import passkey_lock_for_redemption, passkey_redeem
from afterresume.tenants.models import Tenant
from afterresume.tenants.services import membership_create, tenant_create_with_owner


def generate_password() -> str:
    return secrets.token_urlsafe(18)


def signup_complete(
    *, user: User, passkey: InvitePasskey, display_name: str = "", time_zone: str = ""
) -> Tenant:
    """Everything a sign-up creates besides the user row, in the caller's transaction: the
    workspace (or the membership of the invite's workspace) and the counted passkey use."""
    changed = []
    if display_name and user.display_name != display_name:
        user.display_name = display_name
        changed.append("display_name")
    if time_zone:
        user.time_zone = time_zone
        changed.append("time_zone")
    if changed:
        user.save(update_fields=changed)
    if passkey.target_tenant_id:
        tenant = passkey.target_tenant
        membership_create(tenant=tenant, user=user, role=passkey.role)
    else:
        tenant = tenant_create_with_owner(owner=user)
    passkey_redeem(passkey=passkey, user=user, tenant=tenant)
    if passkey.starter_credit_micros:
        # Promotional money, kept apart from paid money as a `grant` (docs/money.md); once per person.
        ledger_post(
            account_id=tenant.reserve.pk,
            kind=LedgerEntry.Kind.GRANT,
            amount_micros=passkey.starter_credit_micros,
            idempotency_key=f"passkey:{passkey.pk}:starter-credit:{user.pk}",
            memo=f"Starter credit from invite {passkey.prefix}…",
            actor_id=user.pk,
        )
    audit_record(
        category="auth",
        action="signup",
        actor=user,
        tenant=tenant,
        summary=f"{user.email} signed up",
        data={"passkey": passkey.prefix},
    )
    return tenant


@transaction.atomic
def user_signup(
    *, passkey: str, email: str, password: str, display_name: str = "", time_zone: str = ""
) -> User:
    """Sign-up for API clients (the browser goes through allauth's headless sign-up, which ends in
    signup_complete too). Raises ValidationError (PasskeyRefused for the passkey)."""
    locked = passkey_lock_for_redemption(raw_key=passkey)
    email = User.objects.normalize_email(email).lower()
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError({"email": "A user is already registered with this e-mail address."})
    try:
        validate_password(password, user=User(email=email, display_name=display_name))
    except ValidationError as error:
        raise ValidationError({"password": error.messages}) from None
    user = User.objects.create_user(email, password, display_name=display_name)
    signup_complete(user=user, passkey=locked, time_zone=time_zone)
    return user


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


@transaction.atomic
def user_update_by_operator(
    *, user: User, operator: User, is_active: bool | None = None, is_staff: bool | None = None
) -> User:
    """Deactivate/reactivate a user or grant/revoke staff. Operators cannot lock themselves out."""
    changes = {}
    if is_staff is not None and is_staff != user.is_staff:
        if user.pk == operator.pk and not is_staff:
            raise ValidationError({"is_staff": "You cannot remove your own staff access."})
        changes["is_staff"] = is_staff
    if is_active is not None and is_active != user.is_active:
        if user.pk == operator.pk and not is_active:
            raise ValidationError({"is_active": "You cannot deactivate your own account."})
        changes["is_active"] = is_active
    for field, value in changes.items():
        setattr(user, field, value)
        action = {
            ("is_staff", True): "user.staff_granted",
            ("is_staff", False): "user.staff_revoked",
            ("is_active", True): "user.reactivated",
            ("is_active", False): "user.deactivated",
        }[(field, value)]
        audit_record(
            category="admin",
            action=action,
            actor=operator,
            target=f"user:{user.pk}",
            summary=f"{operator.email}: {action} for {user.email}",
        )
    if changes:
        user.save(update_fields=list(changes))
    return user


def user_update_profile(*, user: User, display_name: str | None = None, time_zone: str | None = None) -> User:
    changed = []
    if display_name is not None:
        user.display_name = display_name.strip()
        changed.append("display_name")
    if time_zone is not None:
        user.time_zone = valid_time_zone(time_zone) or "UTC"
        changed.append("time_zone")
    if changed:
        user.full_clean(exclude=["password"])
        user.save(update_fields=changed)
    return user
