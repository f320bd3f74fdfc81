import socket

from celery import shared_task
from django.utils import timezone


@shared_task(name="afterresume.core.tasks.ping")
def ping() -> dict:
    """Demo task run by beat every 30 s: its stored result shows that a worker is alive."""
    return {"pong": True, "at": timezone.now().isoformat(), "hostname": socket.gethostname()}
