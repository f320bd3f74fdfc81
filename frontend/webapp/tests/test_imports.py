"""Import history (/entries/import/): the form, a preview of what the file holds (count, rows
imported before, the first rows, refused rows with their lines), then the import, all or nothing,
against a fake backend at the HTTP boundary; the file and the options reach the backend as sent."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from webapp.tests.test_jobs import job_detail

HTMX = {"HX-Request": "true"}
CSV = b"date,content,employer,project,tags\n2026-11-02,Migrated the billing service,Acme,Billing,database\n"
HOSTILE = '<script>alert("x")</script>'


def preview(**overrides) -> dict:
    return {
        "entries": 3,
        "already_imported": 1,
        "rows": [
            {
                "line": 2,
                "date": "2026-11-02",
                "content": "Migrated the billing service",
                "employer": "Acme",
                "project": "Billing",
                "tags": ["database"],
            },
            {"line": 3, "date": "2026-11-03", "content": HOSTILE, "employer": "", "project": "", "tags": []},
        ],
        "errors": [],
        "error_count": 0,
        **overrides,
    }


def post(client, **fields):
    upload = SimpleUploadedFile("history.csv", CSV, content_type="text/csv")
    return client.post("/entries/import/", {"file": upload, "format": "csv", **fields}, headers=HTMX)


def sent(backend, path: str) -> bytes:
    [(request, _)] = [entry for entry in backend.log if entry[0].path == path]
    assert request.headers["Content-Type"].startswith("multipart/form-data; boundary=")
    return request.get_data()


def test_the_page_explains_each_format_and_offers_the_csv_template(signed_in):
    page = signed_in.get("/entries/import/").content.decode()

    assert 'id="import-form"' in page and 'hx-encoding="multipart/form-data"' in page
    assert 'href="/entries/import/template.csv"' in page
    assert "git log --no-merges --date=short" in page
    assert 'id="import-button"' not in page  # nothing to import before a preview


def test_a_preview_shows_the_count_the_rows_already_imported_and_the_first_rows(backend, signed_in):
    backend.expect_request("/api/worklogs/imports/preview/", method="POST").respond_with_json(preview())

    response = post(signed_in, preview="1")

    assert response.status_code == 200
    page = response.content.decode()
    assert re.sub(
        r"\s+",
        " ",
        re.sub(r"<[^>]+>", "", re.search(r'<p id="import-summary">(.*?)</p>', page, re.S).group(1)),
    ).strip() == ("3 entries in this file, 1 of them imported before (they are skipped).")
    assert page.count("<tr><td>") == 2 and "&lt;script&gt;" in page and HOSTILE not in page
    assert (
        '<span class="spinner-border spinner-border-sm loading-indicator" aria-hidden="true"></span> Import 2 entries</button>'
        in page
    )
    body = sent(backend, "/api/worklogs/imports/preview/")
    assert b'name="file"; filename="history.csv"' in body and CSV in body
    assert b'name="format"\r\n\r\ncsv' in body


def test_a_preview_with_refused_rows_lists_them_and_offers_no_import(backend, signed_in):
    backend.expect_request("/api/worklogs/imports/preview/", method="POST").respond_with_json(
        preview(
            errors=[
                {"line": 4, "message": "Line 4: the date '2026-13-01' is not a valid date (use YYYY-MM-DD)."}
            ],
            error_count=1,
        )
    )

    page = post(signed_in, preview="1").content.decode()

    assert "Line 4: the date &#x27;2026-13-01&#x27; is not a valid date" in page
    assert "1 row cannot be imported: fix it first." in page
    assert 'id="import-button"' not in page


def test_the_import_sends_the_file_and_goes_to_its_jobs_page(backend, signed_in):
    backend.expect_request("/api/worklogs/imports/", method="POST").respond_with_json(
        job_detail(id=41, kind="worklog.import", status="queued", params={"import_file_id": 3}), status=202
    )

    response = post(signed_in, **{"import": "1"})

    assert response.status_code == 200 and response["HX-Redirect"] == "/jobs/41/"
    assert CSV in sent(backend, "/api/worklogs/imports/")
    assert [str(m) for m in response.wsgi_request._messages] == [
        "The file is being imported: this page shows how far it has got."
    ]


@pytest.mark.parametrize(
    ("status", "result", "shown"),
    [
        (
            "running",
            {"entries": 3, "already_imported": 1, "added": 0},
            "The file holds 3 entries (1 imported before): writing them, all at once.",
        ),
        (
            "succeeded",
            {"entries": 3, "already_imported": 1, "added": 2, "name": "mine.csv"},
            "Added <strong>2</strong> entries; 1 imported before were left as they are.",
        ),
        ("failed", {"entries": 3, "already_imported": 0, "added": 0}, "Nothing was imported."),
    ],
)
def test_an_imports_job_page_says_how_far_it_has_got(backend, signed_in, status, result, shown):
    backend.expect_request("/api/jobs/41/").respond_with_json(
        job_detail(id=41, kind="worklog.import", status=status, params={"import_file_id": 3}, result=result)
    )
    backend.expect_request("/api/jobs/41/events/").respond_with_json(
        {"count": 0, "next": None, "previous": None, "results": []}
    )

    page = signed_in.get("/jobs/41/").content.decode()

    assert shown in page
    assert ("Open the timeline" in page) == (status == "succeeded")


def test_a_refused_import_lists_each_row_and_its_line(backend, signed_in):
    backend.expect_request("/api/worklogs/imports/", method="POST").respond_with_json(
        {
            "message": "1 row cannot be imported (the first: line 4): nothing was imported. Fix them and import the file again.",
            "extra": {"rows": [{"line": 4, "message": "Line 4: the content is empty."}]},
            "request_id": "r-1",
        },
        status=400,
    )

    response = post(signed_in, **{"import": "1"})

    assert response.status_code == 422
    page = response.content.decode()
    assert "nothing was imported" in page
    assert (
        '<ul class="small text-danger mb-3" id="import-refused"><li>Line 4: Line 4: the content is empty.</li></ul>'
        in page
    )


def test_a_git_log_needs_the_authors_e_mail_before_the_backend_is_asked(backend, signed_in):
    upload = SimpleUploadedFile("history.txt", b"x", content_type="text/plain")

    response = signed_in.post(
        "/entries/import/", {"file": upload, "format": "git", "preview": "1"}, headers=HTMX
    )

    assert response.status_code == 422
    assert "Give the e-mail your commits carry" in response.content.decode()
    assert backend.log == []


def test_the_template_is_passed_on_as_a_download(backend, signed_in):
    backend.expect_request("/api/worklogs/imports/template.csv").respond_with_data(
        "date,content,employer,project,tags\n",
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="afterresume-import-template.csv"'},
    )

    response = signed_in.get("/entries/import/template.csv")

    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"date,content")
    assert response["Content-Disposition"] == 'attachment; filename="afterresume-import-template.csv"'
