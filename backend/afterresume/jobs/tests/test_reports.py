"""Reports written by the report.generate job on a real worker (the local provider): every bullet
cites an entry of the range, the filters and the author; the files are stored and downloaded the
safe way; the charge is the priced usage."""

import io
import re
from datetime import date

import docx
import pypdf
import pytest
from django.utils import timezone

from afterresume.billing.models import LedgerEntry, UsageEvent
from afterresume.jobs.tests.conftest import fund
from afterresume.jobs.tests.test_engine import priced, wait_for_end
from afterresume.reports.models import Report, ShareLink
from afterresume.worklogs.services import worklog_create
from conftest import token_client

HOSTILE = 'Fixed the <script>alert("x")</script> login page in 2 days.'
ENTRIES = [
    (date(2026, 10, 30), "Atlas", "Planned the Atlas launch with the sales team."),  # before the range
    (date(2026, 11, 2), "Atlas", "Cut Atlas page load from 3.2 s to 0.9 s by caching search results."),
    (date(2026, 11, 4), "Atlas", "Wrote the Atlas on-call runbook."),
    (date(2026, 11, 10), "Billing", "Moved billing to Kubernetes; deploys went from 40 to 6 minutes."),
    (date(2026, 11, 12), "", HOSTILE),
    (date(2026, 12, 1), "Billing", "Reviewed the billing roadmap."),  # after the range
]
RANGE = {"date_from": "2026-11-01", "date_to": "2026-11-30"}


@pytest.fixture
def entries(owner, teammate):
    made = [
        worklog_create(tenant=owner.membership.tenant, author=owner, date=day, project=project, content=text)
        for day, project, text in ENTRIES
    ]
    worklog_create(  # a teammate's entry in the same range: never in my report
        tenant=teammate.membership.tenant,
        author=teammate,
        date=date(2026, 11, 3),
        content="Teammate's secret work.",
    )
    return made


def write(client, kind: str, **filters) -> tuple[Report, dict]:
    answer = client.post("/api/reports/", {"kind": kind, **RANGE, **filters}, format="json")
    assert answer.status_code == 202, answer.json()
    job = wait_for_end(answer.json()["job_id"])
    assert job.status == "succeeded", job.error
    detail = client.get(f"/api/reports/{answer.json()['id']}/").json()
    return Report.objects.get(pk=detail["id"]), detail


def cited_ids(markdown: str) -> list[int]:
    return [int(found) for found in re.findall(r"/entries/(\d+)/\)", markdown)]


@pytest.mark.parametrize("kind", ["brag", "self_assessment", "resume_bullets", "weekly_status"])
def test_each_kind_cites_exactly_the_entries_of_its_range_and_author(worker, owner, entries, kind):
    fund(owner, 5_000_000)
    client = token_client(owner)

    _, detail = write(client, kind)

    in_range = {entry.pk for entry in entries[1:5]}
    assert detail["status"] == "ready"
    assert set(cited_ids(detail["markdown"])) == in_range
    assert {cited for citation in detail["citations"] for cited in citation["entries"]} == in_range
    assert "Teammate" not in detail["markdown"]
    assert {artifact["format"] for artifact in detail["artifacts"]} == {"md", "html", "docx", "pdf"}
    events = UsageEvent.objects.filter(job_reference=f"job:{detail['job_id']}")
    assert events.count() == 4  # one call per entry of the range
    [charge] = LedgerEntry.objects.filter(kind="usage")
    assert -charge.amount_micros == priced(owner, events)


def test_the_brag_document_groups_by_project_and_every_bullet_is_an_entrys_own_words(worker, owner, entries):
    fund(owner, 5_000_000)

    _, detail = write(token_client(owner), "brag")

    text = detail["markdown"]
    assert text.index("## Atlas") < text.index("## Billing") < text.index("## Other work")
    for citation in detail["citations"]:
        [entry_id] = citation["entries"]
        source = next(entry for entry in entries if entry.pk == entry_id)
        assert citation["text"] in " ".join(source.content.split())  # extractive: nothing invented


def test_the_weekly_status_has_a_heading_per_week(worker, owner, entries):
    fund(owner, 5_000_000)

    _, detail = write(token_client(owner), "weekly_status")

    assert re.findall(r"^## Week of (\S+)$", detail["markdown"], re.M) == ["2026-11-02", "2026-11-09"]


def test_filters_narrow_the_entries_like_the_timeline(worker, owner, entries):
    fund(owner, 5_000_000)

    _, detail = write(token_client(owner), "resume_bullets", project="atlas")

    assert set(cited_ids(detail["markdown"])) == {entries[1].pk, entries[2].pk}
    assert detail["filters"] == {"project": "atlas"}


def test_the_files_download_as_attachments_and_the_html_runs_nothing(worker, owner, entries, settings):
    fund(owner, 5_000_000)
    client = token_client(owner)
    report, detail = write(client, "brag")
    files = {artifact["format"]: artifact for artifact in detail["artifacts"]}

    html = client.get(f"/api/reports/{report.pk}/artifacts/{files['html']['id']}/download/")
    md = client.get(f"/api/reports/{report.pk}/artifacts/{files['md']['id']}/download/")

    for answer in (html, md):
        assert answer.status_code == 200
        assert answer["Content-Disposition"].startswith(
            'attachment; filename="Brag document 2026-11-01 to 2026-11-30.'
        )
        assert answer["X-Content-Type-Options"] == "nosniff"
    body = b"".join(html.streaming_content).decode()
    assert "<script>" not in body and "&lt;script&gt;" in body  # the entry's words, shown, not run
    link = (
        f'<a href="{settings.FRONTEND_URL}/entries/{entries[1].pk}/" rel="noopener noreferrer">2026-11-02</a>'
    )
    assert link in body
    assert "<title>Brag document: 2026-11-01 to 2026-11-30</title>" in body
    assert b"".join(md.streaming_content).decode() == report.markdown


def test_the_estimate_prices_one_call_per_entry_and_a_short_reserve_is_a_402_the_report_says_why(
    owner, entries
):
    client = token_client(owner)  # no money

    estimate = client.post("/api/reports/estimate/", {"kind": "brag", **RANGE}, format="json").json()
    refused = client.post("/api/reports/", {"kind": "brag", **RANGE}, format="json")

    assert estimate["entries"] == 4 and estimate["estimate_micros"] > 0
    assert refused.status_code == 402
    [report] = Report.objects.all()
    assert report.status == "failed" and "top up" in report.error
    assert (
        client.post(
            "/api/reports/",
            {"kind": "brag", "date_from": "2026-11-30", "date_to": "2026-11-01"},
            format="json",
        ).status_code
        == 400
    )


def test_a_teammate_cannot_read_or_download_my_report(worker, owner, teammate, entries):
    fund(owner, 5_000_000)
    report, detail = write(token_client(owner), "brag")
    theirs = token_client(teammate)

    assert theirs.get(f"/api/reports/{report.pk}/").status_code == 404
    assert (
        theirs.get(f"/api/reports/{report.pk}/artifacts/{detail['artifacts'][0]['id']}/download/").status_code
        == 404
    )
    assert theirs.get("/api/reports/").json()["results"] == []


def test_a_share_link_opens_signed_out_counts_its_openings_and_is_gone_once_revoked_or_expired(
    worker, owner, entries, api_client
):
    fund(owner, 5_000_000)
    client = token_client(owner)
    report, _ = write(client, "brag")
    made = client.post(f"/api/reports/{report.pk}/shares/", {}, format="json")
    assert made.status_code == 201
    token, link_id = made.json()["token"], made.json()["id"]

    opened = api_client.get(f"/api/shared/reports/{token}/")  # signed out

    assert opened.status_code == 200
    assert opened.json()["title"] == report.title and "&lt;script&gt;" in opened.json()["html"]
    [listed] = client.get(f"/api/reports/{report.pk}/shares/").json()["results"]
    assert listed["open_count"] == 1 and listed["last_opened_at"] is not None
    assert "token" not in listed  # shown once, when made
    assert client.post(f"/api/reports/{report.pk}/shares/{link_id}/revoke/").status_code == 200
    assert api_client.get(f"/api/shared/reports/{token}/").status_code == 404
    assert api_client.get(f"/api/shared/reports/{token[:-1]}x/").status_code == 404

    expiring = client.post(
        f"/api/reports/{report.pk}/shares/", {"expires_at": "2999-01-01T00:00:00Z"}, format="json"
    ).json()["token"]
    assert api_client.get(f"/api/shared/reports/{expiring}/").status_code == 200
    ShareLink.objects.filter(expires_at__isnull=False).update(expires_at=timezone.now())
    assert api_client.get(f"/api/shared/reports/{expiring}/").status_code == 404
    past = client.post(
        f"/api/reports/{report.pk}/shares/", {"expires_at": "2020-01-01T00:00:00Z"}, format="json"
    )
    assert past.status_code == 400


def test_only_a_finished_report_can_be_shared(owner, entries):
    client = token_client(owner)
    fund(owner, 5_000_000)
    report_id = Report.objects.create(
        tenant=owner.membership.tenant,
        author=owner,
        kind="brag",
        date_from=date(2026, 11, 1),
        date_to=date(2026, 11, 2),
    ).pk

    answer = client.post(f"/api/reports/{report_id}/shares/", {}, format="json")

    assert answer.status_code == 400 and "Only a finished report can be shared" in answer.json()["message"]


def test_the_docx_opens_with_a_parser_and_has_every_bullet_and_its_entry_link(
    worker, owner, entries, settings
):
    fund(owner, 5_000_000)
    client = token_client(owner)
    report, detail = write(client, "brag")
    [docx_file] = [artifact for artifact in detail["artifacts"] if artifact["format"] == "docx"]

    answer = client.get(f"/api/reports/{report.pk}/artifacts/{docx_file['id']}/download/")

    assert answer["Content-Type"] == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    document = docx.Document(io.BytesIO(b"".join(answer.streaming_content)))
    texts = [paragraph.text for paragraph in document.paragraphs]
    assert texts[0] == report.title
    assert [t for t in texts if t in ("Atlas", "Billing", "Other work")] == ["Atlas", "Billing", "Other work"]
    links = {link.address for paragraph in document.paragraphs for link in paragraph.hyperlinks}
    assert links == {f"{settings.FRONTEND_URL}/entries/{entry.pk}/" for entry in entries[1:5]}
    for citation in detail["citations"]:
        assert any(text.startswith(citation["text"]) for text in texts)


def test_the_pdf_opens_with_a_parser_and_has_the_bullets_and_their_entry_links(
    worker, owner, entries, settings
):
    fund(owner, 5_000_000)
    client = token_client(owner)
    report, detail = write(client, "brag")
    [pdf_file] = [artifact for artifact in detail["artifacts"] if artifact["format"] == "pdf"]

    answer = client.get(f"/api/reports/{report.pk}/artifacts/{pdf_file['id']}/download/")

    assert answer["Content-Type"] == "application/pdf"
    reader = pypdf.PdfReader(io.BytesIO(b"".join(answer.streaming_content)))
    text = " ".join(" ".join(page.extract_text().split()) for page in reader.pages)
    assert "Brag document: 2026-11-01 to 2026-11-30" in text
    assert "Wrote the Atlas on-call runbook." in text and '<script>alert("x")</script>' in text
    links = {
        annotation.get_object()["/A"]["/URI"]
        for page in reader.pages
        for annotation in page.get("/Annots", [])
        if "/A" in annotation.get_object()
    }
    assert links == {f"{settings.FRONTEND_URL}/entries/{entry.pk}/" for entry in entries[1:5]}
