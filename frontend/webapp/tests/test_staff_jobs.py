"""The operators' jobs page (/admin/jobs/): every workspace's jobs, filtered in the URL, against a
fake backend at the HTTP boundary. Members never reach it; the backend is not even asked."""

import re

from webapp.tests.test_staff import TENANTS, page_of

HTMX = {"HX-Request": "true"}


def admin_job(**overrides) -> dict:
    return {
        "id": 41,
        "kind": "worklog.enhance",
        "status": "succeeded",
        "params": {"worklog_id": 12},
        "estimate_micros": 1_500,
        "estimate_dollars": "0.00",
        "actual_cost_micros": 123,
        "actual_cost_dollars": "0.00",
        "error": "",
        "result": {},
        "retry_of": None,
        "created_at": "2026-11-25T10:00:00+00:00",
        "started_at": "2026-11-25T10:00:01+00:00",
        "finished_at": "2026-11-25T10:00:09+00:00",
        "tenant_id": 3,
        "tenant_name": "Ada's workspace",
        "author_email": "ada@example.com",
        **overrides,
    }


def given_tenants(backend):
    backend.expect_request("/api/admin/tenants/", method="GET").respond_with_json(TENANTS)


def test_an_operator_sees_every_workspaces_jobs_with_cost_and_who_asked(backend, signed_in_operator):
    # given
    given_tenants(backend)
    backend.expect_request("/api/admin/jobs/", query_string={"page": "1"}).respond_with_json(
        page_of(
            [
                admin_job(id=41),
                admin_job(
                    id=40,
                    status="failed",
                    error="Unknown model: gpt-9",
                    actual_cost_micros=0,
                    actual_cost_dollars="0.00",
                    tenant_id=4,
                    tenant_name="Design team",
                    author_email="grace@example.com",
                ),
                admin_job(
                    id=39,
                    status="queued",
                    actual_cost_micros=None,
                    actual_cost_dollars=None,
                    started_at=None,
                    finished_at=None,
                ),
            ]
        )
    )

    # when
    response = signed_in_operator.get("/admin/jobs/")

    # then
    assert response.status_code == 200
    page = response.content.decode()
    assert re.findall(r'<tr id="job-(\d+)" data-status="(\w+)">', page) == [
        ("41", "succeeded"),
        ("40", "failed"),
        ("39", "queued"),
    ]
    assert "$0.000123" in page
    assert "$0.0015" in page
    assert "Design team" in page and "grace@example.com" in page
    assert re.findall(
        r'<div class="small text-danger text-break job-error" id="job-40-error">([^<]*)</div>', page
    ) == ["Unknown model: gpt-9"]
    assert "3 jobs" in page
    assert backend.log[-1][0].headers["X-Session-Token"] == "session-token-of-olga"


def test_the_job_filters_go_to_the_backend_are_kept_in_the_form_and_the_pager_links(
    backend, signed_in_operator
):
    given_tenants(backend)
    backend.expect_request(
        "/api/admin/jobs/",
        query_string={"status": "failed", "kind": "skills.extract", "tenant_id": "4", "page": "2"},
    ).respond_with_json(
        page_of(
            [admin_job(status="failed", kind="skills.extract", error="Boom")],
            count=30,
            next_page="http://backend/api/admin/jobs/?page=3",
            previous="http://backend/api/admin/jobs/?page=1",
        )
    )

    response = signed_in_operator.get("/admin/jobs/?status=failed&kind=skills.extract&tenant_id=4&page=2")

    page = response.content.decode()
    assert response.status_code == 200
    assert '<option value="failed" selected>' in page
    assert '<option value="skills.extract" selected>' in page
    assert '<option value="4" selected>Design team</option>' in page
    assert re.findall(r'class="page-link" href="([^"]+)"', page) == [
        "?status=failed&amp;kind=skills.extract&amp;tenant_id=4&amp;page=1",
        "?status=failed&amp;kind=skills.extract&amp;tenant_id=4&amp;page=3",
    ]


def test_an_invalid_filter_is_left_out_rather_than_sent_to_the_backend(backend, signed_in_operator):
    given_tenants(backend)
    backend.expect_request("/api/admin/jobs/", query_string={"page": "1"}).respond_with_json(page_of([]))

    response = signed_in_operator.get("/admin/jobs/?status=exploded&tenant_id=999&page=0")

    assert response.status_code == 200
    assert [request.query_string for request, _ in backend.log if request.path == "/api/admin/jobs/"] == [
        b"page=1"
    ]


def test_an_htmx_filter_change_answers_the_table_alone(backend, signed_in_operator):
    given_tenants(backend)
    backend.expect_request(
        "/api/admin/jobs/", query_string={"status": "running", "page": "1"}
    ).respond_with_json(
        page_of(
            [admin_job(status="running", actual_cost_micros=None, actual_cost_dollars=None, finished_at=None)]
        )
    )

    response = signed_in_operator.get(
        "/admin/jobs/?status=running", headers={**HTMX, "HX-Target": "job-table"}
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert '<tr id="job-41" data-status="running">' in page
    assert "<html" not in page and 'role="search"' not in page
    assert "HX-Request" in response["Vary"]


def test_a_failed_jobs_hostile_error_text_is_escaped(backend, signed_in_operator):
    given_tenants(backend)
    backend.expect_request("/api/admin/jobs/", query_string={"page": "1"}).respond_with_json(
        page_of([admin_job(status="failed", error='<script>alert("x")</script><img src=x onerror=alert(1)>')])
    )

    page = signed_in_operator.get("/admin/jobs/").content.decode()

    assert "<script>alert" not in page
    assert "<img src=x" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;" in page


def test_no_jobs_anywhere_shows_the_empty_state(backend, signed_in_operator):
    given_tenants(backend)
    backend.expect_request("/api/admin/jobs/", query_string={"page": "1"}).respond_with_json(page_of([]))

    page = signed_in_operator.get("/admin/jobs/").content.decode()

    assert '<p class="text-body-secondary mb-0" id="jobs-empty">No jobs yet in any workspace.</p>' in page
    assert "<table" not in page


def test_no_jobs_matching_the_filters_offers_to_show_every_job(backend, signed_in_operator):
    given_tenants(backend)
    backend.expect_request(
        "/api/admin/jobs/", query_string={"status": "refused", "page": "1"}
    ).respond_with_json(page_of([]))

    page = signed_in_operator.get("/admin/jobs/?status=refused").content.decode()

    assert "No jobs match these filters." in page
    assert '<a href="/admin/jobs/">Show every job</a>' in page


def test_a_member_gets_403_on_the_jobs_page_and_the_backend_is_not_asked(backend, signed_in):
    response = signed_in.get("/admin/jobs/")

    assert response.status_code == 403
    assert 'id="forbidden"' in response.content.decode()
    assert backend.log == []


def test_a_signed_out_visitor_is_sent_to_sign_in_from_the_jobs_page(backend, client, db):
    response = client.get("/admin/jobs/")

    assert response.status_code == 302
    assert response["Location"] == "/signin/?next=%2Fadmin%2Fjobs%2F"
    assert backend.log == []


def test_the_jobs_page_is_marked_current_in_the_admin_navigation(backend, signed_in_operator):
    given_tenants(backend)
    backend.expect_request("/api/admin/jobs/").respond_with_json(page_of([]))

    page = signed_in_operator.get("/admin/jobs/").content.decode()

    assert re.findall(r'class="nav-link active" aria-current="page" href="([^"]+)"', page) == ["/admin/jobs/"]
