"""/api/system/metrics/…: operators read the figures and start a backfill; to everyone else the
routes do not exist (404)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from afterresume.metrics.models import MetricRun, MetricSnapshot
from conftest import token_client

ROUTES = [
    ("get", "/api/system/metrics/daily/"),
    ("get", "/api/system/metrics/workspaces/?day=2026-11-30"),
    ("get", "/api/system/metrics/runs/"),
    ("post", "/api/system/metrics/backfill/"),
]


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_every_metrics_route_is_a_404_to_a_signed_in_non_operator_and_a_401_to_no_one(
    method, path, api_client, owner, operator
):
    assert getattr(api_client, method)(path, format="json").status_code == 401
    answer = getattr(token_client(owner), method)(path, format="json")
    assert answer.status_code == 404
    assert answer.json()["message"] == "Not found."
    assert not MetricRun.objects.exists()
    # the same route does answer an operator (the 404 above is not a missing route)
    assert getattr(token_client(operator), method)(path, format="json").status_code in (200, 400)


def test_an_operator_reads_the_platforms_days_oldest_first_gaps_left_out(operator):
    today = timezone.now().date()
    for days_ago, entries in [(3, 7), (1, 2)]:
        MetricSnapshot.objects.create(
            day=today - timedelta(days=days_ago),
            figures={"entries": entries},
            is_final=True,
            computed_at=timezone.now(),
        )
    MetricSnapshot.objects.create(
        day=today - timedelta(days=1),
        tenant=operator.membership.tenant,
        figures={"entries": 2},
        computed_at=timezone.now(),
    )

    answer = token_client(operator).get(
        "/api/system/metrics/daily/", {"date_from": (today - timedelta(days=5)).isoformat()}
    )

    assert answer.status_code == 200
    assert [(row["day"], row["tenant_id"], row["figures"]) for row in answer.json()] == [
        ((today - timedelta(days=3)).isoformat(), None, {"entries": 7}),
        ((today - timedelta(days=1)).isoformat(), None, {"entries": 2}),
    ]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"date_from": "2026-12-01", "date_to": "2026-11-01"}, "date_from"),
        ({"date_from": "2024-01-01", "date_to": "2026-11-01"}, "date_from"),
        ({"date_from": "yesterday"}, "date_from"),
        ({"date_to": ""}, "date_to"),
    ],
)
def test_a_bad_range_is_a_400_naming_the_field(query, field, operator):
    answer = token_client(operator).get("/api/system/metrics/daily/", query)
    assert answer.status_code == 400
    assert field in answer.json()["extra"]["fields"]


def test_a_backfill_of_future_days_or_too_many_is_refused(operator):
    client = token_client(operator)
    tomorrow = timezone.now().date() + timedelta(days=1)
    answer = client.post(
        "/api/system/metrics/backfill/",
        {"date_from": tomorrow.isoformat(), "date_to": tomorrow.isoformat()},
        format="json",
    )
    assert answer.status_code == 400 and "date_to" in answer.json()["extra"]["fields"]
    answer = client.post(
        "/api/system/metrics/backfill/", {"date_from": "2020-01-01", "date_to": "2026-01-01"}, format="json"
    )
    assert answer.status_code == 400 and "date_from" in answer.json()["extra"]["fields"]
    assert not MetricRun.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_backfill_runs_each_day_on_the_workers_and_a_day_being_computed_is_a_409(worker, operator):
    client = token_client(operator)
    today = timezone.now().date()
    body = {"date_from": (today - timedelta(days=2)).isoformat(), "date_to": today.isoformat()}

    answer = client.post("/api/system/metrics/backfill/", body, format="json")

    assert answer.status_code == 202
    runs = answer.json()
    assert [run["day"] for run in runs] == [(today - timedelta(days=n)).isoformat() for n in (2, 1, 0)]
    assert [run["is_final"] for run in runs] == [True, True, False]
    from afterresume.metrics.tests.test_compute import wait_for_run

    assert {wait_for_run(run["id"]).status for run in runs} == {MetricRun.Status.SUCCEEDED}
    listed = client.get("/api/system/metrics/runs/").json()["results"]
    assert {run["id"] for run in listed} == {run["id"] for run in runs}
    assert MetricSnapshot.objects.filter(tenant__isnull=True).count() == 3

    # a run still under way for a day of the range refuses the whole backfill
    MetricRun.objects.create(day=today, trigger=MetricRun.Trigger.HOURLY)
    answer = client.post("/api/system/metrics/backfill/", body, format="json")
    assert answer.status_code == 409
    assert "being computed already" in answer.json()["message"]
