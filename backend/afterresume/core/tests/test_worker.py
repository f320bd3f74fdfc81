import pytest
from celery.contrib.testing.worker import start_worker

from afterresume.core.tasks import ping
from config.celery import app as celery_app


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_answers_the_ping_and_health_shows_it(api_client):
    # given a real worker consuming the Redis broker
    with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        # when the demo task is queued
        answer = ping.delay().get(timeout=20)

    # then the worker ran it and the health endpoint shows its stored result
    assert answer["pong"] is True
    last_ping = api_client.get("/api/healthz/").json()["worker"]["last_ping"]
    assert last_ping is not None
    assert last_ping["finished_at"].startswith(answer["at"][:10])
