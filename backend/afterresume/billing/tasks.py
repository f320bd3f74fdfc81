import logging

from celery import shared_task

from afterresume.billing.selectors import reserve_reconcile

logger = logging.getLogger(__name__)


@shared_task(name="afterresume.billing.tasks.reconcile")
def reconcile() -> dict:
    """Daily (beat): prove every account's books; log each mismatch (the admin billing page shows
    them live too)."""
    mismatches = reserve_reconcile()
    for mismatch in mismatches:
        logger.error(
            "reserve reconciliation mismatch: workspace %s: %s",
            mismatch["tenant_id"],
            "; ".join(mismatch["issues"]),
        )
    return {"mismatches": len(mismatches)}
