"""The engine on a real worker (Redis broker, django-db results, PostgreSQL): a job is estimated,
held, run as a Celery DAG, costed by the billing.cost_usage chord and settled exactly."""

import io
import threading
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from afterresume.billing.ledger.selectors import reserve_reconcile
from afterresume.billing.models import Hold, LedgerEntry, UsageEvent
from afterresume.billing.pricing.rates import price_usage
from afterresume.jobs.models import Job, JobEvent, JobStep
from afterresume.jobs.tests.conftest import ENTRY_TEXT, chat_answer, error_answer, fund, is_skills_request
from afterresume.worklogs.models import WorkLog, WorkLogRevision
from config.celery import app as celery_app
from conftest import token_client

FUNDS = 5_000_000  # 5 USD
ALL_STEPS = {
    "rewrite",
    "skills",
    "propose",
    "cost.chunk.0",
    "cost.chunk.1",
    "cost.chunk.2",
    "cost.chunk.3",
    "cost.capture",
    "finish",
}


def start_enhance(client, entry):
    return client.post(
        "/api/jobs/", {"kind": "worklog.enhance", "params": {"worklog_id": entry.pk}}, format="json"
    )


def wait_for_end(job_id: int, timeout: float = 30) -> Job:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        finish = JobStep.objects.filter(job_id=job_id, name="finish").first()
        if finish is not None and finish.status in ("succeeded", "failed", "skipped"):
            return Job.objects.get(pk=job_id)  # read after the finish step: never an older state
        time.sleep(0.1)
    steps = list(JobStep.objects.filter(job_id=job_id).values_list("name", "status"))
    status = Job.objects.get(pk=job_id).status
    raise AssertionError(f"job {job_id} did not end within {timeout} s: {status}, steps {steps}")


def priced(owner, events) -> int:
    """The events' cost computed again here, event by event, with the plan's rate card."""
    return sum(
        price_usage(
            plan=owner.membership.tenant.plan,
            model=event.model,
            quantities={"tokens_in": event.tokens_in, "tokens_out": event.tokens_out},
            at=event.occurred_at,
        )
        for event in events
    )


def usage_entries(account) -> list[LedgerEntry]:
    return list(LedgerEntry.objects.filter(account=account, kind=LedgerEntry.Kind.USAGE))


def test_an_enhancement_runs_on_the_worker_and_charges_exactly_what_its_calls_cost(worker, owner, entry):
    account = fund(owner, FUNDS)
    client = token_client(owner)

    answer = start_enhance(client, entry)

    assert answer.status_code == 202, answer.json()
    started = answer.json()
    assert started["status"] in ("queued", "running", "succeeded")
    assert started["estimate_micros"] > 0
    job = wait_for_end(started["id"])
    assert job.status == "succeeded", job.error
    steps = dict(JobStep.objects.filter(job=job).values_list("name", "status"))
    assert steps == dict.fromkeys(ALL_STEPS, "succeeded")
    events = list(UsageEvent.objects.filter(job_reference=f"job:{job.pk}"))
    assert len(events) == 2  # the rewrite and the skills: one usage event per call
    cost = priced(owner, events)
    assert cost > 0 and cost <= job.estimate_micros
    assert job.actual_cost_micros == cost
    [charge] = usage_entries(account)
    assert charge.amount_micros == -cost
    hold = Hold.objects.get(pk=job.hold_id)
    assert (hold.status, hold.captured_micros, hold.overrun_micros) == ("captured", cost, 0)
    account.refresh_from_db()
    assert (account.balance_micros, account.held_micros, account.jobs_running) == (FUNDS - cost, 0, 0)
    assert (account.tokens_in_total, account.tokens_out_total) == (
        sum(event.tokens_in for event in events),
        sum(event.tokens_out for event in events),
    )
    kinds = list(JobEvent.objects.filter(job=job).values_list("kind", flat=True))
    assert kinds[:3] == ["queued", "hold_placed", "started"]
    assert kinds.index("hold_captured") < kinds.index("hold_released") < kinds.index("succeeded")
    detail = client.get(f"/api/jobs/{job.pk}/").json()
    assert detail["usage"] == {
        "events": 2,
        "tokens_in": sum(event.tokens_in for event in events),
        "tokens_out": sum(event.tokens_out for event in events),
        "cost_micros": cost,
        "cost_dollars": f"{cost / 1_000_000:.6f}",
    }
    proposal = detail["result"]
    assert proposal["original"] == ENTRY_TEXT
    assert proposal["content"] and proposal["decision"] is None
    assert "Kubernetes" in proposal["skills"] and "PostgreSQL" in proposal["skills"]
    assert reserve_reconcile() == []


def test_accepting_changes_the_entry_and_keeps_the_old_text_rejecting_changes_nothing(worker, owner, entry):
    fund(owner, FUNDS)
    client = token_client(owner)
    first = wait_for_end(start_enhance(client, entry).json()["id"])

    accepted = client.post(f"/api/jobs/{first.pk}/proposal/accept/")

    assert accepted.status_code == 200, accepted.json()
    proposal = accepted.json()["result"]
    assert proposal["decision"] == "accepted"
    entry.refresh_from_db()
    assert entry.content == proposal["content"]
    assert set(entry.tags.values_list("name", flat=True)) == {
        "infra",
        *(s.lower() for s in proposal["skills"]),
    }
    [revision] = WorkLogRevision.objects.filter(entry=entry)
    assert revision.content == ENTRY_TEXT and f"job {first.pk}" in revision.reason
    assert client.post(f"/api/jobs/{first.pk}/proposal/accept/").status_code == 409  # decided once

    second = wait_for_end(start_enhance(client, entry).json()["id"])
    rejected = client.post(f"/api/jobs/{second.pk}/proposal/reject/")

    assert rejected.json()["result"]["decision"] == "rejected"
    before = (entry.content, entry.updated_at)
    entry.refresh_from_db()
    assert (entry.content, entry.updated_at) == before
    assert WorkLogRevision.objects.filter(entry=entry).count() == 1


def test_a_proposal_made_from_an_older_text_is_not_applied_over_an_edit(worker, owner, entry):
    fund(owner, FUNDS)
    client = token_client(owner)
    job = wait_for_end(start_enhance(client, entry).json()["id"])
    client.patch(f"/api/worklogs/{entry.pk}/", {"content": "Edited by hand meanwhile."}, format="json")

    answer = client.post(f"/api/jobs/{job.pk}/proposal/accept/")

    assert answer.status_code == 409
    assert "edited after the proposal" in answer.json()["message"]
    assert WorkLog.objects.get(pk=entry.pk).content == "Edited by hand meanwhile."


def test_a_job_the_reserve_cannot_cover_is_refused_with_402_and_runs_nothing(owner, entry):
    client = token_client(owner)  # a new workspace has no money, and the policy is block

    answer = start_enhance(client, entry)

    assert answer.status_code == 402
    body = answer.json()
    job = Job.objects.get(pk=body["extra"]["job_id"])
    assert job.status == "refused" and job.hold_id is None
    assert body["extra"]["needed_micros"] == job.estimate_micros
    assert body["extra"]["needed_dollars"] and "top up" in body["message"]
    assert not Hold.objects.exists() and not UsageEvent.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_two_jobs_racing_for_a_reserve_that_covers_one_run_one_and_refuse_the_other(owner, entry):
    estimate = (
        token_client(owner)
        .post(
            "/api/jobs/estimate/",
            {"kind": "worklog.enhance", "params": {"worklog_id": entry.pk}},
            format="json",
        )
        .json()["estimate_micros"]
    )
    account = fund(owner, estimate + estimate // 2)  # one and a half jobs
    clients = [token_client(owner, name=f"racer {n}") for n in range(2)]
    answers = [None, None]
    barrier = threading.Barrier(2)

    def race(n: int) -> None:
        barrier.wait()
        answers[n] = start_enhance(clients[n], entry).status_code

    threads = [threading.Thread(target=race, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(answers) == [202, 402]
    assert Job.objects.filter(status="refused").count() == 1
    account.refresh_from_db()
    assert account.held_micros == estimate and account.available_micros == estimate // 2
    assert reserve_reconcile() == []


def test_a_401_from_the_server_fails_the_job_with_a_clear_message_and_charges_nothing(
    worker, owner, entry, openai_server
):
    account = fund(owner, FUNDS)
    openai_server.expect_request("/v1/chat/completions").respond_with_response(
        error_answer(401, "Incorrect API key provided")
    )

    job = wait_for_end(start_enhance(token_client(owner), entry).json()["id"])

    assert job.status == "failed"
    assert "refused the API key (401): check LLM_API_KEY" in job.error
    assert not UsageEvent.objects.exists() and usage_entries(account) == []
    assert Hold.objects.get(pk=job.hold_id).status == "released"
    account.refresh_from_db()
    assert (account.balance_micros, account.held_micros, account.jobs_running) == (FUNDS, 0, 0)
    assert JobStep.objects.get(job=job, name="propose").status == "skipped"


def test_a_chord_member_failing_for_good_fails_the_job_and_charges_only_what_was_used(
    worker, owner, entry, openai_server
):
    account = fund(owner, FUNDS)

    def answer(request):
        if is_skills_request(request):
            return error_answer(400, "max_tokens is too large for this model")
        return chat_answer("Cut deploys from 40 to 6 minutes by moving billing to Kubernetes.")

    openai_server.expect_request("/v1/chat/completions").respond_with_handler(answer)

    job = wait_for_end(start_enhance(token_client(owner), entry).json()["id"])

    assert job.status == "failed"
    assert job.error.startswith("skills: ") and "malformed (400)" in job.error
    [event] = UsageEvent.objects.filter(job_reference=f"job:{job.pk}")  # the rewrite's call only
    cost = priced(owner, [event])
    [charge] = usage_entries(account)
    assert charge.amount_micros == -cost and job.actual_cost_micros == cost
    hold = Hold.objects.get(pk=job.hold_id)
    assert (hold.status, hold.captured_micros) == ("captured", cost)
    account.refresh_from_db()
    assert (account.balance_micros, account.held_micros) == (FUNDS - cost, 0)
    steps = dict(JobStep.objects.filter(job=job).values_list("name", "status"))
    assert (steps["rewrite"], steps["skills"], steps["propose"], steps["cost.capture"]) == (
        "succeeded",
        "failed",
        "skipped",
        "succeeded",
    )
    assert reserve_reconcile() == []


def test_a_rate_limited_call_is_retried_after_a_back_off_and_recorded_once(
    worker, owner, entry, openai_server
):
    fund(owner, FUNDS)
    calls = {"skills": 0}

    def answer(request):
        if is_skills_request(request):
            calls["skills"] += 1
            if calls["skills"] == 1:
                return error_answer(429, "slow down", headers={"Retry-After": "0.5"})
            return chat_answer("Kubernetes, Technical writing")
        return chat_answer("Deploys went from 40 to 6 minutes.", usage=None)

    openai_server.expect_request("/v1/chat/completions").respond_with_handler(answer)

    job = wait_for_end(start_enhance(token_client(owner), entry).json()["id"])

    assert job.status == "succeeded", job.error
    skills = JobStep.objects.get(job=job, name="skills")
    assert (skills.status, skills.attempts) == ("succeeded", 2)
    assert JobEvent.objects.filter(job=job, kind="step_retried", message="skills").count() == 1
    events = {
        event.idempotency_key: event for event in UsageEvent.objects.filter(job_reference=f"job:{job.pk}")
    }
    assert len(events) == 2
    rewrite = events[f"job:{job.pk}:rewrite:0"]
    assert rewrite.tokens_counted_locally is True  # the server's answer had no usage
    assert events[f"job:{job.pk}:skills:0"].tokens_counted_locally is False
    assert job.result["skills"] == ["Kubernetes", "Technical writing"]


def test_canceling_a_running_job_skips_what_is_left_and_settles_the_hold(worker, owner, entry, openai_server):
    account = fund(owner, FUNDS)
    client = token_client(owner)
    in_call, release = threading.Event(), threading.Event()

    def answer(request):
        if not is_skills_request(request):
            in_call.set()
            release.wait(10)
        return chat_answer("A reply.")

    openai_server.expect_request("/v1/chat/completions").respond_with_handler(answer)
    job_id = start_enhance(client, entry).json()["id"]
    assert in_call.wait(15), "the rewrite never reached the server"

    canceled = client.post(f"/api/jobs/{job_id}/cancel/")
    release.set()

    assert canceled.status_code == 200 and canceled.json()["status"] == "canceled"
    job = wait_for_end(job_id)
    assert job.status == "canceled"
    steps = dict(JobStep.objects.filter(job=job).values_list("name", "status"))
    assert steps["propose"] == "skipped" and steps["cost.capture"] == "succeeded"
    used = list(UsageEvent.objects.filter(job_reference=f"job:{job_id}"))
    cost = priced(owner, used)
    assert job.actual_cost_micros == cost
    assert sum(-charge.amount_micros for charge in usage_entries(account)) == cost
    account.refresh_from_db()
    assert (account.balance_micros, account.held_micros, account.jobs_running) == (FUNDS - cost, 0, 0)
    assert client.post(f"/api/jobs/{job_id}/cancel/").status_code == 409
    assert reserve_reconcile() == []


def test_a_failed_job_is_retried_as_a_new_job_with_its_own_hold(worker, owner, entry, openai_server):
    fund(owner, FUNDS)
    client = token_client(owner)
    openai_server.expect_request("/v1/chat/completions").respond_with_response(error_answer(401, "bad key"))
    failed = wait_for_end(start_enhance(client, entry).json()["id"])
    assert failed.status == "failed"
    openai_server.clear()
    openai_server.expect_request("/v1/chat/completions").respond_with_response(chat_answer("Kubernetes"))

    answer = client.post(f"/api/jobs/{failed.pk}/retry/")

    assert answer.status_code == 202
    again = wait_for_end(answer.json()["id"])
    assert (again.status, again.retry_of_id, again.params) == ("succeeded", failed.pk, failed.params)
    assert again.hold_id != failed.hold_id
    assert client.post(f"/api/jobs/{again.pk}/retry/").status_code == 409  # it succeeded


def test_a_step_whose_message_arrives_again_after_it_ended_does_nothing(worker, owner, entry):
    from afterresume.jobs.engine import step_run

    fund(owner, FUNDS)
    job = wait_for_end(start_enhance(token_client(owner), entry).json()["id"])
    before = (
        UsageEvent.objects.count(),
        LedgerEntry.objects.count(),
        JobEvent.objects.filter(job=job).count(),
    )

    for name in ("rewrite", "cost.capture", "finish"):
        step_run(job_id=job.pk, name=name)

    assert (
        UsageEvent.objects.count(),
        LedgerEntry.objects.count(),
        JobEvent.objects.filter(job=job).count(),
    ) == before
    assert JobStep.objects.get(job=job, name="rewrite").attempts == 1


def test_a_long_job_extends_its_hold_when_half_its_life_is_gone(owner, entry):
    from afterresume.jobs.engine import step_run

    fund(owner, FUNDS)
    job = Job.objects.get(pk=start_enhance(token_client(owner), entry).json()["id"])
    hold = Hold.objects.get(pk=job.hold_id)
    Hold.objects.filter(pk=hold.pk).update(expires_at=timezone.now() + timedelta(hours=1))

    step_run(job_id=job.pk, name="rewrite")  # what the worker would do, here in the test

    hold.refresh_from_db()
    assert hold.expires_at > timezone.now() + timedelta(hours=5, minutes=59)
    assert JobEvent.objects.filter(job=job, kind="hold_extended").count() == 1
    step_run(job_id=job.pk, name="skills")
    assert JobEvent.objects.filter(job=job, kind="hold_extended").count() == 1  # not again: life ahead


def test_operators_see_every_job_and_a_teammate_never_sees_anothers(owner, teammate, entry):
    fund(owner, FUNDS)
    job_id = start_enhance(token_client(owner), entry).json()["id"]

    for path in (f"/api/jobs/{job_id}/", f"/api/jobs/{job_id}/events/"):
        assert token_client(teammate).get(path).status_code == 404
    for path in ("cancel", "retry", "proposal/accept", "proposal/reject"):
        assert token_client(teammate).post(f"/api/jobs/{job_id}/{path}/").status_code == 404


def test_an_operator_settles_a_job_whose_messages_were_lost(owner, entry):
    """No worker ever runs this job (its messages are purged): the command fails it and settles
    its hold; a second run changes nothing."""
    from django.core.management import call_command

    account = fund(owner, FUNDS)
    job_id = start_enhance(token_client(owner), entry).json()["id"]
    celery_app.control.purge()
    out = io.StringIO()

    call_command("settle_job", str(job_id), stdout=out)
    call_command("settle_job", str(job_id), stdout=io.StringIO())

    job = Job.objects.get(pk=job_id)
    assert (job.status, job.actual_cost_micros, job.error) == (
        "failed",
        0,
        "Stopped by an operator: its work was lost.",
    )
    assert Hold.objects.get(pk=job.hold_id).status == "released"
    account.refresh_from_db()
    assert (account.balance_micros, account.held_micros) == (FUNDS, 0)
    assert f"job {job_id} (worklog.enhance) is failed; charged 0" in out.getvalue()
    assert JobStep.objects.get(job=job, name="finish").status == "succeeded"
