"""Exporting all of a person's data, on a real worker: the data.export job writes a ZIP with
exactly the person's entries, evidence files, skills, reports, tokens' metadata (never keys) and,
for an owner, the workspace's ledger; nothing of a teammate's. It runs on an empty reserve, is
downloadable by its author alone, and expires."""

import csv
import io
import json
import zipfile
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from afterresume.accounts.tokens import api_token_create
from afterresume.billing.models import Hold
from afterresume.exports.models import DataExport
from afterresume.exports.services import export_write
from afterresume.exports.tasks import expire
from afterresume.jobs.tests.conftest import fund
from afterresume.jobs.tests.test_engine import wait_for_end
from afterresume.reports.models import Report
from afterresume.skills.services import skill_create, skill_link
from afterresume.worklogs.services import evidence_add, worklog_create, worklog_update
from conftest import token_client

PNG = b"\x89PNG\r\n\x1a\n" + b"owner's evidence bytes" * 10
THEIR_TEXT = "Teammate-only secret: rewrote the payroll service"
THEIR_FILE = b"%PDF-1.4\nteammate-only evidence bytes\n%%EOF\n"


@pytest.fixture
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


def add_entry(user, content: str, *, day: date, file: tuple[str, bytes] | None = None, tags=()):
    entry = worklog_create(
        tenant=user.membership.tenant, author=user, date=day, content=content, tags=list(tags)
    )
    if file:
        name, data = file
        evidence_add(entry=entry, author=user, upload=SimpleUploadedFile(name, data))
    return entry


@pytest.fixture
def people(owner, teammate, media):
    """The owner's data of every kind, and a teammate's in the same workspace."""
    first = add_entry(owner, "Shipped the importer", day=date(2026, 11, 2), tags=["python", "data"])
    second = add_entry(
        owner, "Wrote the export, then its tests", day=date(2026, 11, 3), file=("shot <final>?.png", PNG)
    )
    worklog_update(entry=first, content="Shipped the importer for four formats")
    skill = skill_create(tenant=owner.membership.tenant, author=owner, name="Python")
    skill_link(skill=skill, entry=first)
    Report.objects.create(
        tenant=owner.membership.tenant,
        author=owner,
        kind="brag",
        status="ready",
        date_from=date(2026, 11, 1),
        date_to=date(2026, 11, 30),
        title="November",
        markdown="# November\n- Shipped the importer",
    )
    api_token_create(user=owner, name="laptop script", expires_at=None)
    fund(owner, 3_000_000)
    add_entry(teammate, THEIR_TEXT, day=date(2026, 11, 2), file=("theirs.pdf", THEIR_FILE), tags=["payroll"])
    skill_create(tenant=owner.membership.tenant, author=teammate, name="Payroll")
    return {"entries": [first, second]}


def evidence_id(people) -> int:
    return people["entries"][1].evidence.get().pk


def export_of(client) -> tuple[dict, zipfile.ZipFile]:
    started = client.post("/api/exports/")
    assert started.status_code == 202, started.content
    job = wait_for_end(started.json()["id"])
    assert job.status == "succeeded", job.error
    [row] = [row for row in client.get("/api/exports/").json()["results"] if row["job_id"] == job.pk]
    assert row["status"] == "ready"
    download = client.get(f"/api/exports/{row['export_id']}/download/")
    assert download.status_code == 200
    assert download["Content-Type"] == "application/zip" and "attachment" in download["Content-Disposition"]
    return row, zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content)))


@pytest.mark.usefixtures("worker")
def test_the_export_holds_exactly_the_persons_data_and_nothing_of_a_teammates(owner, people):
    row, archive = export_of(token_client(owner, name="exporter"))

    names = set(archive.namelist())
    entries = json.loads(archive.read("entries.json"))
    evidence = entries[1]["evidence"][0]
    assert [entry["id"] for entry in entries] == [entry.pk for entry in people["entries"]]
    assert entries[0]["content"] == "Shipped the importer for four formats"
    assert entries[0]["tags"] == ["data", "python"]
    assert [version["content"] for version in entries[0]["history"]] == ["Shipped the importer"]
    assert evidence["name"] == "shot <final>?.png"
    assert evidence["path"] == f"evidence/{people['entries'][1].pk}/{evidence_id(people)}-shot _final_.png"
    assert archive.read(evidence["path"]) == PNG
    assert names == {
        "README.txt",
        "profile.json",
        "entries.json",
        "entries.csv",
        evidence["path"],
        "skills.json",
        "reports.json",
        "tokens.json",
        "ledger.csv",
    }
    assert json.loads(archive.read("skills.json")) == [
        {"name": "Python", "hidden": False, "entries": [people["entries"][0].pk]}
    ]
    assert [report["title"] for report in json.loads(archive.read("reports.json"))] == ["November"]
    tokens = json.loads(archive.read("tokens.json"))
    assert sorted(token["name"] for token in tokens) == ["exporter", "laptop script"]
    assert all(
        set(token) == {"name", "prefix", "created_at", "last_used_at", "expires_at", "revoked_at"}
        for token in tokens
    )
    ledger = list(csv.DictReader(io.StringIO(archive.read("ledger.csv").decode())))
    assert [(line["kind"], line["amount_dollars"]) for line in ledger] == [("adjustment", "3.000000")]
    assert json.loads(archive.read("profile.json"))["workspace"] == {
        "name": "Olive's workspace",
        "role": "owner",
    }
    assert row["contents"] == {
        "entries": 2,
        "evidence_files": 1,
        "skills": 1,
        "reports": 1,
        "tokens": 2,
        "ledger_rows": 1,
    }
    everything = b"".join(archive.read(name) for name in names)
    assert THEIR_TEXT.encode() not in everything and b"teammate-only" not in everything
    assert b"Payroll" not in everything and b"teammate@example.com" not in everything


@pytest.mark.usefixtures("worker")
def test_the_csv_in_an_export_imports_into_another_account(owner, outsider, people):
    _, archive = export_of(token_client(owner))

    upload = SimpleUploadedFile("entries.csv", archive.read("entries.csv"), content_type="text/csv")
    answer = token_client(outsider).post(
        "/api/worklogs/imports/", {"file": upload, "format": "csv"}, format="multipart"
    )
    job = wait_for_end(answer.json()["id"])

    assert job.result["added"] == 2
    assert json.loads(archive.read("entries.json"))[0]["content"] in str(
        token_client(outsider).get("/api/worklogs/").json()
    )


@pytest.mark.usefixtures("worker")
def test_a_members_export_has_no_ledger_and_runs_on_an_empty_reserve(teammate, people):
    row, archive = export_of(token_client(teammate))

    assert "ledger.csv" not in archive.namelist() and row["contents"]["ledger_rows"] is None
    assert [entry["content"] for entry in json.loads(archive.read("entries.json"))] == [THEIR_TEXT]
    assert archive.read(json.loads(archive.read("entries.json"))[0]["evidence"][0]["path"]) == THEIR_FILE


@pytest.mark.usefixtures("worker")
def test_an_export_costs_nothing_even_with_no_money_at_all(outsider, media):
    add_entry(outsider, "Alone and broke", day=date(2026, 11, 2))

    row, archive = export_of(token_client(outsider))

    job = outsider_job = wait_for_end(row["job_id"])
    assert outsider_job.hold_id is None and job.actual_cost_micros == 0 and not Hold.objects.exists()
    assert json.loads(archive.read("entries.json"))[0]["content"] == "Alone and broke"


@pytest.mark.usefixtures("worker")
def test_an_export_is_its_authors_alone(owner, teammate, outsider, people):
    row, _ = export_of(token_client(owner))
    path = f"/api/exports/{row['export_id']}/download/"

    assert token_client(teammate).get(path).status_code == 404
    assert token_client(outsider).get(path).status_code == 404
    assert token_client(teammate).get("/api/exports/").json()["results"] == []


@pytest.mark.usefixtures("worker")
def test_an_expired_export_loses_its_file_and_answers_410(owner, people, media):
    row, _ = export_of(token_client(owner))
    export = DataExport.objects.get(pk=row["export_id"])
    stored = media / export.file.name
    assert stored.exists()
    DataExport.objects.filter(pk=export.pk).update(expires_at=timezone.now() - timedelta(seconds=1))

    outcome = expire()
    answer = token_client(owner).get(f"/api/exports/{export.pk}/download/")

    assert outcome["exports"] == 1 and not stored.exists()
    assert answer.status_code == 410 and "expired" in answer.json()["message"]
    [listed] = token_client(owner).get("/api/exports/").json()["results"]
    assert listed["status"] == "expired"


def test_writing_an_export_twice_for_one_job_keeps_one_file(
    owner, people, media, django_capture_on_commit_callbacks
):
    """The job's step may run again after its worker died: the second run replaces the first."""
    first = export_write(tenant=owner.membership.tenant, author=owner, job_id=987)
    first_file = media / first.file.name
    with django_capture_on_commit_callbacks(execute=True):
        second = export_write(tenant=owner.membership.tenant, author=owner, job_id=987)

    assert first.pk == second.pk and DataExport.objects.count() == 1
    assert not first_file.exists() and (media / second.file.name).exists()
