"""/api/system/metrics/system/ on real parts (PostgreSQL, the Redis broker, a Celery worker, a
local S3 server): every part answers on its own, and a broken subsystem only blanks its part."""

import socket
import time
import urllib.request
from datetime import timedelta

import pytest
from django.utils import timezone
from django_celery_results.models import TaskResult
from kombu import Connection
from moto.server import ThreadedMotoServer

from afterresume.billing.models import ReserveAccount
from afterresume.jobs.models import Job, JobKind
from afterresume.metrics.models import MetricRun
from config.celery import app as celery_app
from conftest import token_client

URL = "/api/system/metrics/system/"
PARTS = {
    "database",
    "redis",
    "workers",
    "queues",
    "storage",
    "beat",
    "failed_jobs",
    "metrics_runs",
    "reconciliation",
}
PING = "afterresume.core.tasks.ping"


def status_of(user) -> dict:
    answer = token_client(user).get(URL)
    assert answer.status_code == 200
    return answer.json()


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def queue_depths(body: dict) -> dict[str, int]:
    return {queue["name"]: queue["depth"] for queue in body["queues"]["queues"]}


def test_an_operator_gets_every_part_and_each_answers(operator, settings):
    body = status_of(operator)

    assert set(body) == PARTS | {"checked_at"}
    assert {part for part in PARTS if body[part]["available"]} == PARTS
    database = body["database"]
    assert database["vendor"] == "postgresql"
    assert database["size_bytes"] > 0
    assert database["connections"] >= 1
    if database["slowest_queries"] is None:
        assert database["slowest_queries_note"]
    assert body["redis"]["version"]
    assert body["redis"]["connected_clients"] >= 1
    assert body["queues"]["broker"] == "redis"
    assert queue_depths(body) == {"celery": 0, "llm": 0, "billing": 0}
    assert body["storage"] == {
        "available": True,
        "backend": "FileSystemStorage",
        "media_root": str(settings.MEDIA_ROOT),
        "free_bytes": body["storage"]["free_bytes"],
        "stored_bytes": 0,
    }
    assert body["storage"]["free_bytes"] > 0
    assert [task["name"] for task in body["beat"]["tasks"]] == list(settings.CELERY_BEAT_SCHEDULE)
    assert {task["last_run_at"] for task in body["beat"]["tasks"]} == {None}
    assert body["failed_jobs"] == {"available": True, "jobs": []}
    assert body["metrics_runs"] == {"available": True, "runs": []}
    assert body["reconciliation"] == {"available": True, "clean": True, "mismatches": 0}


def test_with_no_worker_running_the_workers_part_says_none_answered(operator):
    body = status_of(operator)

    assert body["workers"] == {"available": True, "alive": 0, "workers": [], "last_ping": None}


def test_a_live_worker_is_listed_with_its_queues(worker, operator):
    body = status_of(operator)

    assert body["workers"]["alive"] == 1
    [listed] = body["workers"]["workers"]
    assert listed["name"] == worker.hostname
    assert listed["queues"] == ["billing", "celery", "llm"]
    assert listed["active"] == 0


def test_queue_depth_counts_the_messages_waiting_with_no_worker(operator):
    # given: three pings sent to the llm queue and nobody consuming it
    for _ in range(3):
        celery_app.send_task(PING, queue="llm")

    # when
    body = status_of(operator)

    # then
    assert queue_depths(body) == {"celery": 0, "llm": 3, "billing": 0}
    llm = next(queue for queue in body["queues"]["queues"] if queue["name"] == "llm")
    assert llm == {"name": "llm", "depth": 3, "oldest_waiting_seconds": None, "next_task": PING}

    celery_app.control.purge()
    assert queue_depths(status_of(operator)) == {"celery": 0, "llm": 0, "billing": 0}


def test_the_filesystem_broker_is_counted_from_its_folder_and_redis_says_it_is_not_the_broker(
    operator, settings, tmp_path
):
    settings.CELERY_BROKER_URL = "filesystem://localhost//"
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(tmp_path),
        "data_folder_out": str(tmp_path),
        "control_folder": str(tmp_path / "control"),
    }
    (tmp_path / "control").mkdir()
    with Connection(
        settings.CELERY_BROKER_URL, transport_options=settings.CELERY_BROKER_TRANSPORT_OPTIONS
    ) as broker:
        waiting = broker.SimpleQueue("billing")
        waiting.put({"n": 1})
        waiting.put({"n": 2})
        waiting.close()

    body = status_of(operator)

    assert body["redis"] == {
        "available": False,
        "error": "BrokerIsNotRedis: The broker is not Redis (filesystem).",
    }
    assert body["queues"]["broker"] == "filesystem"
    assert queue_depths(body) == {"celery": 0, "llm": 0, "billing": 2}
    billing = next(queue for queue in body["queues"]["queues"] if queue["name"] == "billing")
    assert 0 <= billing["oldest_waiting_seconds"] < 60


def test_a_failed_job_is_listed_with_its_error_cut_short(operator, owner):
    tenant = owner.membership.tenant
    finished = timezone.now() - timedelta(minutes=3)
    failed = Job.objects.create(
        tenant=tenant,
        author=owner,
        kind=JobKind.WORKLOG_ENHANCE,
        status=Job.Status.FAILED,
        error="The provider refused the request: " + "x" * 400,
        finished_at=finished,
    )
    Job.objects.create(tenant=tenant, author=owner, kind=JobKind.SKILLS_EXTRACT, status=Job.Status.SUCCEEDED)

    body = status_of(operator)

    assert body["failed_jobs"]["jobs"] == [
        {
            "id": failed.id,
            "tenant_id": tenant.id,
            "kind": "worklog.enhance",
            "error": failed.error[:300],
            "finished_at": finished.isoformat().replace("+00:00", "Z"),
        }
    ]


def test_metrics_runs_beat_results_and_the_last_ping_are_shown(operator):
    run = MetricRun.objects.create(
        day=timezone.now().date(),
        trigger=MetricRun.Trigger.HOURLY,
        status=MetricRun.Status.FAILED,
        error="boom",
    )
    pinged = timezone.now() - timedelta(seconds=20)
    TaskResult.objects.create(task_id="ping-1", task_name=PING, status="SUCCESS", worker="w1@here")
    TaskResult.objects.filter(task_id="ping-1").update(date_done=pinged)

    body = status_of(operator)

    [listed] = body["metrics_runs"]["runs"]
    assert {name: listed[name] for name in ("id", "day", "trigger", "status", "error")} == {
        "id": run.id,
        "day": run.day.isoformat(),
        "trigger": "hourly",
        "status": "failed",
        "error": "boom",
    }
    [ping_task] = [task for task in body["beat"]["tasks"] if task["name"] == "worker-ping"]
    assert ping_task == {
        "name": "worker-ping",
        "task": PING,
        "last_run_at": pinged.isoformat().replace("+00:00", "Z"),
        "last_status": "SUCCESS",
    }
    assert body["workers"]["last_ping"] == {"finished_at": pinged.isoformat(), "worker": "w1@here"}


def test_a_reserve_whose_books_disagree_makes_the_reconciliation_unclean(operator, owner):
    ReserveAccount.objects.filter(tenant=owner.membership.tenant).update(balance_micros=5)

    body = status_of(operator)

    assert body["reconciliation"] == {"available": True, "clean": False, "mismatches": 1}
    assert ReserveAccount.objects.get(tenant=owner.membership.tenant).balance_micros == 5


def test_a_broker_at_a_closed_port_blanks_its_parts_and_the_others_still_answer(operator, settings):
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{closed_port()}/0"

    started = time.monotonic()
    body = status_of(operator)
    elapsed = time.monotonic() - started

    broken = {"redis", "workers", "queues"}
    for part in broken:
        assert body[part]["available"] is False, part
        assert set(body[part]) == {"available", "error"}
        assert body[part]["error"]
    assert {part for part in PARTS if body[part]["available"]} == PARTS - broken
    assert elapsed < 10


@pytest.fixture(scope="module")
def s3_endpoint():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


def point_storage_at_s3(settings, endpoint: str, bucket: str) -> None:
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": bucket,
                "endpoint_url": endpoint,
                "access_key": "test-key",
                "secret_key": "test-secret",
                "region_name": "us-east-1",
                "addressing_style": "path",
            },
        },
    }


def test_s3_storage_names_its_bucket_and_heads_it(operator, settings, s3_endpoint):
    urllib.request.urlopen(urllib.request.Request(f"{s3_endpoint}/moto-api/reset", method="POST"), timeout=5)
    urllib.request.urlopen(urllib.request.Request(f"{s3_endpoint}/evidence", method="PUT"), timeout=5)
    point_storage_at_s3(settings, s3_endpoint, "evidence")

    assert status_of(operator)["storage"] == {
        "available": True,
        "backend": "S3Storage",
        "bucket": "evidence",
        "bucket_reachable": True,
    }


def test_a_missing_bucket_or_a_dead_s3_blanks_only_the_storage_part(operator, settings, s3_endpoint):
    urllib.request.urlopen(urllib.request.Request(f"{s3_endpoint}/moto-api/reset", method="POST"), timeout=5)
    point_storage_at_s3(settings, s3_endpoint, "nowhere")
    missing = status_of(operator)
    point_storage_at_s3(settings, f"http://127.0.0.1:{closed_port()}", "evidence")
    dead = status_of(operator)

    for body in (missing, dead):
        assert body["storage"]["available"] is False
        assert body["storage"]["error"]
        assert body["database"]["available"] is True


def test_a_signed_in_non_operator_gets_404_and_no_one_gets_401(api_client, owner):
    answer = token_client(owner).get(URL)
    assert answer.status_code == 404
    assert answer.json()["message"] == "Not found."

    assert api_client.get(URL).status_code == 401


def test_local_storage_before_the_first_upload_is_available_with_nothing_stored(operator, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "not-yet" / "media")

    storage = status_of(operator)["storage"]

    assert storage["available"] is True
    assert storage["media_root"] == settings.MEDIA_ROOT
    assert storage["stored_bytes"] == 0 and storage["free_bytes"] > 0
