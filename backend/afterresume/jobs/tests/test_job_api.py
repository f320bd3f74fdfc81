"""GET /api/jobs/, /api/jobs/<id>/ and /api/jobs/<id>/events/: my jobs only."""

import pytest

from afterresume.jobs.models import Job, JobKind, JobStep
from afterresume.jobs.services import (
    job_create_queued,
    job_event_record,
    job_finish,
    job_mark_running,
    job_step_finish,
    job_step_start,
)
from conftest import token_client


def job_of(user, kind=JobKind.WORKLOG_ENHANCE, **fields) -> Job:
    return job_create_queued(tenant=user.membership.tenant, author=user, kind=kind, **fields)


def test_the_list_gives_my_jobs_newest_first(owner):
    first = job_of(owner, estimate_micros=100)
    second = job_of(owner, kind=JobKind.SKILLS_EXTRACT)

    response = token_client(owner).get("/api/jobs/")

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert [job["id"] for job in body["results"]] == [second.id, first.id]
    assert body["results"][1] == {
        "id": first.id,
        "kind": "worklog.enhance",
        "status": "queued",
        "params": {},
        "estimate_micros": 100,
        "estimate_dollars": "0.000100",
        "actual_cost_micros": None,
        "actual_cost_dollars": None,
        "error": "",
        "result": {},
        "retry_of": None,
        "created_at": first.created_at.isoformat(),
        "started_at": None,
        "finished_at": None,
    }


def test_the_list_leaves_out_a_teammates_and_an_outsiders_jobs(owner, teammate, outsider):
    mine = job_of(owner)
    job_of(teammate)
    job_of(outsider)

    response = token_client(owner).get("/api/jobs/")

    assert [job["id"] for job in response.json()["results"]] == [mine.id]


def test_the_list_filters_by_status_and_kind(owner):
    running = job_of(owner)
    job_mark_running(job=running)
    job_of(owner)
    report = job_of(owner, kind=JobKind.REPORT_GENERATE)
    client = token_client(owner)

    by_status = client.get("/api/jobs/", {"status": "running"}).json()
    by_kind = client.get("/api/jobs/", {"kind": "report.generate"}).json()
    by_both = client.get("/api/jobs/", {"status": "running", "kind": "report.generate"}).json()

    assert [job["id"] for job in by_status["results"]] == [running.id]
    assert [job["id"] for job in by_kind["results"]] == [report.id]
    assert by_both["results"] == []


@pytest.mark.parametrize("name", ["status", "kind"])
def test_an_empty_filter_is_a_400_naming_it(owner, name):
    job_of(owner)

    response = token_client(owner).get(f"/api/jobs/?{name}=")

    assert response.status_code == 400
    assert response.json()["extra"]["fields"] == {
        name: ["This filter cannot be empty: leave it out to not filter by it."]
    }


def test_an_unknown_status_is_a_400(owner):
    response = token_client(owner).get("/api/jobs/?status=paused")

    assert response.status_code == 400
    assert response.json()["extra"]["fields"] == {"status": ['"paused" is not a valid choice.']}


def test_a_job_is_given_with_its_steps(owner):
    job = job_of(owner, params={"worklog_id": 3}, estimate_micros=900)
    job_mark_running(job=job)
    job_step_start(job=job, name="rewrite")
    job_step_finish(job=job, name="rewrite", status=JobStep.Status.SUCCEEDED)
    job_step_start(job=job, name="skills")
    job.refresh_from_db()

    response = token_client(owner).get(f"/api/jobs/{job.id}/")

    assert response.status_code == 200
    body = response.json()
    assert (body["id"], body["status"], body["params"], body["started_at"]) == (
        job.id,
        "running",
        {"worklog_id": 3},
        job.started_at.isoformat(),
    )
    assert [(step["name"], step["status"], step["attempts"]) for step in body["steps"]] == [
        ("rewrite", "succeeded", 1),
        ("skills", "running", 1),
    ]


@pytest.mark.parametrize("path", ["/api/jobs/{id}/", "/api/jobs/{id}/events/"])
def test_a_teammates_and_an_outsiders_job_are_a_404(owner, teammate, outsider, path):
    client = token_client(owner)

    for other in (teammate, outsider):
        job = job_of(other)

        response = client.get(path.format(id=job.id))

        assert response.status_code == 404
        assert response.json()["message"] == "Not found."


def test_the_events_are_the_timeline_oldest_first(owner):
    job = job_of(owner)
    job_mark_running(job=job)
    job_step_start(job=job, name="rewrite")
    job_event_record(job=job, kind="hold_placed", message="Held $0.001000", data={"hold_micros": 1_000})
    job_step_finish(job=job, name="rewrite", status=JobStep.Status.FAILED, error="The provider timed out.")
    job_finish(job=job, status=Job.Status.FAILED, error="The provider timed out.")

    response = token_client(owner).get(f"/api/jobs/{job.id}/events/")

    assert response.status_code == 200
    events = response.json()["results"]
    assert [(event["kind"], event["message"]) for event in events] == [
        ("queued", ""),
        ("started", ""),
        ("step_started", "rewrite"),
        ("hold_placed", "Held $0.001000"),
        ("step_failed", "The provider timed out."),
        ("failed", "The provider timed out."),
    ]
    assert events[3]["data"] == {"hold_micros": 1_000}


# --- operators: every workspace's jobs ------------------------------------------------------------


def test_an_operator_lists_every_workspaces_jobs_newest_first(owner, teammate, outsider, operator):
    mine = job_of(owner)
    teammates = job_of(teammate, kind=JobKind.SKILLS_EXTRACT)
    outsiders = job_of(outsider)

    response = token_client(operator).get("/api/admin/jobs/")

    assert response.status_code == 200
    results = response.json()["results"]
    assert [job["id"] for job in results] == [outsiders.id, teammates.id, mine.id]
    assert (results[0]["tenant_id"], results[0]["tenant_name"], results[0]["author_email"]) == (
        outsider.membership.tenant_id,
        "Elsewhere Ltd",
        outsider.email,
    )


def test_an_operator_filters_every_workspaces_jobs_by_workspace_status_and_kind(owner, outsider, operator):
    mine = job_of(owner)
    job_mark_running(job=mine)
    job_of(owner, kind=JobKind.METRICS_COMPUTE)
    outsiders = job_of(outsider)
    client = token_client(operator)

    by_tenant = client.get("/api/admin/jobs/", {"tenant_id": outsider.membership.tenant_id}).json()
    by_status = client.get("/api/admin/jobs/", {"status": "running"}).json()
    by_kind = client.get(
        "/api/admin/jobs/", {"kind": "metrics.compute", "tenant_id": outsider.membership.tenant_id}
    )

    assert [job["id"] for job in by_tenant["results"]] == [outsiders.id]
    assert [job["id"] for job in by_status["results"]] == [mine.id]
    assert by_kind.json()["results"] == []


def test_an_operators_empty_workspace_filter_is_a_400(operator):
    response = token_client(operator).get("/api/admin/jobs/?tenant_id=")

    assert response.status_code == 400
    assert response.json()["extra"]["fields"] == {
        "tenant_id": ["This filter cannot be empty: leave it out to not filter by it."]
    }


def test_a_workspace_owner_gets_403_on_every_workspaces_jobs(owner):
    job_of(owner)

    response = token_client(owner).get("/api/admin/jobs/")

    assert response.status_code == 403
    assert response.json()["message"] == "This is for operators only."
