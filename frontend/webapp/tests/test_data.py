"""Export all my data (/data/export/): what the ZIP holds, the button that starts preparing it, the
list (reloading itself while one is being prepared, still once none is), the download passed on,
and an expired one explained — against a fake backend at the HTTP boundary."""

import pytest

from webapp.tests.test_jobs import job_detail

HTMX = {"HX-Request": "true"}


def export_row(**overrides) -> dict:
    return {
        "job_id": 9,
        "status": "ready",
        "error": "",
        "created_at": "2026-12-01T10:00:00+00:00",
        "export_id": 4,
        "size": 20_480,
        "contents": {
            "entries": 12,
            "evidence_files": 3,
            "skills": 2,
            "reports": 1,
            "tokens": 1,
            "ledger_rows": None,
        },
        "expires_at": "2026-12-04T10:00:00+00:00",
        "download_count": 0,
        **overrides,
    }


def preparing(job_id: int, status: str) -> dict:
    return export_row(
        job_id=job_id,
        status=status,
        export_id=None,
        size=None,
        contents=None,
        expires_at=None,
        download_count=None,
    )


def listing(*rows) -> dict:
    return {"count": len(rows), "next": None, "previous": None, "results": list(rows)}


def test_the_page_says_what_the_zip_holds_and_lists_a_ready_export(backend, signed_in):
    backend.expect_request("/api/exports/").respond_with_json(listing(export_row()))

    page = signed_in.get("/data/export/").content.decode()

    assert "never their keys" in page and "Nothing of a teammate" in page
    assert 'href="/data/exports/4/download/"' in page
    assert "12 entries, 3 files" in page and "20.0" in page
    assert 'data-polling="true"' not in page  # nothing being prepared: no reloading


def test_only_an_owner_is_told_the_ledger_is_included(backend, signed_in):
    backend.expect_request("/api/exports/").respond_with_json(listing())
    owners = signed_in.get("/data/export/").content.decode()
    session = signed_in.session
    session["user"] = {**session["user"], "role": "member"}
    session.save()

    members = signed_in.get("/data/export/").content.decode()

    assert "reserve ledger, because you own the workspace" in owners
    assert "reserve ledger" not in members
    assert 'id="export-empty"' in members


def test_starting_an_export_answers_the_list_which_reloads_while_it_is_prepared(backend, signed_in):
    backend.expect_request("/api/exports/", method="POST").respond_with_json(
        job_detail(id=10, kind="data.export", status="queued", params={}), status=202
    )
    backend.expect_request("/api/exports/").respond_with_json(listing(preparing(10, "queued"), export_row()))

    response = signed_in.post("/data/export/", headers=HTMX)

    page = response.content.decode()
    assert response.status_code == 200
    assert page.strip().startswith('<div id="export-list"') and 'hx-trigger="every 2s"' in page
    assert "Waiting for a worker" in page
    assert "being prepared" in response["HX-Trigger"]


def test_the_list_stops_reloading_once_the_export_is_ready(backend, signed_in):
    backend.expect_request("/api/exports/").respond_with_json(listing(export_row(job_id=10)))

    page = signed_in.get("/data/export/", headers={**HTMX, "HX-Target": "export-list"}).content.decode()

    assert page.strip().startswith('<div id="export-list"') and "every 2s" not in page
    assert 'href="/data/exports/4/download/"' in page


def test_a_download_is_passed_on_with_the_backends_safe_headers(backend, signed_in):
    backend.expect_request("/api/exports/4/download/").respond_with_data(
        b"PK\x03\x04zip bytes",
        content_type="application/zip",
        headers={"Content-Disposition": 'attachment; filename="afterresume-export-2026-12-01.zip"'},
    )

    response = signed_in.get("/data/exports/4/download/")

    assert response.status_code == 200 and b"".join(response.streaming_content) == b"PK\x03\x04zip bytes"
    assert response["Content-Disposition"].startswith("attachment")
    assert response["Cache-Control"] == "private, no-store"


def test_an_expired_export_sends_the_person_back_with_the_reason_and_keeps_them_signed_in(backend, signed_in):
    backend.expect_request("/api/exports/4/download/").respond_with_json(
        {
            "message": "This export has expired and its file is deleted: prepare a new one.",
            "extra": {},
            "request_id": "r",
        },
        status=410,
    )

    response = signed_in.get("/data/exports/4/download/")

    assert response.status_code == 302 and response["Location"] == "/data/export/"
    assert "backend_session_token" in signed_in.session
    assert [str(m) for m in response.wsgi_request._messages] == [
        "This export has expired and its file is deleted: prepare a new one."
    ]


@pytest.mark.parametrize(
    ("row", "shown"),
    [
        (export_row(status="expired"), "Expired on"),
        (preparing(11, "running"), "Being prepared"),
        (
            {**preparing(12, "failed"), "error": "write: the storage refused the file"},
            "the storage refused the file",
        ),
    ],
)
def test_each_state_of_an_export_is_said_in_words(backend, signed_in, row, shown):
    backend.expect_request("/api/exports/").respond_with_json(listing(row))

    page = signed_in.get("/data/export/").content.decode()

    assert shown in page and "/download/" not in page


def test_an_export_jobs_page_offers_the_download_once_ready(backend, signed_in):
    result = {
        "export_id": 4,
        "size": 2048,
        "expires_at": "2026-12-04T10:00:00+00:00",
        "contents": export_row()["contents"],
    }
    backend.expect_request("/api/jobs/10/").respond_with_json(
        job_detail(id=10, kind="data.export", status="succeeded", params={}, result=result)
    )
    backend.expect_request("/api/jobs/10/events/").respond_with_json(listing())

    page = signed_in.get("/jobs/10/").content.decode()

    assert 'href="/data/exports/4/download/"' in page and "12 entries and 3 evidence files" in page
