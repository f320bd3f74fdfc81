"""Teams in a real browser (issue 14): an owner invites a teammate from the Team page, the teammate
signs up with the link into the same workspace, shares its balance but never sees the owner's
entries; the owner makes them an owner, then removes them, and they keep a workspace of their own."""

import os
import re
from pathlib import Path

from playwright.sync_api import Page, expect

from conftest import NEW_PASSWORD

SHOTS = Path(os.environ.get("E2E_SCREENSHOTS", "/tmp/afterresume-e2e-shots"))


def add_entry(page: Page, base_url: str, text: str) -> str:
    """An entry through the quick-add modal; its id."""
    page.goto(base_url + "/timeline/")
    page.get_by_role("button", name="New entry").click()
    modal = page.locator("#quick-add")
    modal.get_by_label("What did you do?").fill(text)
    modal.get_by_role("button", name="Save entry").click()
    expect(modal).to_be_hidden()
    page.goto(base_url + "/timeline/")
    href = page.locator(".timeline-entry a", has_text="Open").first.get_attribute("href")
    return re.search(r"/entries/(\d+)/", href).group(1)


def top_up_25_dollars(page: Page, base_url: str) -> None:
    page.goto(base_url + "/billing/")
    page.get_by_role("button", name="$25", exact=True).click()
    page.get_by_role("button", name="Pay 25.00 USD").click()
    expect(page.locator("#reserve-balance")).to_contain_text("25.00", timeout=20_000)


def test_an_owner_invites_a_teammate_who_signs_up_into_the_workspace(system, member_page: Page, browser):
    base = system.frontend_url
    owner = member_page  # signed up with an operator's passkey: the owner of a workspace of their own
    workspace = owner.member_name
    top_up_25_dollars(owner, base)
    entry = add_entry(owner, base, "Negotiated the vendor contract, privately noted")

    # when the owner invites someone from the Team page
    owner.goto(base + "/team/")
    owner.get_by_label("Note").fill("Tess, new teammate")
    owner.get_by_role("button", name="Create invite").click()
    link = owner.locator("#created-invite-link")
    expect(link).to_have_value(re.compile(r"^http://[^/]+/signup/\?passkey=arinv_"))
    expect(owner.locator("#invite-list")).to_contain_text("Tess, new teammate")
    signup_link = link.input_value()

    # and the teammate opens the link in their own browser and signs up
    teammate = browser.new_context().new_page()
    teammate.goto(signup_link)
    expect(teammate.get_by_label("Invite passkey")).to_have_value(re.compile(r"^arinv_"))
    email = f"tess-{signup_link[-8:].lower()}@example.com"
    teammate.get_by_label("Email").fill(email)
    teammate.get_by_label("Your name").fill("Tess Teammate")
    teammate.get_by_label("Password").fill(NEW_PASSWORD)
    teammate.get_by_role("button", name="Create account").click()
    teammate.wait_for_url(base + "/")

    # then the teammate is in the owner's workspace, sees its balance, and not the owner's entry
    expect(teammate.locator("#status-balance")).to_contain_text("$25.00", timeout=20_000)
    response = teammate.goto(base + f"/entries/{entry}/")
    assert response.status == 404
    teammate.goto(base + "/team/")
    expect(teammate.locator("#workspace-name")).to_have_text(workspace)
    expect(teammate.locator("#members")).to_contain_text(owner.member_name)
    expect(teammate.get_by_role("button", name="Create invite")).to_have_count(0)
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width in (1280, 390):
        teammate.set_viewport_size({"width": width, "height": 900})
        teammate.screenshot(path=str(SHOTS / f"team-member-{width}.png"), full_page=True)

    # and the owner sees them on the Team page and makes them an owner
    owner.goto(base + "/team/")
    row = owner.locator("#members tbody tr", has_text=email)
    expect(row).to_have_attribute("data-role", "member")
    row.get_by_label("Role of Tess Teammate", exact=True).select_option("owner")
    row.get_by_role("button", name="Save the role of Tess Teammate").click()
    expect(owner.get_by_text("Tess Teammate is now an owner.")).to_be_visible()
    row = owner.locator("#members tbody tr", has_text=email)
    expect(row).to_have_attribute("data-role", "owner")

    for width in (1280, 390):
        owner.set_viewport_size({"width": width, "height": 900})
        owner.screenshot(path=str(SHOTS / f"team-owner-{width}.png"), full_page=True)
    owner.set_viewport_size({"width": 1280, "height": 900})

    # when the owner removes them (after a confirmation saying they keep their entries)
    row.get_by_role("link", name="Remove Tess Teammate").click()
    expect(owner.get_by_text("They keep their entries")).to_be_visible()
    owner.get_by_role("button", name="Remove Tess Teammate").click()

    # then they are gone from the workspace, and have one of their own with an empty reserve
    expect(owner.get_by_text("Removed from the workspace.")).to_be_visible()
    expect(owner.locator("#members")).not_to_contain_text(email)
    teammate.goto(base + "/team/")
    expect(teammate.locator("#workspace-name")).not_to_have_text(workspace)
    expect(teammate.get_by_role("button", name="Create invite")).to_be_visible()  # they own it
    expect(teammate.locator("#status-balance")).to_contain_text("$0.00", timeout=20_000)


def test_the_last_owner_is_told_to_make_someone_else_owner_before_leaving(system, member_page: Page):
    page = member_page
    page.goto(system.frontend_url + "/team/leave/")

    expect(page.locator("#last-owner")).to_contain_text("Make someone else an owner")
    expect(page.get_by_role("button", name=re.compile(r"^Leave "))).to_be_disabled()
