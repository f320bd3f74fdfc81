"""Importing history through the API, on a real worker: the file is checked in the request and
written by its worklog.import job; each format's fixture file becomes the expected entries (source
`import`); importing it again adds nothing; a file with a refused row writes nothing, starts no job
and says which line; the preview writes nothing; every import is its author's alone; an import runs
on an empty reserve and costs nothing."""

import json
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from afterresume.billing.models import Hold, LedgerEntry
from afterresume.jobs.engine import job_start
from afterresume.jobs.models import Job
from afterresume.jobs.tests.test_engine import wait_for_end
from afterresume.worklogs.models import ImportFile, WorkLog
from conftest import token_client

pytestmark = pytest.mark.usefixtures("worker")

PREVIEW, IMPORT, TEMPLATE = (
    "/api/worklogs/imports/preview/",
    "/api/worklogs/imports/",
    "/api/worklogs/imports/template.csv",
)

CSV = (
    "date,content,employer,project,tags\n"
    "2026-11-02,Migrated the billing service to PostgreSQL,Acme,Billing,database;migration\n"
    '2026-11-03,"Wrote the runbook,\nthen trained the on-call team",Acme,,docs\n'
)
MARKDOWN = (
    "# My work log\n\n"
    "## 2026-11-04 — Acme\n"
    "Cut the 2.4 release #release\n\n"
    "## 2026-11-05\n"
    "Paired on the `#notatag` parser\n"
)
JRNL = json.dumps(
    {
        "tags": {"@work": 1},
        "entries": [
            {
                "date": "2026-11-06",
                "time": "09:30",
                "title": "Reviewed the ledger",
                "body": "",
                "tags": ["@work"],
                "starred": False,
            },
        ],
    }
)
GIT = (
    "a" * 40
    + "\tme@example.com\t2026-11-08\tFix the export\n"
    + "b" * 40
    + "\tsomeone@example.com\t2026-11-08\tTheir change\n"
    + "c" * 40
    + "\tme@example.com\t2026-11-07\tAdd the export\n"
    + "d" * 40
    + "\tme@example.com\t2026-11-07\tStart the export\n"
)


def send(client, path, text: str, file_format: str, **fields):
    upload = SimpleUploadedFile(f"history.{file_format}", text.encode(), content_type="text/plain")
    return client.post(path, {"file": upload, "format": file_format, **fields}, format="multipart")


def imported(client, text: str, file_format: str, **fields) -> dict:
    """Sends the file, waits for its job, and gives the job's result."""
    answer = send(client, IMPORT, text, file_format, **fields)
    assert answer.status_code == 202, answer.content
    job = wait_for_end(answer.json()["id"])
    assert job.status == "succeeded", job.error
    return job.result


def counts(result: dict) -> dict:
    return {name: result[name] for name in ("entries", "added", "already_imported")}


def entries_of(user) -> list[tuple]:
    return [
        (
            entry.date,
            entry.content,
            entry.employer,
            entry.project,
            sorted(entry.tags.values_list("name", flat=True)),
            entry.source,
        )
        for entry in WorkLog.objects.filter(author=user).order_by("date", "id")
    ]


def test_a_csv_file_becomes_its_entries_and_a_second_import_adds_nothing(owner):
    client = token_client(owner)

    first = imported(client, CSV, "csv")
    again = imported(client, CSV, "csv")

    assert counts(first) == {"entries": 2, "added": 2, "already_imported": 0}
    assert counts(again) == {"entries": 2, "added": 0, "already_imported": 2}
    assert entries_of(owner) == [
        (
            date(2026, 11, 2),
            "Migrated the billing service to PostgreSQL",
            "Acme",
            "Billing",
            ["database", "migration"],
            "import",
        ),
        (
            date(2026, 11, 3),
            "Wrote the runbook,\nthen trained the on-call team",
            "Acme",
            "",
            ["docs"],
            "import",
        ),
    ]
    assert client.get("/api/worklogs/stats/").json()["total"] == 2


def test_markdown_jrnl_and_git_files_become_their_entries(owner):
    client = token_client(owner)

    assert imported(client, MARKDOWN, "markdown")["added"] == 2
    assert imported(client, JRNL, "jrnl")["added"] == 1
    answer = imported(client, GIT, "git", git_author_email="me@example.com", git_group="day")

    assert answer["added"] == 2
    assert entries_of(owner) == [
        (date(2026, 11, 4), "Cut the 2.4 release #release", "", "", ["release"], "import"),
        (date(2026, 11, 5), "Paired on the `#notatag` parser", "", "", [], "import"),
        (date(2026, 11, 6), "Reviewed the ledger", "", "", ["work"], "import"),
        (date(2026, 11, 7), "- Start the export\n- Add the export", "", "", ["git"], "import"),
        (date(2026, 11, 8), "- Fix the export", "", "", ["git"], "import"),
    ]


def test_a_git_log_by_commit_gives_one_entry_per_commit_of_that_author(owner):
    answer = imported(token_client(owner), GIT, "git", git_author_email="me@example.com", git_group="commit")

    assert answer["added"] == 3
    assert sorted(entry[1] for entry in entries_of(owner)) == [
        "Add the export",
        "Fix the export",
        "Start the export",
    ]


def test_a_file_with_a_refused_row_writes_nothing_and_says_which_line(owner):
    broken = CSV + "2026-13-01,A month that does not exist,Acme,,\n"

    answer = send(token_client(owner), IMPORT, broken, "csv")

    assert answer.status_code == 400
    body = answer.json()
    assert body["message"].startswith("1 row cannot be imported (the first: line 5): nothing was imported.")
    [row] = body["extra"]["rows"]
    assert row["line"] == 5 and "2026-13-01" in row["message"]
    assert entries_of(owner) == []
    assert not Job.objects.filter(author=owner).exists() and not ImportFile.objects.exists()


def test_the_preview_counts_shows_the_first_rows_and_writes_nothing(owner):
    client = token_client(owner)

    before = send(client, PREVIEW, CSV, "csv").json()
    imported(client, CSV, "csv")
    after = send(client, PREVIEW, CSV, "csv").json()

    assert before["entries"] == 2 and before["already_imported"] == 0 and before["error_count"] == 0
    assert [(row["line"], row["date"], row["tags"]) for row in before["rows"]] == [
        (2, "2026-11-02", ["database", "migration"]),
        (3, "2026-11-03", ["docs"]),
    ]
    assert after["already_imported"] == 2
    assert WorkLog.objects.filter(author=owner).count() == 2


def test_the_template_imports_cleanly(owner):
    client = token_client(owner)

    template = client.get(TEMPLATE)

    assert template.status_code == 200
    assert template["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in template["Content-Disposition"]
    answer = imported(client, template.content.decode(), "csv")
    assert answer["added"] == answer["entries"] >= 1


def test_an_import_is_its_authors_alone(owner, teammate):
    imported(token_client(owner), CSV, "csv")

    answer = imported(token_client(teammate), CSV, "csv")

    assert counts(answer) == {"entries": 2, "added": 2, "already_imported": 0}
    assert len(entries_of(owner)) == len(entries_of(teammate)) == 2


def test_bad_requests_are_400s_naming_the_field(owner, api_client):
    client = token_client(owner)
    assert client.post(IMPORT, {"format": "csv"}, format="multipart").json()["extra"]["fields"].keys() == {
        "file"
    }
    assert "format" in send(client, IMPORT, CSV, "xlsx").json()["extra"]["fields"]
    assert send(client, IMPORT, GIT, "git").status_code == 400  # no author e-mail
    assert send(api_client, IMPORT, CSV, "csv").status_code == 401
    assert entries_of(owner) == []


def test_an_import_runs_on_an_empty_reserve_holds_nothing_and_leaves_no_file_behind(owner):
    client = token_client(owner)

    answer = send(client, IMPORT, CSV, "csv")
    job = wait_for_end(answer.json()["id"])

    assert job.status == "succeeded" and job.kind == "worklog.import"
    assert job.estimate_micros == 0 and job.actual_cost_micros == 0 and job.hold_id is None
    assert not Hold.objects.exists() and not LedgerEntry.objects.filter(kind="usage").exists()
    assert [step.name for step in job.steps.all()] == ["read", "write", "finish"]
    assert not ImportFile.objects.exists()
    assert job.result["name"] == "history.csv" and job.result["added"] == 2


def test_a_kept_file_is_its_importers_alone(owner, teammate):
    """An import job is started only by sending the file; the engine, given another person's kept
    file, refuses it like an unknown one (a retry of a job whose file has gone is refused too)."""
    kept = ImportFile.objects.create(
        tenant=owner.membership.tenant, author=owner, format="csv", size=1, entries=1, file="imports/x"
    )

    through_jobs_api = token_client(owner).post(
        "/api/jobs/", {"kind": "worklog.import", "params": {"import_file_id": kept.pk}}, format="json"
    )
    with pytest.raises(ValidationError) as refusal:
        job_start(
            tenant=teammate.membership.tenant,
            author=teammate,
            kind="worklog.import",
            params={"import_file_id": kept.pk},
        )

    assert through_jobs_api.status_code == 400 and "kind" in through_jobs_api.json()["extra"]["fields"]
    assert "no longer kept" in str(refusal.value)
    assert not Job.objects.exists()
