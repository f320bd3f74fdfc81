"""Accounts' Celery tasks: entry points like the APIs, each calling one service. Their names are
what queued messages use: they never change."""

from celery import shared_task

from afterresume.accounts import closing

# About a day of trying (30 s doubling, capped at an hour) before an operator is asked to step in.
RETRIES = 30


@shared_task(name=closing.REMOVE_FILES_TASK, bind=True, max_retries=RETRIES, acks_late=True)
def closed_account_files_remove(self, user_id: int, names: list[str]) -> dict:
    """Removes a closed account's stored files (idempotent: a file already gone is no error). The
    ones the storage refused are tried again with back-off; out of retries, they are recorded for
    an operator (audit `account.files_left`)."""
    left = closing.stored_files_remove(names=names)
    if left and self.request.retries < self.max_retries:
        raise self.retry(args=(user_id, left), countdown=min(30 * 2**self.request.retries, 3600))
    if left:
        closing.closed_account_files_left(user_id=user_id, names=left)
    return {"removed": len(names) - len(left), "left": len(left)}
