"""Jobs in the frontend: enhancing an entry from its page (the estimate first, then the start, a
refusal for funds in place), the job page (live while it runs, still when it has ended; cancel,
retry, accept and reject, and their refusals), the jobs list and the dashboard's recent jobs,
against a fake backend at the HTTP boundary (with and without HX-Request)."""

import json
import re

import pytest
from django.test import Client

from webapp.tests.conftest import EMPTY_STATS, HEALTHY
from webapp.tests.test_worklogs import worklog

HTMX = {"HX-Request": "true"}
HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def job_detail(**overrides) -> dict:
    return {
        "id": 7,
        "kind": "worklog.enhance",
        "status": "running",
        "params": {"worklog_id": 41},
        "result": {},
        "estimate_micros": 1_234,
        "estimate_dollars": "0.001234",
        "actual_cost_micros": None,
        "actual_cost_dollars": None,
        "error": "",
        "retry_of": None,
        "created_at": "2026-11-25T10:00:00+00:00",
        "started_at": "2026-11-25T10:00:01+00:00",
        "finished_at": None,
        "usage": {
            "events": 1,
            "tokens_in": 120,
            "tokens_out": 30,
            "cost_micros": 105,
            "cost_dollars": "0.000105",
        },
        "steps": [
            {
                "name": "rewrite",
                "status": "succeeded",
                "attempts": 1,
                "error": "",
                "started_at": "2026-11-25T10:00:01+00:00",
                "finished_at": "2026-11-25T10:00:02+00:00",
            },
            {
                "name": "skills",
                "status": "running",
                "attempts": 2,
                "error": "",
                "started_at": "2026-11-25T10:00:01+00:00",
                "finished_at": None,
            },
        ],
        **overrides,
    }


def job_listed(**overrides) -> dict:
    job = job_detail(**overrides)
    del job["steps"], job["usage"]
    return job


def proposal(**overrides) -> dict:
    return {
        "worklog_id": 41,
        "original": "Shipped the invoice export",
        "content": "Cut month-end close by 2 days by shipping the invoice export",
        "skills": ["Python", "PostgreSQL"],
        "decision": None,
        "decided_at": None,
        **overrides,
    }


def succeeded(**result_overrides) -> dict:
    return job_detail(
        status="succeeded",
        finished_at="2026-11-25T10:00:05+00:00",
        actual_cost_micros=987,
        actual_cost_dollars="0.000987",
        result=proposal(**result_overrides),
    )


EVENTS = {
    "count": 2,
    "next": None,
    "previous": None,
    "results": [
        {"created_at": "2026-11-25T10:00:00+00:00", "data": {}, "kind": "queued", "message": "Queued."},
        {
            "created_at": "2026-11-25T10:00:01+00:00",
            "data": {"step": "rewrite"},
            "kind": "step_started",
            "message": "rewrite",
        },
    ],
}
ESTIMATE = {
    "kind": "worklog.enhance",
    "params": {"worklog_id": 41},
    "estimate_micros": 1_234,
    "estimate_dollars": "0.001234",
    "available_micros": 12_500_000,
    "policy": "block",
    "would_be_refused": False,
}
FUNDS = {
    "message": "The reserve cannot cover this: top up at least 0.64 USD.",
    # The real answer's `extra` has needed_micros, needed_dollars, available_micros and job_id, but the
    # schema documents only `fields` there: the contract check refuses them.
    "extra": {},
    "request_id": "r-402",
}


def error(message: str) -> dict:
    return {"message": message, "extra": {}, "request_id": "r-1"}


def page_of(
    results: list, *, next_url: str | None = None, previous_url: str | None = None, count: int | None = None
) -> dict:
    return {
        "count": len(results) if count is None else count,
        "next": next_url,
        "previous": previous_url,
        "results": results,
    }


def json_sent(backend, method: str, path: str) -> list:
    return [
        json.loads(request.get_data()) if request.get_data() else None
        for request, _ in backend.log
        if request.method == method and request.path == path
    ]


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


@pytest.fixture
def job_7(backend):
    """Job 7's timeline (the job itself is given by each test)."""
    backend.expect_request("/api/jobs/7/events/", method="GET").respond_with_json(EVENTS)
    return backend


@pytest.fixture
def strict_client(db):
    """A signed-in browser whose posts must carry the CSRF token, as a real one does."""
    client = Client(enforce_csrf_checks=True)
    session = client.session
    session["backend_session_token"] = "session-token-of-ada"
    session["user"] = {
        "email": "ada@example.com",
        "display_name": "Ada",
        "is_staff": False,
        "tenant": "Ada's workspace",
        "role": "owner",
    }
    session.save()
    return client


def csrf_token_of(page: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)


# --- the entry page: Enhance ------------------------------------------------------------------------


def test_enhance_shows_the_estimate_with_start_and_cancel_before_anything_runs(backend, signed_in):
    backend.expect_request("/api/jobs/estimate/", method="POST").respond_with_json(ESTIMATE)

    response = signed_in.get("/entries/41/enhance/", headers=HTMX)

    fragment = response.content.decode()
    assert response.status_code == 200
    assert "This will hold at most $0.001234 from your reserve (available $12.50)." in text_of(fragment)
    assert 'id="enhance-start"' in fragment
    assert 'hx-post="/entries/41/enhance/"' in fragment
    assert 'id="enhance-cancel"' in fragment
    assert 'id="enhance-topup"' not in fragment
    assert json_sent(backend, "POST", "/api/jobs/estimate/") == [
        {"kind": "worklog.enhance", "params": {"worklog_id": 41}}
    ]
    assert json_sent(backend, "POST", "/api/jobs/") == []


def test_an_estimate_the_reserve_cannot_cover_says_so_and_offers_a_top_up_instead_of_start(
    backend, signed_in
):
    backend.expect_request("/api/jobs/estimate/", method="POST").respond_with_json(
        {**ESTIMATE, "available_micros": 500, "would_be_refused": True}
    )

    fragment = signed_in.get("/entries/41/enhance/", headers=HTMX).content.decode()

    assert "Your reserve cannot cover this estimate: top it up first." in fragment
    assert '<a class="btn btn-primary btn-sm" href="/billing/" id="enhance-topup">Top up</a>' in fragment
    assert 'id="enhance-start"' not in fragment


def test_the_entry_page_shows_the_estimate_inline_without_javascript(backend, signed_in):
    backend.expect_request("/api/worklogs/41/").respond_with_json(
        {**worklog(), "evidence": [], "history": []}
    )
    backend.expect_request("/api/jobs/estimate/", method="POST").respond_with_json(ESTIMATE)

    page = signed_in.get("/entries/41/?enhance=1").content.decode()

    assert 'href="?enhance=1#enhance" id="enhance-entry"' in page
    assert "This will hold at most $0.001234 from your reserve (available $12.50)." in text_of(page)
    assert '<form method="post" action="/entries/41/enhance/"' in page


def test_cancelling_the_estimate_closes_it_and_starts_nothing(backend, signed_in):
    fragment = signed_in.get("/entries/41/enhance/?close=1", headers=HTMX).content.decode()

    assert fragment.strip().startswith('<div id="enhance"')
    assert "This will hold" not in fragment
    assert len(backend.log) == 0


def test_starting_an_enhancement_goes_to_the_new_jobs_page(backend, signed_in):
    backend.expect_request("/api/jobs/", method="POST").respond_with_json(
        job_detail(status="queued", started_at=None, steps=[]), status=202
    )

    response = signed_in.post("/entries/41/enhance/", headers=HTMX)

    assert response.status_code == 200
    assert response["HX-Redirect"] == "/jobs/7/"
    assert json_sent(backend, "POST", "/api/jobs/") == [
        {"kind": "worklog.enhance", "params": {"worklog_id": 41}}
    ]


def test_starting_without_javascript_redirects_to_the_jobs_page(backend, signed_in):
    backend.expect_request("/api/jobs/", method="POST").respond_with_json(
        job_detail(status="queued", started_at=None, steps=[]), status=202
    )

    response = signed_in.post("/entries/41/enhance/")

    assert response.status_code == 302
    assert response["Location"] == "/jobs/7/"


def test_a_start_the_reserve_cannot_cover_shows_the_amount_and_a_top_up_in_place(backend, signed_in):
    backend.expect_request("/api/jobs/", method="POST").respond_with_json(FUNDS, status=402)

    response = signed_in.post("/entries/41/enhance/", headers=HTMX)

    fragment = response.content.decode()
    assert response.status_code == 200  # swapped in place (htmx swaps no 4xx)
    assert "The reserve cannot cover this: top up at least 0.64 USD." in fragment
    assert '<a class="btn btn-primary btn-sm" href="/billing/" id="enhance-topup">Top up</a>' in fragment
    assert "HX-Redirect" not in response


def test_the_enhance_controls_need_the_csrf_token(backend, strict_client):
    backend.expect_request("/api/jobs/estimate/", method="POST").respond_with_json(ESTIMATE)
    backend.expect_request("/api/jobs/", method="POST").respond_with_json(
        job_detail(status="queued", started_at=None, steps=[]), status=202
    )
    fragment = strict_client.get("/entries/41/enhance/", headers=HTMX).content.decode()

    refused = strict_client.post("/entries/41/enhance/", headers=HTMX)
    started = strict_client.post(
        "/entries/41/enhance/", {"csrfmiddlewaretoken": csrf_token_of(fragment)}, headers=HTMX
    )

    assert refused.status_code == 403
    assert started["HX-Redirect"] == "/jobs/7/"
    assert len(json_sent(backend, "POST", "/api/jobs/")) == 1


def test_the_entry_page_lists_earlier_texts_newest_first_with_reason_and_time(backend, signed_in):
    history = [
        {
            "content": "Shipped the export v2",
            "reason": "enhancement accepted (job 7)",
            "replaced_at": "2026-11-25T12:00:00+00:00",
        },
        {"content": f"First draft {HOSTILE}", "reason": "edit", "replaced_at": "2026-11-25T11:00:00+00:00"},
    ]
    backend.expect_request("/api/worklogs/41/").respond_with_json(
        {**worklog(), "evidence": [], "history": history}
    )

    page = signed_in.get("/entries/41/").content.decode()

    listed = re.search(
        r'<ol class="list-unstyled mb-0 entry-history" id="entry-history">(.*?)</ol>', page, re.S
    )
    items = [text_of(item) for item in re.findall(r"<li.*?</li>", listed.group(1), re.S)]
    assert items == [
        "2026-11-25 12:00 · replaced by enhancement accepted (job 7) Shipped the export v2",
        "2026-11-25 11:00 · replaced by edit First draft &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;img"
        " src=x onerror=alert(1)&gt;",
    ]
    assert HOSTILE not in page
    assert 'id="entry-history-older"' not in page


def test_a_long_history_shows_the_three_newest_and_folds_the_older_ones(backend, signed_in):
    history = [
        {
            "content": f"Text {number}",
            "reason": "edit",
            "replaced_at": f"2026-11-25T1{9 - number}:00:00+00:00",
        }
        for number in range(5)
    ]
    backend.expect_request("/api/worklogs/41/").respond_with_json(
        {**worklog(), "evidence": [], "history": history}
    )

    page = signed_in.get("/entries/41/").content.decode()

    shown, folded = page.split('id="entry-history-older"')
    assert re.findall(r"Text \d", shown) == ["Text 0", "Text 1", "Text 2"]
    assert "<summary>2 older texts</summary>" in folded
    assert re.findall(r"Text \d", folded) == ["Text 3", "Text 4"]


def test_an_entry_without_history_shows_no_history_section(backend, signed_in):
    backend.expect_request("/api/worklogs/41/").respond_with_json(
        {**worklog(), "evidence": [], "history": []}
    )

    page = signed_in.get("/entries/41/").content.decode()

    assert 'id="history-title"' not in page


# --- the job page ---------------------------------------------------------------------------------


def test_a_running_jobs_page_shows_its_facts_steps_and_timeline_and_polls_itself(job_7, signed_in):
    job_7.expect_request("/api/jobs/7/", method="GET").respond_with_json(job_detail())

    page = signed_in.get("/jobs/7/").content.decode()

    assert 'hx-trigger="every 1s"' in page
    assert 'data-status="running"' in page
    assert "Estimate (held) $0.001234" in text_of(page)
    assert "Actual cost when it ends" in text_of(page)
    assert "Tokens used 120 in / 30 out (1 call)" in text_of(page)
    steps = re.findall(r"<tr><td.*?</tr>", page, re.S)
    assert [text_of(step) for step in steps] == ["rewrite Succeeded 1", "skills Running 2"]
    assert re.findall(r'data-event="([a-z_]+)"', page) == ["queued", "step_started"]
    assert "Step started: rewrite" in text_of(page)
    assert 'id="job-cancel"' in page
    assert 'id="job-retry"' not in page


def test_the_poll_gets_the_live_part_alone_and_it_keeps_polling_while_running(job_7, signed_in):
    job_7.expect_request("/api/jobs/7/", method="GET").respond_with_json(job_detail())

    response = signed_in.get("/jobs/7/", headers={**HTMX, "HX-Target": "job-live"})

    fragment = response.content.decode()
    assert fragment.strip().startswith('<div id="job-live" hx-get="/jobs/7/" hx-trigger="every 1s"')
    assert "HX-Trigger" not in response
    assert "<html" not in fragment


def test_the_poll_of_an_ended_job_answers_without_the_trigger_so_polling_stops(job_7, signed_in):
    job_7.expect_request("/api/jobs/7/", method="GET").respond_with_json(
        job_detail(
            status="failed",
            error="The provider refused the request (401).",
            finished_at="2026-11-25T10:00:09+00:00",
        )
    )

    response = signed_in.get("/jobs/7/", headers={**HTMX, "HX-Target": "job-live"})

    fragment = response.content.decode()
    assert fragment.strip().startswith('<div id="job-live">')
    assert "hx-trigger" not in fragment
    assert json.loads(response["HX-Trigger"]) == {"reserve-changed": {}}
    assert "Why it failed: The provider refused the request (401)." in text_of(fragment)
    assert 'id="job-retry"' in fragment
    assert 'id="job-cancel"' not in fragment


def test_someone_elses_job_is_the_sites_404_page(backend, signed_in):
    backend.expect_request("/api/jobs/99/", method="GET").respond_with_json(error("Not found."), status=404)

    response = signed_in.get("/jobs/99/")

    assert response.status_code == 404
    assert "Not found" in response.content.decode()


def test_cancel_posts_with_csrf_and_shows_the_canceled_job_without_polling(job_7, strict_client):
    job_7.expect_oneshot_request("/api/jobs/7/", method="GET").respond_with_json(job_detail())
    job_7.expect_request("/api/jobs/7/cancel/", method="POST").respond_with_json(
        job_detail(
            status="canceled",
            finished_at="2026-11-25T10:00:03+00:00",
            actual_cost_micros=400,
            actual_cost_dollars="0.0004",
        )
    )
    page = strict_client.get("/jobs/7/").content.decode()

    refused = strict_client.post("/jobs/7/cancel/", headers=HTMX)
    response = strict_client.post(
        "/jobs/7/cancel/", {"csrfmiddlewaretoken": csrf_token_of(page)}, headers=HTMX
    )

    fragment = response.content.decode()
    assert refused.status_code == 403
    assert response.status_code == 200
    assert json.loads(response["HX-Trigger"])["toast"] == {
        "text": "Job canceled: only what it used is charged."
    }
    assert 'data-status="canceled"' in fragment
    assert "hx-trigger" not in fragment
    assert "Actual cost $0.0004" in text_of(fragment)
    assert len(json_sent(job_7, "POST", "/api/jobs/7/cancel/")) == 1


def test_cancelling_a_job_that_has_ended_says_why_and_shows_it_as_it_is(job_7, signed_in):
    job_7.expect_request("/api/jobs/7/cancel/", method="POST").respond_with_json(
        error("This job has ended (succeeded): there is nothing to cancel."), status=409
    )
    job_7.expect_request("/api/jobs/7/", method="GET").respond_with_json(succeeded())

    response = signed_in.post("/jobs/7/cancel/", headers=HTMX)

    fragment = response.content.decode()
    assert response.status_code == 200
    assert (
        '<div class="alert alert-danger" role="alert" id="job-conflict">'
        "This job has ended (succeeded): there is nothing to cancel.</div>" in fragment
    )
    assert 'data-status="succeeded"' in fragment


def test_cancelling_without_javascript_comes_back_to_the_job_page_with_the_message(job_7, signed_in):
    job_7.expect_request("/api/jobs/7/cancel/", method="POST").respond_with_json(
        error("This job has ended (succeeded): there is nothing to cancel."), status=409
    )
    job_7.expect_request("/api/jobs/7/", method="GET").respond_with_json(succeeded())

    response = signed_in.post("/jobs/7/cancel/", follow=True)

    assert response.redirect_chain == [("/jobs/7/", 302)]
    assert "This job has ended (succeeded): there is nothing to cancel." in response.content.decode()


def test_retry_starts_a_new_job_and_goes_to_its_page(job_7, signed_in):
    job_7.expect_request("/api/jobs/7/retry/", method="POST").respond_with_json(
        job_detail(id=8, status="queued", retry_of=7, started_at=None, steps=[]), status=202
    )

    response = signed_in.post("/jobs/7/retry/", headers=HTMX)

    assert response["HX-Redirect"] == "/jobs/8/"


def test_a_retry_the_reserve_cannot_cover_shows_the_amount_and_a_top_up(job_7, signed_in):
    job_7.expect_request("/api/jobs/7/retry/", method="POST").respond_with_json(FUNDS, status=402)
    job_7.expect_request("/api/jobs/7/", method="GET").respond_with_json(
        job_detail(status="refused", started_at=None, finished_at="2026-11-25T10:00:00+00:00", steps=[])
    )

    fragment = signed_in.post("/jobs/7/retry/", headers=HTMX).content.decode()

    assert "The reserve cannot cover this: top up at least 0.64 USD." in fragment
    assert '<a class="btn btn-primary btn-sm ms-auto" href="/billing/">Top up</a>' in fragment
    assert "No step ran: the reserve could not cover the estimate." in fragment


def test_retrying_a_job_that_cannot_be_retried_says_why(job_7, signed_in):
    job_7.expect_request("/api/jobs/7/retry/", method="POST").respond_with_json(
        error("Only a failed, canceled or refused job can be retried; this one is running."), status=409
    )
    job_7.expect_request("/api/jobs/7/", method="GET").respond_with_json(job_detail())

    fragment = signed_in.post("/jobs/7/retry/", headers=HTMX).content.decode()

    assert "Only a failed, canceled or refused job can be retried; this one is running." in fragment


def test_a_succeeded_enhancement_shows_the_proposal_beside_the_original_with_skills_to_add(job_7, signed_in):
    job_7.expect_request("/api/jobs/7/", method="GET").respond_with_json(succeeded())

    page = signed_in.get("/jobs/7/").content.decode()

    assert 'hx-trigger="every 1s"' not in page
    assert re.search(r'<div class="col-12 col-md-6">\s*<h3[^>]*>Original</h3>', page)
    assert re.search(r'<div class="col-12 col-md-6">\s*<h3[^>]*>Proposed</h3>', page)
    assert (
        text_of(re.search(r'id="proposal-original">(.*?)</div>', page, re.S).group(1))
        == "Shipped the invoice export"
    )
    assert (
        text_of(re.search(r'id="proposal-content">(.*?)</div>', page, re.S).group(1))
        == "Cut month-end close by 2 days by shipping the invoice export"
    )
    assert (
        text_of(re.search(r'id="proposal-skills"[^>]*>(.*?)</p>', page, re.S).group(1)) == "Python PostgreSQL"
    )
    assert 'id="proposal-accept"' in page
    assert 'id="proposal-reject"' in page
    assert "Actual cost $0.000987" in text_of(page)


def test_hostile_text_in_a_proposal_is_shown_as_text(job_7, signed_in):
    job_7.expect_request("/api/jobs/7/", method="GET").respond_with_json(
        succeeded(original=HOSTILE, content=HOSTILE, skills=[HOSTILE])
    )

    page = signed_in.get("/jobs/7/").content.decode()

    assert HOSTILE not in page
    assert "<img src=x" not in page
    assert (
        page.count("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;") == 3
    )


def test_accepting_posts_with_csrf_and_says_the_entry_has_the_text_and_keeps_the_old(job_7, strict_client):
    job_7.expect_oneshot_request("/api/jobs/7/", method="GET").respond_with_json(succeeded())
    job_7.expect_request("/api/jobs/7/proposal/accept/", method="POST").respond_with_json(
        succeeded(decision="accepted", decided_at="2026-11-25T10:01:00+00:00")
    )
    page = strict_client.get("/jobs/7/").content.decode()

    refused = strict_client.post("/jobs/7/proposal/accept/", headers=HTMX)
    response = strict_client.post(
        "/jobs/7/proposal/accept/", {"csrfmiddlewaretoken": csrf_token_of(page)}, headers=HTMX
    )

    fragment = response.content.decode()
    assert refused.status_code == 403
    decision = re.search(r'id="proposal-decision">(.*?)</div>', fragment, re.S).group(1)
    assert text_of(decision) == (
        "Accepted on 2026-11-25 10:01 — the entry now has this text; the old text is kept in its "
        "history. Open the entry"
    )
    assert '<a href="/entries/41/">Open the entry</a>' in decision
    assert 'id="proposal-accept"' not in fragment
    assert len(json_sent(job_7, "POST", "/api/jobs/7/proposal/accept/")) == 1


def test_rejecting_says_the_entry_was_left_as_it_was(job_7, signed_in):
    job_7.expect_request("/api/jobs/7/proposal/reject/", method="POST").respond_with_json(
        succeeded(decision="rejected", decided_at="2026-11-25T10:01:00+00:00")
    )

    response = signed_in.post("/jobs/7/proposal/reject/", headers=HTMX)

    fragment = response.content.decode()
    assert "Rejected on 2026-11-25 10:01 — the entry was left as it was." in text_of(fragment)
    assert json.loads(response["HX-Trigger"])["toast"] == {"text": "Rejected: the entry is unchanged."}


@pytest.mark.parametrize("decision", ["accept", "reject"])
def test_deciding_a_proposal_already_decided_or_outdated_shows_the_backends_message(
    job_7, signed_in, decision
):
    message = "The entry was edited after this proposal was made: it is not applied."
    job_7.expect_request(f"/api/jobs/7/proposal/{decision}/", method="POST").respond_with_json(
        error(message), status=409
    )
    job_7.expect_request("/api/jobs/7/", method="GET").respond_with_json(succeeded())

    fragment = signed_in.post(f"/jobs/7/proposal/{decision}/", headers=HTMX).content.decode()

    assert f'<div class="alert alert-danger" role="alert" id="job-conflict">{message}</div>' in fragment


# --- the jobs list ----------------------------------------------------------------------------------


def test_the_jobs_page_lists_my_jobs_with_kind_status_and_costs(backend, signed_in):
    backend.expect_request("/api/jobs/", method="GET").respond_with_json(
        page_of(
            [
                job_listed(id=8, status="running"),
                job_listed(status="succeeded", actual_cost_micros=987, actual_cost_dollars="0.000987"),
            ]
        )
    )

    page = signed_in.get("/jobs/").content.decode()

    rows = [text_of(row) for row in re.findall(r'<tr id="job-row-\d+">.*?</tr>', page, re.S)]
    assert rows == [
        "Enhance an entry #8 Running 2026-11-25 10:00 $0.001234 —",
        "Enhance an entry #7 Succeeded 2026-11-25 10:00 $0.001234 $0.000987",
    ]
    assert '<a href="/jobs/8/">Enhance an entry</a>' in page
    assert 'aria-current="page" href="/jobs/"><i class="bi bi-cpu" aria-hidden="true"></i> Jobs</a>' in page


def test_the_jobs_page_passes_its_filters_to_the_backend_and_keeps_them_in_the_page_links(backend, signed_in):
    backend.expect_request("/api/jobs/", method="GET").respond_with_json(
        page_of(
            [job_listed(status="failed")],
            next_url="http://backend/api/jobs/?page=3",
            previous_url="http://backend/api/jobs/",
            count=60,
        )
    )

    page = signed_in.get("/jobs/?status=failed&kind=worklog.enhance&page=2").content.decode()

    sent = [dict(request.args.items()) for request, _ in backend.log]
    assert sent == [{"status": "failed", "kind": "worklog.enhance", "page": "2", "page_size": "25"}]
    assert '<option value="failed" selected>Failed</option>' in page
    assert '<option value="worklog.enhance" selected>Enhance an entry</option>' in page
    assert 'href="?status=failed&amp;kind=worklog.enhance&amp;page=3" rel="next"' in page
    assert 'href="?status=failed&amp;kind=worklog.enhance&amp;page=1" rel="prev"' in page


def test_an_unknown_filter_value_is_ignored_not_sent(backend, signed_in):
    backend.expect_request("/api/jobs/", method="GET").respond_with_json(page_of([]))

    signed_in.get("/jobs/?status=exploded&kind=<b>")

    assert [dict(request.args.items()) for request, _ in backend.log] == [{"page": "1", "page_size": "25"}]


def test_the_jobs_page_explains_what_jobs_are_when_there_are_none(backend, signed_in):
    backend.expect_request("/api/jobs/", method="GET").respond_with_json(page_of([]))

    page = signed_in.get("/jobs/").content.decode()

    assert "No jobs yet. A job is AI work you ask for" in page
    assert 'id="jobs-table"' not in page


def test_a_filter_that_matches_nothing_says_so_with_a_way_back(backend, signed_in):
    backend.expect_request("/api/jobs/", method="GET").respond_with_json(page_of([]))

    page = signed_in.get("/jobs/?status=refused").content.decode()

    assert 'No job matches this filter. <a href="/jobs/">Show all jobs</a>' in page


# --- the dashboard and the status bar ---------------------------------------------------------------


def dashboard_backend(backend, jobs: list):
    backend.expect_request("/api/healthz/").respond_with_json(HEALTHY)
    backend.expect_request("/api/worklogs/stats/").respond_with_json(EMPTY_STATS)
    backend.expect_request("/api/worklogs/", method="GET").respond_with_json(
        {"next": None, "previous": None, "results": []}
    )
    backend.expect_request("/api/jobs/", method="GET").respond_with_json(page_of(jobs))


def test_the_dashboard_shows_my_five_latest_jobs_with_links_and_status(backend, signed_in):
    dashboard_backend(backend, [job_listed(id=9 - number, status="succeeded") for number in range(5)])

    page = signed_in.get("/").content.decode()

    listed = re.search(r'<ul class="list-unstyled mb-0" id="recent-jobs">(.*?)</ul>', page, re.S).group(1)
    assert re.findall(r'href="(/jobs/\d+/)"', listed) == [
        "/jobs/9/",
        "/jobs/8/",
        "/jobs/7/",
        "/jobs/6/",
        "/jobs/5/",
    ]
    assert listed.count('data-status="succeeded"') == 5
    assert [dict(request.args.items()) for request, _ in backend.log if request.path == "/api/jobs/"] == [
        {"page": "1", "page_size": "5"}
    ]


def test_the_dashboard_explains_jobs_when_there_are_none(backend, signed_in):
    dashboard_backend(backend, [])

    page = signed_in.get("/").content.decode()

    assert 'id="recent-jobs-empty"' in page
    assert "No jobs yet." in page


def test_the_status_bar_shows_the_running_jobs_figure(backend, signed_in):
    backend.expect_request("/api/status/bar/").respond_with_json(
        {
            "reserve_balance_micros": 12_500_000,
            "reserve_balance_cents": 1250,
            "reserve_balance_dollars": "12.50",
            "is_low_balance": False,
            "jobs_running": 3,
            "tokens_in": 1_234,
            "tokens_out": 56,
            "updated_at": "2026-11-25T10:00:00+00:00",
        }
    )

    fragment = signed_in.get("/status-bar/").content.decode()

    assert (
        '<a class="status-item text-decoration-none text-body" href="/jobs/?status=running" title="Running jobs"'
        ' id="status-jobs"><i class="bi bi-gear" aria-hidden="true"></i> <span class="visually-hidden">Running'
        " jobs:</span> 3</a>" in fragment
    )
    assert "1.2K / 56" in fragment


def test_the_status_bar_balance_gives_the_exact_amount_on_hover(backend, signed_in):
    backend.expect_request("/api/status/bar/").respond_with_json(
        {
            "reserve_balance_micros": 24_999_885,
            "reserve_balance_cents": 2499,
            "reserve_balance_dollars": "24.99",
            "is_low_balance": False,
            "jobs_running": 0,
            "tokens_in": 0,
            "tokens_out": 0,
            "updated_at": "2026-11-25T10:00:00+00:00",
        }
    )

    fragment = signed_in.get("/status-bar/").content.decode()

    assert 'title="Reserve balance: $24.999885" id="status-balance"' in fragment
    assert "</span> $24.99</a>" in fragment
