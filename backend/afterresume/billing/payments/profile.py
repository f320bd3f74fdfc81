"""A workspace's reserve settings: the policy, the low-balance threshold, the ceiling per job and
automatic top-up. Owners change them (the API checks who)."""

from django.core.exceptions import ValidationError
from django.db import transaction

from afterresume.audit.services import audit_record
from afterresume.billing.models import AutoTopupMode, ReserveAccount
from afterresume.billing.payments.autotopup_triggers import auto_topup_check_now


@transaction.atomic
def billing_profile_update(*, tenant, actor, changes: dict) -> ReserveAccount:
    """Apply validated `changes` (field name → value) to the workspace's reserve, audited. A
    change of auto top-up or of the threshold while the balance is already under it counts as a
    crossing (once). Raises ValidationError for a target at or under the threshold."""
    account = ReserveAccount.objects.select_for_update().get(tenant=tenant)
    for name, value in changes.items():
        setattr(account, name, value)
    if (
        account.auto_topup_enabled
        and account.auto_topup_mode == AutoTopupMode.TARGET
        and account.auto_topup_target_micros <= account.low_balance_threshold_micros
    ):
        raise ValidationError(
            {
                "auto_topup_target_micros": [
                    "The target must be above the low-balance threshold, or a top-up would not "
                    "lift the balance out of it."
                ]
            }
        )
    account.save(update_fields=[*changes, "updated_at"])
    audit_record(
        category="billing",
        action="billing.settings_changed",
        actor=actor,
        tenant=tenant,
        summary="Reserve settings changed",
        data=changes,
    )
    if any(name.startswith("auto_topup") or name == "low_balance_threshold_micros" for name in changes):
        auto_topup_check_now(account)
    return account
