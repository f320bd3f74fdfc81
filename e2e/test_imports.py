"""Importing history in a real browser: a CSV previewed (its rows, nothing written yet), imported
by a job whose page shows it through to the end (the entries on the timeline), then the same file
again (everything imported already)."""

from playwright.sync_api import Page, expect

CSV = (
    "date,content,employer,project,tags\n"
    "2026-11-02,Migrated the billing service to PostgreSQL,Acme,Billing,database\n"
    '2026-11-03,"Wrote the on-call runbook, with diagrams",Acme,,docs;oncall\n'
)


def choose_and_preview(page: Page, path) -> None:
    page.get_by_label("Format", exact=True).select_option("csv")
    page.get_by_label("File", exact=True).set_input_files(str(path))
    page.get_by_role("button", name="Preview").click()


def test_a_csv_is_previewed_then_imported_once(system, member_page: Page, tmp_path):
    page = member_page
    history = tmp_path / "history.csv"
    history.write_text(CSV)
    page.goto(system.frontend_url + "/timeline/")
    page.get_by_role("link", name="Import history").click()

    # the preview shows what the file holds, and nothing is written yet
    choose_and_preview(page, history)
    expect(page.locator("#import-summary")).to_have_text("2 entries in this file.")
    expect(page.locator("#import-rows tbody tr")).to_have_count(2)
    expect(page.locator("#import-rows")).to_contain_text("Wrote the on-call runbook, with diagrams")
    page.goto(system.frontend_url + "/timeline/")
    expect(page.locator("#timeline-empty")).to_be_visible()

    # the import writes them, and the timeline shows them
    page.get_by_role("link", name="Import history").click()
    choose_and_preview(page, history)
    page.get_by_role("button", name="Import 2 entries").click()
    # the import runs as a job: its page follows it until the entries are written
    page.wait_for_url("**/jobs/*/")
    expect(page.locator(".app-messages")).to_contain_text("The file is being imported")
    expect(page.locator("#import-result")).to_contain_text("Added 2 entries.", timeout=20_000)
    expect(page.locator("#job-live")).not_to_have_attribute("data-polling", "true")
    page.get_by_role("link", name="Open the timeline").click()
    entries = page.locator("#timeline-entries .timeline-entry")
    expect(entries).to_have_count(2)
    expect(entries.first).to_contain_text("Wrote the on-call runbook, with diagrams")

    # the same file again: nothing new
    page.get_by_role("link", name="Import history").click()
    choose_and_preview(page, history)
    expect(page.locator("#import-summary")).to_contain_text("2 of them imported before")
    expect(page.locator("#import-nothing")).to_have_text("Everything in this file is imported already.")
    expect(page.get_by_role("button", name="Import", exact=False).filter(has_text="entr")).to_have_count(0)
