"""Reports in the frontend: writing one (the estimate first, then the start; a refusal for funds and
the backend's field errors in place), the list (pages, the empty state), a report's page (polled
while it is being written, its error when it failed, its bullets citing their entries) and its files
downloaded the safe way evidence is, against a fake backend at the HTTP boundary (with and without
HX-Request)."""

from datetime import date, datetime, timedelta
from urllib.parse import quote
from zoneinfo import ZoneInfo

import pytest
from werkzeug import Response

from webapp.tests.test_jobs import (  # noqa: F401 (strict_client is a fixture)
    FUNDS,
    csrf_token_of,
    json_sent,
    page_of,
    strict_client,
    text_of,
)

HTMX = {"HX-Request": "true"}
HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'
ESCAPED_HOSTILE = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;"
FORM = {
    "kind": "brag",
    "date_from": "2026-10-01",
    "date_to": "2026-10-31",
    "employer": "Acme",
    "project": "",
    "tag": "",
}
SENT = {"kind": "brag", "date_from": "2026-10-01", "date_to": "2026-10-31", "employer": "Acme"}
ESTIMATE = {
    "entries": 12,
    "estimate_micros": 4_321,
    "estimate_dollars": "0.004321",
    "available_micros": 12_500_000,
}
MARKDOWN_BYTES = b"# Brag document\n\n- Tuned the invoice queries ([2026-10-02](http://x/entries/41/))\n"
DISPOSITION = "attachment; filename=\"brag-2026-10.md\"; filename*=UTF-8''brag-2026-10.md"


def api_error(message: str, fields: dict | None = None) -> dict:
    return {"message": message, "extra": {"fields": fields or {}}, "request_id": "r-1"}


def report_out(**overrides) -> dict:
    return {
        "id": 5,
        "kind": "brag",
        "status": "ready",
        "title": "Brag document, 2026-10-01 to 2026-10-31",
        "date_from": "2026-10-01",
        "date_to": "2026-10-31",
        "filters": {"employer": "Acme"},
        "error": "",
        "job_id": 9,
        "artifacts": [
            {"id": 11, "format": "md", "size": 120, "sha256": "a" * 64},
            {"id": 12, "format": "html", "size": 300, "sha256": "b" * 64},
            {"id": 13, "format": "pdf", "size": 9000, "sha256": "c" * 64},
            {"id": 14, "format": "docx", "size": 7000, "sha256": "d" * 64},
        ],
        "created_at": "2026-11-25T10:00:00+00:00",
        "finished_at": "2026-11-25T10:01:00+00:00",
        **overrides,
    }


def report_detail(**overrides) -> dict:
    return {
        **report_out(),
        "markdown": "# Brag document\n",
        "citations": [
            {"text": "Tuned the invoice queries on PostgreSQL", "entries": [41]},
            {"text": "Shipped the billing export", "entries": [40, 42]},
        ],
        **overrides,
    }


# --- writing one ------------------------------------------------------------------------------------


def test_the_form_defaults_to_the_last_30_days_in_the_persons_time_zone(backend, signed_in):
    backend.expect_request("/api/reports/", method="GET").respond_with_json(page_of([]))
    session = signed_in.session
    session["user"] = {**session["user"], "time_zone": "Pacific/Kiritimati"}
    session.save()
    today = datetime.now(ZoneInfo("Pacific/Kiritimati")).date()

    page = signed_in.get("/reports/").content.decode()

    assert f'name="date_to" value="{today.isoformat()}"' in page
    assert f'name="date_from" value="{(today - timedelta(days=30)).isoformat()}"' in page
    assert '<option value="brag" selected>Brag document</option>' in page


def test_the_form_defaults_to_the_last_30_days_without_a_time_zone(backend, signed_in):
    backend.expect_request("/api/reports/", method="GET").respond_with_json(page_of([]))

    page = signed_in.get("/reports/").content.decode()

    assert 'name="date_to" type="date"' in page or 'type="date" name="date_to"' in page
    today = date.today()
    assert any(
        f'name="date_to" value="{(today + timedelta(days=shift)).isoformat()}"' in page
        for shift in (-1, 0, 1)
    )


def test_estimate_shows_the_entries_and_the_hold_with_start_and_nothing_is_recorded(backend, signed_in):
    backend.expect_request("/api/reports/estimate/", method="POST").respond_with_json(ESTIMATE)

    response = signed_in.post("/reports/estimate/", FORM, headers=HTMX)

    fragment = response.content.decode()
    assert response.status_code == 200
    assert fragment.lstrip().startswith('<div id="compose"')
    assert (
        "12 entries in this range. This will hold at most $0.004321 from your reserve (available $12.50)."
        in text_of(fragment)
    )
    assert 'id="report-start"' in fragment and 'id="report-topup"' not in fragment
    assert '<input type="hidden" name="employer" value="Acme">' in fragment
    assert 'name="project"' in fragment and '<input type="hidden" name="project"' not in fragment
    assert json_sent(backend, "POST", "/api/reports/estimate/") == [SENT]
    assert json_sent(backend, "POST", "/api/reports/") == []


def test_an_estimate_the_reserve_cannot_cover_offers_a_top_up_instead_of_start(backend, signed_in):
    backend.expect_request("/api/reports/estimate/", method="POST").respond_with_json(
        {**ESTIMATE, "available_micros": 1_000}
    )

    fragment = signed_in.post("/reports/estimate/", FORM, headers=HTMX).content.decode()

    assert "Your reserve cannot cover this estimate: top it up first." in fragment
    assert '<a class="btn btn-primary btn-sm" href="/billing/" id="report-topup">Top up</a>' in fragment
    assert 'id="report-start"' not in fragment


def test_estimate_without_javascript_shows_the_whole_page_with_the_estimate(backend, signed_in):
    backend.expect_request("/api/reports/estimate/", method="POST").respond_with_json(ESTIMATE)
    backend.expect_request("/api/reports/", method="GET").respond_with_json(page_of([]))

    page = signed_in.post("/reports/estimate/", FORM).content.decode()

    assert "<html" in page and 'id="report-estimate-text"' in page and 'id="report-start"' in page


def test_starting_a_report_goes_to_its_page(backend, strict_client):  # noqa: F811
    backend.expect_request("/api/reports/estimate/", method="POST").respond_with_json(ESTIMATE)
    backend.expect_request("/api/reports/", method="POST").respond_with_json(
        report_detail(id=6, status="pending", artifacts=[], finished_at=None, citations=[], markdown=""),
        status=202,
    )
    backend.expect_request("/api/reports/", method="GET").respond_with_json(page_of([]))
    token = csrf_token_of(strict_client.get("/reports/").content.decode())
    fragment = strict_client.post(
        "/reports/estimate/", {**FORM, "csrfmiddlewaretoken": token}, headers=HTMX
    ).content.decode()

    refused = strict_client.post("/reports/start/", SENT, headers=HTMX)
    started = strict_client.post(
        "/reports/start/", {**SENT, "csrfmiddlewaretoken": csrf_token_of(fragment)}, headers=HTMX
    )

    assert refused.status_code == 403
    assert started["HX-Redirect"] == "/reports/6/"
    assert json_sent(backend, "POST", "/api/reports/") == [SENT]


def test_starting_without_javascript_redirects_to_the_report(backend, signed_in):
    backend.expect_request("/api/reports/", method="POST").respond_with_json(
        report_detail(id=6, status="pending", artifacts=[], finished_at=None, citations=[], markdown=""),
        status=202,
    )

    response = signed_in.post("/reports/start/", SENT)

    assert response.status_code == 302
    assert response["Location"] == "/reports/6/"


def test_a_start_the_reserve_cannot_cover_shows_the_amount_and_a_top_up_in_place(backend, signed_in):
    backend.expect_request("/api/reports/", method="POST").respond_with_json(FUNDS, status=402)

    response = signed_in.post("/reports/start/", SENT, headers=HTMX)

    fragment = response.content.decode()
    assert response.status_code == 200  # swapped in place (htmx swaps no 4xx but 422)
    assert "The reserve cannot cover this: top up at least 0.64 USD." in fragment
    assert '<a class="btn btn-primary btn-sm" href="/billing/" id="report-topup">Top up</a>' in fragment
    assert 'id="report-start"' not in fragment
    assert "HX-Redirect" not in response


def test_a_start_refused_for_funds_without_javascript_is_a_402_page_with_top_up(backend, signed_in):
    backend.expect_request("/api/reports/", method="POST").respond_with_json(FUNDS, status=402)
    backend.expect_request("/api/reports/", method="GET").respond_with_json(page_of([]))

    response = signed_in.post("/reports/start/", SENT)

    assert response.status_code == 402
    assert 'id="report-topup"' in response.content.decode()


def test_the_backends_field_errors_show_next_to_their_fields(backend, signed_in):
    message = "The range is longer than a year."
    backend.expect_request("/api/reports/estimate/", method="POST").respond_with_json(
        api_error(message, {"date_to": [message]}), status=400
    )

    response = signed_in.post("/reports/estimate/", FORM, headers=HTMX)

    fragment = response.content.decode()
    assert response.status_code == 422
    assert (
        f'<div class="invalid-feedback d-block" id="id_date_to_error"><div>{message}</div></div>' in fragment
    )
    assert 'id="report-start"' not in fragment


def test_a_range_that_ends_before_it_starts_is_not_sent(backend, signed_in):
    response = signed_in.post(
        "/reports/estimate/", {**FORM, "date_from": "2026-11-01", "date_to": "2026-10-01"}, headers=HTMX
    )

    assert response.status_code == 422
    assert "The end of the range comes before its start." in response.content.decode()
    assert json_sent(backend, "POST", "/api/reports/estimate/") == []


def test_an_unknown_kind_is_not_sent(backend, signed_in):
    response = signed_in.post("/reports/estimate/", {**FORM, "kind": "novel"}, headers=HTMX)

    assert response.status_code == 422
    assert json_sent(backend, "POST", "/api/reports/estimate/") == []


# --- the list ---------------------------------------------------------------------------------------


def test_the_list_shows_each_report_with_its_kind_range_status_and_downloads(backend, signed_in):
    backend.expect_request("/api/reports/", method="GET").respond_with_json(
        page_of(
            [
                report_out(),
                report_out(
                    id=4,
                    kind="weekly_status",
                    status="failed",
                    filters={},
                    artifacts=[],
                    error="The reserve cannot cover this.",
                    job_id=None,
                ),
            ],
            count=30,
            next_url="http://backend/api/reports/?page=2",
        )
    )

    page = signed_in.get("/reports/").content.decode()

    row = page[page.index('id="report-row-5"') : page.index('id="report-row-4"')]
    assert '<a href="/reports/5/">Brag document</a>' in row
    assert "Employer: Acme" in text_of(row)
    assert "2026-10-01 to 2026-10-31" in text_of(row)
    assert "Ready" in text_of(row)
    assert 'href="/reports/5/files/11/download/"' in row and 'href="/reports/5/files/12/download/"' in row
    assert "Failed" in text_of(page[page.index('id="report-row-4"') :])
    assert '<a class="page-link" href="?page=2" rel="next">Next</a>' in page
    assert "30 reports" in page
    assert [dict(request.args) for request, _ in backend.log] == [{"page": "1", "page_size": "25"}]


def test_an_empty_list_explains_what_reports_are(backend, signed_in):
    backend.expect_request("/api/reports/", method="GET").respond_with_json(page_of([]))

    page = signed_in.get("/reports/").content.decode()

    assert (
        "No reports yet. A report is a document written from your entries over a range of dates"
        in text_of(page)
    )
    assert 'id="reports-table"' not in page


def test_the_navigation_links_to_reports_after_skills(backend, signed_in):
    backend.expect_request("/api/reports/", method="GET").respond_with_json(page_of([]))

    page = signed_in.get("/reports/").content.decode()

    assert page.index('href="/skills/"') < page.index('href="/reports/"') < page.index('href="/billing/"')
    assert 'aria-current="page" href="/reports/"' in page


def test_hostile_filters_are_escaped_in_the_list(backend, signed_in):
    backend.expect_request("/api/reports/", method="GET").respond_with_json(
        page_of([report_out(filters={"employer": HOSTILE})])
    )

    page = signed_in.get("/reports/").content.decode()

    assert HOSTILE not in page and ESCAPED_HOSTILE in page


# --- one report -------------------------------------------------------------------------------------


def test_a_ready_report_shows_its_facts_downloads_and_bullets_linked_to_their_entries(backend, signed_in):
    backend.expect_request("/api/reports/5/", method="GET").respond_with_json(report_detail())
    backend.expect_request("/api/reports/5/shares/", method="GET").respond_with_json(page_of([]))

    page = signed_in.get("/reports/5/").content.decode()

    assert "Brag document, 2026-10-01 to 2026-10-31" in page
    assert "Kind Brag document Range 2026-10-01 to 2026-10-31 Employer Acme" in text_of(page)
    assert 'href="/reports/5/files/11/download/"' in page and 'href="/reports/5/files/12/download/"' in page
    downloads = text_of(page.split('id="report-downloads"')[1].split("</div>")[0])
    assert all(label in downloads for label in ("Markdown", "HTML", "PDF", "Word (DOCX)"))
    assert 'Tuned the invoice queries on PostgreSQL <a class="small" href="/entries/41/">entry 41</a>' in page
    assert (
        '<a class="small" href="/entries/40/">entry 40</a> <a class="small" href="/entries/42/">entry 42</a>'
        in page
    )
    assert 'hx-trigger="every 2s"' not in page


def test_a_pending_report_links_its_job_and_polls_itself_every_two_seconds(backend, signed_in):
    backend.expect_request("/api/reports/5/", method="GET").respond_with_json(
        report_detail(status="pending", artifacts=[], finished_at=None, citations=[], markdown="")
    )

    page = signed_in.get("/reports/5/").content.decode()

    assert '<div id="report-live" hx-get="/reports/5/" hx-trigger="every 2s" hx-swap="outerHTML"' in page
    assert '<a href="/jobs/9/">Follow its job live</a>' in page


def test_the_poll_gets_the_live_part_alone_and_stops_when_the_report_is_ready(backend, signed_in):
    backend.expect_request("/api/reports/5/", method="GET").respond_with_json(report_detail())
    backend.expect_request("/api/reports/5/shares/", method="GET").respond_with_json(page_of([]))

    response = signed_in.get("/reports/5/", headers={**HTMX, "HX-Target": "report-live"})

    fragment = response.content.decode()
    assert fragment.lstrip().startswith('<div id="report-live">')
    assert "hx-trigger" not in fragment and "<html" not in fragment
    assert response["HX-Trigger"] == '{"reserve-changed": {}}'


def test_a_failed_report_shows_its_error_and_does_not_poll(backend, signed_in):
    backend.expect_request("/api/reports/5/", method="GET").respond_with_json(
        report_detail(
            status="failed", artifacts=[], citations=[], markdown="", error="The reserve cannot cover this."
        )
    )

    page = signed_in.get("/reports/5/").content.decode()

    assert (
        '<div class="alert alert-danger mb-0" role="alert" id="report-error">The reserve cannot cover this.</div>'
        in page
    )
    assert "hx-trigger" not in page.split('id="report-live"')[1].split(">")[0]


def test_hostile_title_and_bullets_are_escaped(backend, signed_in):
    backend.expect_request("/api/reports/5/", method="GET").respond_with_json(
        report_detail(title=HOSTILE, citations=[{"text": HOSTILE, "entries": [41]}], error=HOSTILE)
    )
    backend.expect_request("/api/reports/5/shares/", method="GET").respond_with_json(page_of([]))

    page = signed_in.get("/reports/5/").content.decode()

    assert HOSTILE not in page
    assert page.count(ESCAPED_HOSTILE) >= 3


def test_someone_elses_report_is_the_sites_404_page(backend, signed_in):
    backend.expect_request("/api/reports/99/", method="GET").respond_with_json(
        api_error("Not found."), status=404
    )

    response = signed_in.get("/reports/99/")

    assert response.status_code == 404
    assert "There is nothing at this address." in response.content.decode()


def test_the_reports_pages_have_no_inline_scripts(backend, signed_in):
    backend.expect_request("/api/reports/", method="GET").respond_with_json(page_of([report_out()]))
    backend.expect_request("/api/reports/5/", method="GET").respond_with_json(report_detail())
    backend.expect_request("/api/reports/5/shares/", method="GET").respond_with_json(page_of([]))

    for address in ("/reports/", "/reports/5/"):
        page = signed_in.get(address).content.decode()
        assert "hx-on" not in page and " on" + "click=" not in page
        assert "<script>" not in page


# --- downloads --------------------------------------------------------------------------------------


PRESIGNED = "https://s3.example.com/reports/3/5/11.md?X-Amz-Expires=300&X-Amz-Signature=abc123"


def test_downloading_a_file_stored_on_s3_redirects_to_the_presigned_link(backend, signed_in):
    backend.expect_request("/api/reports/5/artifacts/11/download/").respond_with_response(
        Response(status=302, headers={"Location": PRESIGNED})
    )

    response = signed_in.get("/reports/5/files/11/download/")

    assert response.status_code == 302
    assert response["Location"] == PRESIGNED


def test_downloading_a_file_stored_locally_streams_the_bytes_as_an_attachment(backend, signed_in):
    backend.expect_request("/api/reports/5/artifacts/11/download/").respond_with_response(
        Response(
            MARKDOWN_BYTES,
            status=200,
            headers={
                "Content-Type": "text/markdown",
                "Content-Disposition": DISPOSITION,
                "Content-Length": str(len(MARKDOWN_BYTES)),
                "Set-Cookie": "backend_session=leaked",
            },
        )
    )

    response = signed_in.get("/reports/5/files/11/download/")

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == MARKDOWN_BYTES
    assert response["Content-Type"] == "text/markdown"
    assert response["Content-Disposition"] == DISPOSITION
    assert response["Content-Length"] == str(len(MARKDOWN_BYTES))
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"
    assert "backend_session" not in response.cookies
    (download_request,) = [request for request, _ in backend.log]
    assert download_request.headers["X-Session-Token"] == "session-token-of-ada"


def test_downloading_someone_elses_file_is_not_found(backend, signed_in):
    backend.expect_request("/api/reports/5/artifacts/99/download/").respond_with_json(
        api_error("Not found."), status=404
    )

    response = signed_in.get("/reports/5/files/99/download/")

    assert response.status_code == 404


@pytest.mark.parametrize("address", ["/reports/", "/reports/5/"])
def test_reports_need_signing_in(client, db, address):
    response = client.get(address)

    assert response.status_code == 302
    assert response["Location"] == "/signin/?next=" + quote(address, safe="")


# --- share links ------------------------------------------------------------------------------------


TOKEN = "tok_3pX9-abcdefghijklmnopqrstuvwxyz012345"
SHARED_HTML = '<h1>Brag document</h1><ul><li>Tuned the <em>invoice</em> queries <a href="https://example.com/x">here</a></li></ul>'


def share_out(**overrides) -> dict:
    return {
        "id": 3,
        "created_at": "2026-11-26T09:00:00+00:00",
        "expires_at": None,
        "revoked_at": None,
        "last_opened_at": None,
        "open_count": 0,
        **overrides,
    }


def shared_out(**overrides) -> dict:
    return {
        "title": "Brag document, 2026-10-01 to 2026-10-31",
        "kind": "brag",
        "date_from": "2026-10-01",
        "date_to": "2026-10-31",
        "html": SHARED_HTML,
        **overrides,
    }


def test_a_ready_report_has_a_share_card_listing_its_links_with_their_openings(backend, signed_in):
    backend.expect_request("/api/reports/5/", method="GET").respond_with_json(report_detail())
    backend.expect_request("/api/reports/5/shares/", method="GET").respond_with_json(
        page_of(
            [
                share_out(id=4, last_opened_at="2026-11-27T08:00:00+00:00", open_count=3),
                share_out(
                    id=3, revoked_at="2026-11-26T10:00:00+00:00", expires_at="2026-12-03T09:00:00+00:00"
                ),
            ]
        )
    )

    page = signed_in.get("/reports/5/").content.decode()

    assert 'id="share-card"' in page
    assert 'action="/reports/5/shares/"' in page
    assert '<option value="never" selected>Never</option>' in page
    row = text_of(page.split('id="share-4"')[1].split("</tr>")[0])
    assert ", 3 times" in row and "last" in row
    assert 'hx-post="/reports/5/shares/4/revoke/"' in page
    assert 'hx-post="/reports/5/shares/3/revoke/"' not in page
    assert "Revoked" in page.split('id="share-3"')[1].split("</tr>")[0]
    assert 'id="share-made"' not in page


def test_a_pending_report_has_no_share_card(backend, signed_in):
    backend.expect_request("/api/reports/5/", method="GET").respond_with_json(
        report_detail(status="pending", artifacts=[], citations=[], finished_at=None)
    )

    page = signed_in.get("/reports/5/").content.decode()

    assert 'id="share-card"' not in page
    assert json_sent(backend, "GET", "/api/reports/5/shares/") == []


def test_making_a_link_shows_its_full_address_once_with_copy(backend, signed_in):
    backend.expect_request("/api/reports/5/shares/", method="POST").respond_with_json(
        {**share_out(id=7), "token": TOKEN}, status=201
    )
    backend.expect_request("/api/reports/5/shares/", method="GET").respond_with_json(
        page_of([share_out(id=7)])
    )

    response = signed_in.post("/reports/5/shares/", {"expiry": "never"}, headers=HTMX)

    fragment = response.content.decode()
    assert response.status_code == 200
    assert f'value="http://testserver/shared/{TOKEN}/"' in fragment
    assert 'data-copy-target="#share-made-link"' in fragment
    assert "it is shown only once" in fragment
    assert json_sent(backend, "POST", "/api/reports/5/shares/") == [{}]
    # The list afterwards no longer has the token.
    backend.expect_request("/api/reports/5/", method="GET").respond_with_json(report_detail())
    assert TOKEN not in signed_in.get("/reports/5/").content.decode()


def test_a_link_for_30_days_sends_its_expiry(backend, signed_in):
    backend.expect_request("/api/reports/5/shares/", method="POST").respond_with_json(
        {**share_out(id=7, expires_at="2026-12-26T09:00:00+00:00"), "token": TOKEN}, status=201
    )
    backend.expect_request("/api/reports/5/shares/", method="GET").respond_with_json(page_of([]))

    signed_in.post("/reports/5/shares/", {"expiry": "30"}, headers=HTMX)

    (sent,) = json_sent(backend, "POST", "/api/reports/5/shares/")
    expires = datetime.fromisoformat(sent["expires_at"])
    assert timedelta(days=29, hours=23) < expires - datetime.now(ZoneInfo("UTC")) <= timedelta(days=30)


def test_a_link_the_backend_refuses_shows_its_message_in_place(backend, signed_in):
    backend.expect_request("/api/reports/5/shares/", method="POST").respond_with_json(
        api_error("Only a ready report can be shared."), status=400
    )
    backend.expect_request("/api/reports/5/shares/", method="GET").respond_with_json(page_of([]))

    response = signed_in.post("/reports/5/shares/", {"expiry": "7"}, headers=HTMX)

    fragment = response.content.decode()
    assert response.status_code == 422
    assert "Only a ready report can be shared." in fragment
    assert 'id="share-made"' not in fragment
    assert '<option value="7" selected>' in fragment


def test_revoking_a_link_posts_with_csrf_and_shows_the_list_again(backend, strict_client):  # noqa: F811
    backend.expect_request("/api/reports/5/", method="GET").respond_with_json(report_detail())
    backend.expect_request("/api/reports/5/shares/", method="GET").respond_with_json(
        page_of([share_out(id=4)])
    )
    backend.expect_request("/api/reports/5/shares/4/revoke/", method="POST").respond_with_json(
        share_out(id=4, revoked_at="2026-11-27T09:00:00+00:00")
    )
    page = strict_client.get("/reports/5/").content.decode()
    assert 'hx-confirm="Revoke this link?' in page
    token = csrf_token_of(page)

    refused = strict_client.post("/reports/5/shares/4/revoke/", headers=HTMX)
    assert refused.status_code == 403
    assert json_sent(backend, "POST", "/api/reports/5/shares/4/revoke/") == []

    response = strict_client.post("/reports/5/shares/4/revoke/", headers={**HTMX, "X-CSRFToken": token})

    assert response.status_code == 200
    assert 'id="share-card"' not in response.content.decode()  # the card's inside, swapped in place
    assert 'id="share-title"' in response.content.decode()
    assert len([r for r, _ in backend.log if r.path == "/api/reports/5/shares/4/revoke/"]) == 1


def test_the_shared_page_is_public_minimal_and_not_cached_or_indexed(backend, client, db):
    backend.expect_request(f"/api/shared/reports/{TOKEN}/", method="GET").respond_with_json(shared_out())

    response = client.get(f"/shared/{TOKEN}/")

    page = response.content.decode()
    assert response.status_code == 200
    assert SHARED_HTML in page
    assert "Brag document, 2026-10-01 to 2026-10-31" in text_of(page)
    assert "sidebar" not in page and "<script" not in page and "<form" not in page
    assert response["Cache-Control"] == "private, no-store"
    assert response["X-Robots-Tag"] == "noindex"
    assert response["Referrer-Policy"] == "no-referrer"
    assert response.cookies == {} or not any(response.cookies.values())
    (asked,) = [request for request, _ in backend.log]
    assert "X-Session-Token" not in asked.headers


def test_the_shared_page_does_not_send_a_signed_in_visitors_token(backend, signed_in):
    backend.expect_request(f"/api/shared/reports/{TOKEN}/", method="GET").respond_with_json(shared_out())

    response = signed_in.get(f"/shared/{TOKEN}/")

    assert response.status_code == 200
    (asked,) = [request for request, _ in backend.log]
    assert "X-Session-Token" not in asked.headers


def test_an_unknown_revoked_or_expired_link_is_a_404_page(backend, client, db):
    backend.expect_request("/api/shared/reports/nope/", method="GET").respond_with_json(
        api_error("Not found."), status=404
    )

    response = client.get("/shared/nope/")

    assert response.status_code == 404
    assert "This link does not work" in response.content.decode()
    assert response["Cache-Control"] == "private, no-store"
    assert response["X-Robots-Tag"] == "noindex"


def test_a_hostile_shared_title_is_escaped(backend, client, db):
    backend.expect_request(f"/api/shared/reports/{TOKEN}/", method="GET").respond_with_json(
        shared_out(title=HOSTILE)
    )

    page = client.get(f"/shared/{TOKEN}/").content.decode()

    assert HOSTILE not in page
    assert ESCAPED_HOSTILE in page
