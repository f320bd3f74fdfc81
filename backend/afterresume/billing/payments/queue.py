"""The payment tasks that services queue, by their Celery names, after the caller's transaction
commits. billing/tasks.py runs these services, so the services name the tasks instead of importing
them: Celery's own way to call a task by name (`app.signature`), which keeps the import graph free
of the cycle services → tasks → services."""

from celery import current_app
from django.db import transaction

AUTO_TOPUP = "afterresume.billing.tasks.auto_topup"
DELIVER_SIMULATED_PAYMENT = "afterresume.billing.tasks.deliver_simulated_payment"
DELIVER_SIMULATED_AUTO_TOPUP = "afterresume.billing.tasks.deliver_simulated_auto_topup"


def task_queue_on_commit(name: str, *args, robust: bool = False) -> None:
    """Queue task `name` with `args` once the current transaction commits (at once outside one).
    `robust`: a broker that is down is logged, not raised (the posting that committed stands)."""
    transaction.on_commit(lambda: current_app.signature(name, args=args).delay(), robust=robust)
