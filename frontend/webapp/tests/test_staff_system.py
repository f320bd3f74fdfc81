"""Admin → System (/admin/system/): a card per part of the backend's system status, a part that
could not be read saying so while the others still show, refreshed by HTMX; against a fake
backend at the HTTP boundary. To anyone but an operator the page does not exist (404), and the
backend is not even asked."""

import re

import pytest

SYSTEM = "/api/system/metrics/system/"
HTMX_REFRESH = {"HX-Request": "true", "HX-Target": "system-parts"}

STATUS = {
    "checked_at": "2026-12-01T10:15:42+00:00",
    "database": {
        "available": True,
        "vendor": "postgresql",
        "size_bytes": 52_428_800,
        "connections": 7,
        "slowest_queries": [{"query": "SELECT <b>1</b> FROM jobs_job", "calls": 12, "mean_ms": 84.25}],
        "slowest_queries_note": "",
    },
    "redis": {
        "available": True,
        "version": "7.2.4",
        "used_memory_bytes": 1_572_864,
        "connected_clients": 11,
        "uptime_seconds": 273_600,
    },
    "workers": {
        "available": True,
        "alive": 2,
        "workers": [
            {"name": "celery@box-7", "queues": ["default", "llm"], "active": 3},
            {"name": "celery@box-8", "queues": ["default"], "active": 0},
        ],
        "last_ping": {"finished_at": "2026-12-01T10:15:00+00:00", "worker": "celery@box-7"},
    },
    "queues": {
        "available": True,
        "broker": "redis",
        "queues": [
            {"name": "default", "depth": 4, "oldest_waiting_seconds": None, "next_task": "reports.generate"},
            {"name": "llm", "depth": 0, "oldest_waiting_seconds": None, "next_task": None},
        ],
    },
    "storage": {
        "available": True,
        "backend": "FileSystemStorage",
        "media_root": "/srv/afterresume/media",
        "free_bytes": 10_737_418_240,
        "stored_bytes": 2_048,
    },
    "beat": {
        "available": True,
        "tasks": [
            {
                "name": "metrics-hourly",
                "task": "metrics.compute",
                "last_run_at": "2026-12-01T10:07:02+00:00",
                "last_status": "SUCCESS",
            },
            {
                "name": "ledger-reconcile",
                "task": "billing.reconcile",
                "last_run_at": None,
                "last_status": None,
            },
        ],
    },
    "failed_jobs": {
        "available": True,
        "jobs": [
            {
                "id": 311,
                "tenant_id": 7,
                "kind": "report.generate",
                "error": "The model answered nothing.",
                "finished_at": "2026-12-01T09:58:00+00:00",
            }
        ],
    },
    "metrics_runs": {
        "available": True,
        "runs": [
            {
                "id": 9,
                "day": "2026-12-01",
                "is_final": False,
                "trigger": "hourly",
                "status": "failed",
                "tenants_total": 3,
                "failed_tenants": [{"tenant_id": 7, "error": "The workspace has no reserve account."}],
                "error": "The figures of 1 of 3 workspaces could not be computed.",
                "started_at": "2026-12-01T10:07:00+00:00",
                "finished_at": "2026-12-01T10:07:02+00:00",
            }
        ],
    },
    "reconciliation": {"available": True, "clean": True, "mismatches": 0},
}


def status_with(**parts) -> dict:
    return {**STATUS, **parts}


def card(page: str, part_id: str) -> str:
    """The text of one part's card, tags removed and spaces squeezed."""
    found = re.search(rf'<section class="card[^"]*" id="{part_id}".*?</section>', page, re.S)
    assert found, f"no card {part_id}"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found.group(0))).strip()


def asked(backend) -> int:
    return len([request for request, _ in backend.log if request.path == SYSTEM])


@pytest.fixture
def system_backend(backend):
    backend.expect_request(SYSTEM, method="GET").respond_with_json(STATUS)
    return backend


def test_a_member_gets_a_404_and_the_backend_is_not_asked(backend, signed_in):
    response = signed_in.get("/admin/system/")

    assert response.status_code == 404
    assert not [request for request, _ in backend.log if request.path.startswith("/api/system/")]


def test_an_operator_sees_each_parts_figures_in_its_card(system_backend, signed_in_operator):
    response = signed_in_operator.get("/admin/system/")

    assert response.status_code == 200
    page = response.content.decode()
    assert asked(system_backend) == 1
    assert (
        '<time datetime="2026-12-01T10:15:42+00:00" id="system-checked-at">2026-12-01 10:15:42</time>' in page
    )
    assert "Every part answered" in page
    database = card(page, "system-database")
    assert "Vendor postgresql" in database
    assert "Size 50.0 MB" in database
    assert "Connections 7" in database
    assert "SELECT &lt;b&gt;1&lt;/b&gt; FROM jobs_job 12 84.3" in database
    redis = card(page, "system-redis")
    assert "Version 7.2.4" in redis and "Memory 1.5 MB" in redis and "Clients 11" in redis
    assert "Uptime 3 days, 4 hours" in redis
    workers = card(page, "system-workers")
    assert "2 workers answered a ping." in workers
    assert "celery@box-7 · 3 active tasks Queues: default, llm" in workers
    assert "celery@box-8 · 0 active tasks Queues: default" in workers
    assert "Last ping run: 2026-12-01 10:15:00 UTC by celery@box-7" in workers
    assert "No worker answered" not in page
    queues = card(page, "system-queues")
    assert "Broker: redis" in queues
    assert "default 4 — reports.generate" in queues
    assert "llm 0 — —" in queues
    storage = card(page, "system-storage")
    assert "Folder /srv/afterresume/media" in storage and "Free 10.0 GB" in storage
    assert "Stored files 2.0 KB" in storage
    beat = card(page, "system-beat")
    assert "metrics-hourly metrics.compute 2026-12-01 10:07:02 SUCCESS" in beat
    assert "ledger-reconcile billing.reconcile never —" in beat
    failed = card(page, "system-failed-jobs")
    assert "#311 7 report.generate 2026-12-01 09:58:00 The model answered nothing." in failed
    assert 'href="/admin/jobs/?status=failed&amp;tenant_id=7">#311</a>' in page
    assert 'href="/admin/jobs/?status=failed">All failed jobs</a>' in page
    runs = card(page, "system-metrics-runs")
    assert "2026-12-01 · hourly · failed" in runs
    assert "The figures of 1 of 3 workspaces could not be computed." in runs
    assert 'href="/admin/metrics/">Metrics</a>' in page
    assert card(page, "system-reconciliation") == "Reconciliation Clean: every reserve account's books agree."
    assert 'id="system-reconciliation-clean"' in page
    # every table scrolls inside its card on a narrow screen
    assert page.count("<table") == page.count('<div class="table-responsive"><table') == 4


def test_a_part_that_could_not_be_read_says_unavailable_and_the_others_still_show(
    backend, signed_in_operator
):
    backend.expect_request(SYSTEM, method="GET").respond_with_json(
        status_with(
            redis={"available": False, "error": "ConnectionError: Error 111 connecting to redis:6379."},
            storage={"available": False, "error": "ClientError: <Forbidden>"},
        )
    )

    response = signed_in_operator.get("/admin/system/")

    assert response.status_code == 200
    page = response.content.decode()
    assert card(page, "system-redis") == (
        "Redis unavailable Unavailable: ConnectionError: Error 111 connecting to redis:6379."
    )
    assert card(page, "system-storage") == "Storage unavailable Unavailable: ClientError: &lt;Forbidden&gt;"
    assert page.count('data-available="false"') == 2
    assert "2 parts unavailable" in page
    assert "Vendor postgresql" in card(page, "system-database")
    assert "2 workers answered a ping." in card(page, "system-workers")


def test_when_no_worker_answers_the_page_warns(backend, signed_in_operator):
    backend.expect_request(SYSTEM, method="GET").respond_with_json(
        status_with(workers={"available": True, "alive": 0, "workers": [], "last_ping": None})
    )

    page = signed_in_operator.get("/admin/system/").content.decode()

    workers = card(page, "system-workers")
    assert "No worker answered a ping" in workers
    assert "Last ping run: none recorded" in workers
    assert '<div class="alert alert-warning py-2 mb-2" role="alert" id="system-no-worker">' in page


def test_an_unclean_reconciliation_shows_the_mismatches_and_links_to_billing(backend, signed_in_operator):
    backend.expect_request(SYSTEM, method="GET").respond_with_json(
        status_with(reconciliation={"available": True, "clean": False, "mismatches": 3})
    )

    page = signed_in_operator.get("/admin/system/").content.decode()

    reconciliation = card(page, "system-reconciliation")
    assert "3 reserve accounts whose books disagree. Review in Billing" in reconciliation
    assert '<p class="mb-2 text-danger" id="system-reconciliation-mismatches">' in page
    assert '<a class="btn btn-sm btn-outline-danger" href="/admin/billing/">Review in Billing</a>' in page
    assert 'id="system-reconciliation-clean"' not in page


def test_the_database_without_query_statistics_shows_the_note(backend, signed_in_operator):
    backend.expect_request(SYSTEM, method="GET").respond_with_json(
        status_with(
            database={
                "available": True,
                "vendor": "sqlite",
                "size_bytes": None,
                "connections": None,
                "slowest_queries": None,
                "slowest_queries_note": "Query statistics are not collected on sqlite.",
            }
        )
    )

    page = signed_in_operator.get("/admin/system/").content.decode()

    assert card(page, "system-database") == (
        "Database Vendor sqlite Size — Connections — Slowest queries (mean) "
        "Query statistics are not collected on sqlite."
    )


def test_the_htmx_refresh_gets_only_the_parts_which_keep_refreshing(system_backend, signed_in_operator):
    response = signed_in_operator.get("/admin/system/", headers=HTMX_REFRESH)

    assert response.status_code == 200
    page = response.content.decode()
    assert page.lstrip().startswith(
        '<div id="system-parts" hx-get="/admin/system/" hx-trigger="every 30s" hx-swap="outerHTML settle:0ms">'
    )
    assert "<html" not in page and 'id="admin-nav-heading"' not in page
    assert "Version 7.2.4" in card(page, "system-redis")
    assert "HX-Request" in response["Vary"]


def test_the_full_page_wraps_the_parts_in_the_refreshing_element(system_backend, signed_in_operator):
    page = signed_in_operator.get("/admin/system/").content.decode()

    assert page.count('<div id="system-parts" hx-get="/admin/system/" hx-trigger="every 30s"') == 1
    assert '<a class="nav-link active" aria-current="page" href="/admin/system/">' in page


def test_when_the_backend_is_down_the_page_says_so_and_keeps_refreshing(backend_down, signed_in_operator):
    response = signed_in_operator.get("/admin/system/")

    assert response.status_code == 503
    page = response.content.decode()
    assert "The system's status cannot be read right now." in page
    assert 'id="backend-banner"' in page
    assert '<div id="system-parts" hx-get="/admin/system/" hx-trigger="every 30s"' in page


def test_an_htmx_refresh_while_the_backend_is_down_swaps_in_the_warning(backend_down, signed_in_operator):
    response = signed_in_operator.get("/admin/system/", headers=HTMX_REFRESH)

    # 200: htmx swaps only successful answers, and the warning replaces figures that are stale
    assert response.status_code == 200
    page = response.content.decode()
    assert page.lstrip().startswith('<div id="system-parts"')
    assert 'id="system-unavailable"' in page and "cannot be reached right now" in page


def test_a_backend_error_shows_the_warning_with_502(backend, signed_in_operator):
    backend.expect_request(SYSTEM, method="GET").respond_with_json(
        {"message": "Something went wrong.", "extra": {}, "request_id": "r-1"}, status=500
    )

    response = signed_in_operator.get("/admin/system/")

    assert response.status_code == 502
    assert 'id="system-unavailable"' in response.content.decode()
