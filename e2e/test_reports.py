"""Reports in a real browser, against the real worker and the local LLM provider: a month of entries
(seeded through the API with a personal token, as a script would), then each of the four kinds
written from the Reports page (the estimate, Start, the report page while it is being written, the
bullets and their entry links, the PDF); and a share link opened signed out, then revoked."""

import io
import json
import re
import urllib.request
from datetime import date, timedelta

import pytest
from playwright.sync_api import Page, expect
from pypdf import PdfReader
from test_jobs import top_up_25_dollars

MONTH_START, MONTH_END = date(2026, 11, 1), date(2026, 11, 30)
# (day of November, text, project, tags): what a month of work looks like
SEEDED = [
    (2, "Migrated the billing service to PostgreSQL 15 with zero downtime", "Billing", ["database"]),
    (3, "Reviewed four pull requests on the invoice exporter", "Billing", ["review"]),
    (
        4,
        "Cut the nightly batch from 90 to 35 minutes with Python multiprocessing",
        "Billing",
        ["performance"],
    ),
    (6, "Mentored a new engineer through their first on-call week", "", ["mentoring"]),
    (9, "Wrote the Kubernetes rollout plan for the payments API", "Payments", ["release"]),
    (10, "Shipped Stripe refunds to 3000 customers", "Payments", ["release"]),
    (12, "Ran the incident review for the queue outage", "", ["incident"]),
    (13, "Added Redis caching to the pricing endpoint, p95 down 40%", "Payments", ["performance"]),
    (16, "Paired with design on the reports page", "Reports", []),
    (17, "Documented the ledger reconciliation runbook", "Billing", ["docs"]),
    (18, "Cut the 2.4 release with 27 fixes", "Reports", ["release"]),
    (20, "Tuned the Celery worker pool for the LLM queue", "Reports", ["performance"]),
    (23, "Interviewed two backend candidates", "", ["hiring"]),
    (24, "Built the PDF export with WeasyPrint", "Reports", ["release"]),
    (25, "Fixed 12 flaky browser tests in the Playwright suite", "Reports", ["testing"]),
    (27, "Planned Q1 with the team and wrote the roadmap", "", ["planning"]),
    (30, "Cut the 2.5 release", "Reports", ["release"]),
]
WEEK = (date(2026, 11, 23), date(2026, 11, 29))


def create_api_token(page: Page, base_url: str) -> str:
    page.goto(base_url + "/profile/")
    page.locator("#tokens-card").get_by_label("Name", exact=True).fill("report seeding")
    page.get_by_role("button", name="Create token").click()
    key = page.locator("#new-token-key")
    expect(key).to_be_visible()
    return key.input_value()


def seed_month(backend_url: str, token: str) -> dict[int, dict]:
    """The month's entries through the API; each created entry by its id."""
    created = {}
    for day, text, project, tags in SEEDED:
        body = {
            "date": date(2026, 11, day).isoformat(),
            "content": text,
            "employer": "Acme",
            "project": project,
            "tags": tags,
        }
        request = urllib.request.Request(  # noqa: S310 (loopback only)
            backend_url + "/api/worklogs/",
            data=json.dumps(body).encode(),
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=15) as response:  # noqa: S310 (loopback only)
            entry = json.load(response)
        created[entry["id"]] = {**body, "date": date.fromisoformat(body["date"])}
    return created


def write_report(page: Page, base_url: str, kind: str, start: date, end: date, *, tag: str = ""):
    """From the Reports page: the form and its estimate (returned, to be read before Start)."""
    page.goto(base_url + "/reports/")
    form = page.locator("#report-form")
    form.get_by_label("Kind").select_option(label=kind)
    form.get_by_label("From").fill(start.isoformat())
    form.get_by_label("To").fill(end.isoformat())
    form.get_by_label("Tag").fill(tag)
    page.get_by_role("button", name="Estimate").click()
    return page.locator("#report-estimate-text")


def start_and_follow(page: Page) -> None:
    page.get_by_role("button", name="Start").click()
    page.wait_for_url(re.compile(r"/reports/\d+/$"))
    # the report page shows the report being written, polling, until it is ready
    expect(page.locator("#report-live[data-polling]")).to_have_count(1)
    expect(page.locator("#report-pending")).to_contain_text("Being written.")
    expect(page.locator("#report-facts-title")).to_contain_text("Ready", timeout=60_000)
    expect(page.locator("#report-live[data-polling]")).to_have_count(0)


def cited_ids(page: Page) -> list[int]:
    links = page.locator("#report-citations li a[href^='/entries/']")
    return [
        int(re.search(r"/entries/(\d+)/", href).group(1))
        for href in links.evaluate_all("ls => ls.map(l => l.getAttribute('href'))")
    ]


def download_pdf(page: Page) -> PdfReader:
    with page.expect_download() as download_info:
        page.locator("#report-downloads").get_by_role("link", name=re.compile(r"^PDF")).click()
    download = download_info.value
    assert download.suggested_filename.endswith(".pdf")
    with open(download.path(), "rb") as pdf:
        data = pdf.read()
    assert data.startswith(b"%PDF-")
    return PdfReader(io.BytesIO(data))


def pdf_links(reader: PdfReader) -> set[str]:
    return {
        annotation.get_object()["/A"]["/URI"]
        for pdf_page in reader.pages
        for annotation in pdf_page.get("/Annots") or []
        if "/A" in annotation.get_object() and "/URI" in annotation.get_object()["/A"]
    }


@pytest.fixture
def month_of_entries(system, member_page: Page) -> tuple[Page, dict[int, dict]]:
    page = member_page
    top_up_25_dollars(page, system.frontend_url)
    entries = seed_month(system.backend_url, create_api_token(page, system.frontend_url))
    return page, entries


def test_each_kind_of_report_is_written_from_the_month_with_every_bullet_citing_its_entries(
    system, month_of_entries
):
    page, entries = month_of_entries
    base = system.frontend_url
    month = set(entries)
    in_week_with_release = {
        entry_id
        for entry_id, entry in entries.items()
        if WEEK[0] <= entry["date"] <= WEEK[1] and "release" in entry["tags"]
    }
    assert len(in_week_with_release) == 1  # the 24th; the 30th is outside the week

    for kind, start, end, tag, expected in [
        ("Brag document", MONTH_START, MONTH_END, "", month),
        ("Self-assessment", MONTH_START, MONTH_END, "", month),
        ("Resume bullets", MONTH_START, MONTH_END, "", None),
        ("Weekly status", WEEK[0], WEEK[1], "release", in_week_with_release),
    ]:
        # the estimate names the entries the report will read
        estimate = write_report(page, base, kind, start, end, tag=tag)
        count = len(expected) if expected is not None else len(month)
        expect(estimate).to_contain_text(f"{count} entr{'y' if count == 1 else 'ies'} in this range.")
        expect(estimate).to_contain_text("This will hold at most $0.")
        start_and_follow(page)
        expect(page.locator("#report-kind")).to_have_text(kind)

        # every bullet cites entries of this person, this range and these filters; brag, self-assessment
        # and the weekly status leave none out; resume bullets keep the strongest, each cited once
        cited = cited_ids(page)
        assert cited, kind
        assert len(cited) == len(set(cited)) == page.locator("#report-citations li").count()
        if expected is not None:
            assert set(cited) == expected, kind
        else:
            assert set(cited) <= month and len(cited) == min(12, len(month))
        for entry_id in cited:
            bullet = page.locator("#report-citations li").filter(
                has=page.locator(f"a[href='/entries/{entry_id}/']")
            )
            expect(bullet).to_contain_text(entries[entry_id]["content"][:20])

        # the PDF opens with a parser: its words and a link to each cited entry are in it
        reader = download_pdf(page)
        text = " ".join((pdf_page.extract_text() or "") for pdf_page in reader.pages)
        flat = " ".join(text.split())
        assert kind in flat
        assert all(entries[entry_id]["content"][:24] in flat for entry_id in cited), kind
        assert {f"{base}/entries/{entry_id}/" for entry_id in cited} <= pdf_links(reader)

    # the four are listed, ready, on the Reports page
    page.goto(base + "/reports/")
    expect(page.locator("#reports-table tbody tr")).to_have_count(4)
    expect(page.locator("#reports-table tbody tr", has_text="Ready")).to_have_count(4)
    # and a cited entry link opens the entry itself
    page.goto(base + "/reports/")
    page.locator("#reports-table tbody tr a[href^='/reports/']").first.click()
    first = page.locator("#report-citations li a[href^='/entries/']").first
    entry_id = int(re.search(r"/entries/(\d+)/", first.get_attribute("href")).group(1))
    first.click()
    expect(page.locator("#entry-view .entry-content")).to_have_text(entries[entry_id]["content"])


def test_a_share_link_opens_signed_out_and_stops_working_once_revoked(system, month_of_entries, browser):
    page, _ = month_of_entries
    base = system.frontend_url
    write_report(page, base, "Brag document", MONTH_START, MONTH_START + timedelta(days=9))
    start_and_follow(page)

    # when the owner makes a link that never expires
    page.locator("#share-form").get_by_label("Expires").select_option("never")
    page.get_by_role("button", name="Make a link").click()
    link = page.locator("#share-made-link")
    expect(link).to_be_visible()
    address = link.input_value()
    assert address.startswith(base + "/shared/")
    expect(page.locator("#share-table tbody tr")).to_have_count(1)

    # then someone signed out reads the report from it, and only the report
    stranger = browser.new_context().new_page()
    response = stranger.goto(address)
    assert response.status == 200
    expect(stranger.locator("#shared-title")).to_be_visible()
    expect(stranger.locator("#shared-body")).to_contain_text("Migrated the billing service to PostgreSQL")
    expect(stranger.locator("#shared-body")).not_to_contain_text("Cut the 2.4 release")
    expect(stranger.get_by_role("link", name="Sign out")).to_have_count(0)

    # when the owner, whose page says the link was opened once, revokes it
    page.reload()
    row = page.locator("#share-table tbody tr").first
    expect(row.locator("td").nth(2)).to_contain_text(re.compile(r"^last .*, 1 time$"))
    page.once("dialog", lambda dialog: dialog.accept())
    row.get_by_role("button", name="Revoke").click()
    expect(page.locator("#share-table tbody tr").first).to_contain_text("Revoked")
    expect(page.locator("#share-table").get_by_role("button", name="Revoke")).to_have_count(0)

    # then the same address answers 404 with a page that says the link does not work
    response = stranger.goto(address)
    assert response.status == 404
    expect(stranger.locator("#shared-missing")).to_contain_text("This link does not work")
    expect(stranger.locator("#shared-body")).to_have_count(0)
    stranger.context.close()
