"""The search box's syntax — a quoted phrase, -exclusion, or — on the run command's embedded
default database (SQLite), where PostgreSQL's full text is not there to answer it."""

from playwright.sync_api import Page, expect


def add_entry(page: Page, content: str) -> None:
    page.keyboard.press("n")
    expect(page.locator("#quick-add textarea[name=content]")).to_be_focused()
    page.keyboard.type(content)
    page.keyboard.press("Control+Enter")
    expect(page.locator("#quick-add")).to_be_hidden()
    expect(page.locator("#timeline-entries")).to_contain_text(content, timeout=15_000)


def test_phrases_exclusions_and_or_narrow_the_timeline_on_the_embedded_default(system, member_page: Page):
    page = member_page
    page.goto(system.frontend_url + "/timeline/")
    add_entry(page, "Wrote the quarterly report")
    add_entry(page, "The report was late: quarterly numbers missing")
    add_entry(page, "Reviewed the release checklist")
    entries = page.locator("#timeline-entries .timeline-entry")

    for search, expected in [
        ('"quarterly report"', ["Wrote the quarterly report"]),
        ("report -late", ["Wrote the quarterly report"]),
        ("checklist or late", ["Reviewed the release checklist", "The report was late"]),
        ("quarterly report", ["The report was late", "Wrote the quarterly report"]),
    ]:
        page.get_by_label("Search").fill(search)
        page.get_by_role("button", name="Apply").click()

        expect(entries).to_have_count(len(expected))
        expect(entries).to_contain_text(expected)
