import pytest
from django.test import override_settings
from django_celery_results.models import TaskResult

UNREACHABLE_REDIS = "redis://127.0.0.1:1/0"


def test_health_reports_every_check_ok(db, api_client):
    response = api_client.get("/api/healthz/")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["failing"] == []
    assert set(body["checks"]) == {"database", "cache", "broker"}
    assert all(check["ok"] for check in body["checks"].values())
    assert body["checks"]["database"]["detail"] == "postgresql"
    assert body["checks"]["cache"]["detail"] == "RedisCache"


def test_health_is_503_and_names_the_cache_when_redis_is_unreachable(db, api_client):
    caches = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": UNREACHABLE_REDIS}
    }
    with override_settings(CACHES=caches):
        response = api_client.get("/api/healthz/")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "failing"
    assert body["failing"] == ["cache"]
    assert "ConnectionError" in body["checks"]["cache"]["detail"]


def test_health_is_503_and_names_the_broker_when_it_is_unreachable(db, api_client):
    with override_settings(CELERY_BROKER_URL=UNREACHABLE_REDIS):
        response = api_client.get("/api/healthz/")

    assert response.status_code == 503
    assert response.json()["failing"] == ["broker"]


def test_health_shows_no_worker_ping_before_any_ran(db, api_client):
    response = api_client.get("/api/healthz/")

    assert response.json()["worker"] == {"last_ping": None}


@pytest.mark.django_db
def test_health_shows_the_newest_successful_worker_ping(api_client):
    for worker, status in [("old@host", "SUCCESS"), ("new@host", "SUCCESS"), ("broken@host", "FAILURE")]:
        TaskResult.objects.create(
            task_id=worker, task_name="afterresume.core.tasks.ping", status=status, worker=worker
        )

    ping = api_client.get("/api/healthz/").json()["worker"]["last_ping"]

    assert ping["worker"] == "new@host"


def test_health_answers_are_not_cached_by_proxies(db, api_client):
    assert api_client.get("/api/healthz/")["Cache-Control"] == "no-store"
