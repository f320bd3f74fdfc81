"""Export all my data in a real browser: a fresh person (no money in their reserve) logs an entry,
prepares an export from the account menu, watches the list until it is ready, downloads the ZIP and
finds their entry in it."""

import json
import zipfile

from playwright.sync_api import Page, expect
from test_worklogs import open_quick_add

ENTRY = "Rebuilt the release pipeline; deploys now take 6 minutes"


def test_a_person_exports_their_data_with_an_empty_reserve(system, member_page: Page, tmp_path):
    page = member_page
    page.goto(system.frontend_url + "/timeline/")
    open_quick_add(page)
    page.locator("#quick-add").get_by_label("What did you do?").fill(ENTRY)
    page.keyboard.press("Control+Enter")
    expect(page.locator("#timeline-entries")).to_contain_text(ENTRY)

    page.locator("#user-menu").click()
    page.get_by_role("link", name="Export all my data").click()
    expect(page.locator("#export-empty")).to_be_visible()
    page.get_by_role("button", name="Prepare my export").click()

    ready = page.locator('[data-export-status="ready"]')
    expect(ready).to_have_count(1, timeout=20_000)
    expect(page.locator("#export-list")).not_to_have_attribute("data-polling", "true")
    expect(ready).to_contain_text("1 entry, 0 files")
    with page.expect_download() as download_info:
        ready.get_by_role("link", name="Download").click()
    path = tmp_path / "export.zip"
    download_info.value.save_as(path)

    with zipfile.ZipFile(path) as archive:
        entries = json.loads(archive.read("entries.json"))
        assert [entry["content"] for entry in entries] == [ENTRY]
        assert ENTRY in archive.read("entries.csv").decode()
        # they own the workspace their sign-up made: its ledger is in, with no money ever moved
        assert archive.read("ledger.csv").decode().splitlines() == [
            "id,created_at,kind,amount_dollars,balance_after_dollars,memo"
        ]
