"""Closing an account in a real browser: a fresh person with an entry and an evidence file closes
their account from the Profile page; afterwards their e-mail and password no longer sign in (the
ordinary message, nothing that says the account existed) and the entry's page is out of reach."""

import re

from playwright.sync_api import Page, expect
from test_worklogs import add_entry

from conftest import NEW_PASSWORD

ENTRY = "Planned the capacity for the next quarter"
WRONG_CREDENTIALS = "The email address and/or password you specified are not correct."


def test_a_person_closes_their_account_and_cannot_sign_in_again(system, member_page: Page, tmp_path):
    page = member_page
    email = f"member-{page.member_name.split()[-1]}@example.com"
    # given an entry with an evidence file
    page.goto(system.frontend_url + "/timeline/")
    add_entry(page, ENTRY, "planning")
    page.locator("#timeline-entries .timeline-entry").first.get_by_role(
        "link", name=re.compile("Open")
    ).click()
    entry_url = page.url
    plan = tmp_path / "capacity-plan.csv"
    plan.write_text("quarter,requests_per_second\nQ1,1200\n")
    page.get_by_label("Add a file").set_input_files(str(plan))
    page.get_by_role("button", name="Upload").click()
    expect(page.get_by_text("File added.")).to_be_visible()

    # when they close their account from the Profile page
    page.goto(system.frontend_url + "/profile/")
    page.get_by_role("link", name="Close account…").click()
    expect(page).to_have_url(system.frontend_url + "/profile/close/")
    expect(page.locator("#close-deleted")).to_contain_text("1 entry, with 1 evidence file")
    expect(page.get_by_role("link", name="Download your data first")).to_have_attribute(
        "href", "/data/export/"
    )
    page.get_by_label("Your password").fill(NEW_PASSWORD)
    page.get_by_label("Type the phrase to confirm").fill("close my account")
    page.get_by_role("button", name="Close my account for good").click()

    # then they are signed out, told so, and cannot sign in again
    expect(page).to_have_url(system.frontend_url + "/signin/")
    expect(page.get_by_text("Your account is closed.")).to_be_visible()
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#form-errors")).to_have_text(WRONG_CREDENTIALS)
    expect(page).to_have_url(re.compile(r"/signin/"))
    # and the entry's page is out of reach
    page.goto(entry_url)
    expect(page).to_have_url(re.compile(r"/signin/\?next="))
