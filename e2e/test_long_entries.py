"""Long entries in lists (issue 9, item 14): a 10,000-character entry shows its first lines with
"Show more" (a keyboard-operable toggle; a link to the whole entry without JavaScript), and the
dashboard's recent entries sit under one heading per day."""

import re

import pytest
from playwright.sync_api import Page, expect

LONG_CONTENT = ("Rebuilt the invoice export end to end. " * 260)[:10_000]


@pytest.fixture
def long_and_short_entry_today(system, member_page: Page) -> Page:
    page = member_page
    page.goto(system.frontend_url + "/timeline/")
    for content in (LONG_CONTENT, "Reviewed the migration plan"):
        page.get_by_role("button", name="New entry").click()
        modal = page.locator("#quick-add")
        modal.get_by_label("What did you do?").fill(content)
        modal.get_by_role("button", name="Save entry").click()
        expect(modal).to_be_hidden()
    expect(page.locator("#timeline-entries .timeline-entry")).to_have_count(2)
    return page


def test_a_long_entry_shows_its_first_lines_and_opens_in_place_from_the_keyboard(
    system, long_and_short_entry_today: Page
):
    page = long_and_short_entry_today
    page.goto(system.frontend_url + "/timeline/")
    long_card = page.locator(".timeline-entry").filter(has_text="Rebuilt the invoice export")
    short_card = page.locator(".timeline-entry").filter(has_text="Reviewed the migration plan")

    # a few lines of it, with a toggle; the short one has none
    assert long_card.bounding_box()["height"] < 300
    toggle = long_card.locator("button.entry-toggle")
    expect(toggle).to_have_accessible_name(re.compile(r"^Show more of the entry of "))
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(short_card.get_by_role("button", name=re.compile("Show"))).to_have_count(0)

    # when the person tabs to it and presses Enter
    toggle.focus()
    page.keyboard.press("Enter")

    # then the whole entry shows, and the same button closes it again
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(toggle).to_contain_text("Show less")
    assert long_card.bounding_box()["height"] > 1_000
    expect(toggle).to_be_focused()
    page.keyboard.press("Space")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    assert long_card.bounding_box()["height"] < 300


def test_the_dashboard_groups_recent_entries_by_day_and_cuts_long_ones(
    system, long_and_short_entry_today: Page
):
    page = long_and_short_entry_today
    page.goto(system.frontend_url + "/")
    recent = page.locator("#recent-entries")

    # one heading for the day, over both entries
    expect(recent.get_by_role("heading")).to_have_count(1)
    expect(recent.locator(".recent-day")).to_have_count(1)
    expect(recent.locator(".recent-day .timeline-entry")).to_have_count(2)
    # and the long one is cut, with its toggle
    long_card = recent.locator(".timeline-entry").filter(has_text="Rebuilt the invoice export")
    assert long_card.bounding_box()["height"] < 300
    long_card.get_by_role("button", name=re.compile(r"^Show more")).click()
    assert long_card.bounding_box()["height"] > 1_000


def test_without_javascript_show_more_leads_to_the_whole_entry(
    system, browser, long_and_short_entry_today: Page
):
    signed_in_state = long_and_short_entry_today.context.storage_state()
    page = browser.new_context(java_script_enabled=False, storage_state=signed_in_state).new_page()
    page.goto(system.frontend_url + "/timeline/")
    long_card = page.locator(".timeline-entry").filter(has_text="Rebuilt the invoice export")
    assert long_card.bounding_box()["height"] < 300

    long_card.get_by_role("link", name=re.compile(r"^Show more")).click()

    expect(page).to_have_url(re.compile(r"/entries/\d+/$"))
    expect(page.locator(".entry-content")).to_have_text(LONG_CONTENT)
