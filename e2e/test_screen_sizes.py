"""Every page on a phone (390 x 844) and on a laptop (1280 px wide), in a real browser (issue 9,
items 13 and 16): nothing wider than the screen, the top bar's buttons and the user menu (the only
way to sign out) on screen, and page titles on one line."""

import re

import pytest
from playwright.sync_api import Page, expect

PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1280, "height": 900}

SIGNED_OUT_PAGES = ["/signin/", "/signup/", "/password/reset/", "/password/reset/no-such-key/"]
MEMBER_PAGES = [
    "/",
    "/timeline/",
    "/timeline/?search=invoice",
    "/entries/{entry}/",
    "/entries/{entry}/?edit=1",
    "/entries/{entry}/delete/",
    "/entries/new/",
    "/billing/",
    "/team/",
    "/team/leave/",
    "/profile/",
    "/profile/close/",
    "/profile/security/",
    "/profile/security/confirm/",
    "/data/export/",
    "/entries/import/",
    "/admin/users/",  # a member is refused: the "not allowed" page
]
OPERATOR_PAGES = [
    "/admin/passkeys/",
    "/admin/passkeys/{passkey}/",
    "/admin/users/",
    "/admin/billing/",
    "/admin/billing/?tenant={tenant}",
    "/admin/billing/rate-cards/",
    "/admin/billing/usage/",
    "/admin/audit/",
]

# What sticks out to the right of the screen, for the failure message.
WIDER_THAN_THE_SCREEN = """() => {
  const width = document.documentElement.clientWidth;
  return [...document.querySelectorAll("body *")]
    .filter((element) => element.getBoundingClientRect().right > width + 0.5)
    .filter((element) => !element.closest(".table-responsive, .offcanvas, .modal:not(.show), .dropdown-menu:not(.show)"))
    .slice(0, 5)
    .map((element) => `${element.tagName.toLowerCase()}#${element.id}.${element.className}`);
}"""


def assert_fits_the_screen(page: Page, width: int) -> None:
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= width, (page.url, scroll_width, page.evaluate(WIDER_THAN_THE_SCREEN))


def assert_on_screen(page: Page, locator, width: int) -> None:
    expect(locator).to_be_visible()
    box = locator.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= width, (page.url, box)


def assert_new_entry_and_sign_out_are_reachable(page: Page, width: int) -> None:
    assert_on_screen(page, page.get_by_role("button", name="New entry"), width)
    page.locator("#user-menu").click()
    sign_out = page.get_by_role("button", name="Sign out")
    assert_on_screen(page, sign_out, width)
    page.keyboard.press("Escape")
    expect(sign_out).to_be_hidden()


@pytest.fixture
def an_entry(system, member_page: Page) -> str:
    """A long entry with long words in it (the hardest case for a narrow screen); its id."""
    page = member_page
    page.get_by_role("button", name="New entry").click()
    modal = page.locator("#quick-add")
    modal.get_by_label("What did you do?").fill(
        "Rebuilt the invoice export https://example.com/"
        + "averyverylongunbrokenword" * 8
        + " "
        + "and more. " * 300
    )
    modal.get_by_label("Employer").fill("Acme Corporation International Holdings Limited")
    modal.get_by_label("Project").fill("The quarterly invoice export rebuild")
    modal.get_by_label("Tags").fill("a-rather-long-tag-name, python")
    modal.get_by_role("button", name="Save entry").click()
    expect(modal).to_be_hidden()
    page.goto(system.frontend_url + "/timeline/")
    href = page.locator(".timeline-entry a", has_text="Open").first.get_attribute("href")
    return re.search(r"/entries/(\d+)/", href).group(1)


def test_every_signed_out_page_fits_a_phone(system, page: Page):
    page.set_viewport_size(PHONE)
    for path in SIGNED_OUT_PAGES:
        page.goto(system.frontend_url + path)
        assert_fits_the_screen(page, PHONE["width"])


def test_every_page_of_a_member_fits_a_phone_with_new_entry_and_sign_out_on_screen(
    system, member_page: Page, an_entry: str
):
    page = member_page
    page.set_viewport_size(PHONE)
    for path in MEMBER_PAGES:
        page.goto(system.frontend_url + path.format(entry=an_entry))
        assert_fits_the_screen(page, PHONE["width"])
        assert_new_entry_and_sign_out_are_reachable(page, PHONE["width"])

    # the quick-add modal fits too
    page.goto(system.frontend_url + "/timeline/")
    page.get_by_role("button", name="New entry").click()
    expect(page.locator("#quick-add").get_by_label("What did you do?")).to_be_visible()
    assert_fits_the_screen(page, PHONE["width"])
    assert_on_screen(
        page, page.locator("#quick-add").get_by_role("button", name="Save entry"), PHONE["width"]
    )


def test_every_admin_page_fits_a_phone_with_new_entry_and_sign_out_on_screen(
    system, operator_page: Page, member_page: Page
):
    page = operator_page
    page.goto(system.frontend_url + "/admin/passkeys/")
    passkey = page.locator("#passkey-table tbody tr").first.get_attribute("id").removeprefix("passkey-")
    page.goto(system.frontend_url + "/admin/billing/")
    tenant = page.locator("#ledger-tenant option").nth(1).get_attribute("value")
    page.set_viewport_size(PHONE)
    for path in OPERATOR_PAGES:
        page.goto(system.frontend_url + path.format(passkey=passkey, tenant=tenant))
        page.wait_for_load_state("networkidle")  # the usage costs arrive after the page
        assert_fits_the_screen(page, PHONE["width"])
        assert_new_entry_and_sign_out_are_reachable(page, PHONE["width"])


def test_signing_out_on_a_phone_works_from_the_user_menu(system, member_page: Page):
    page = member_page
    page.set_viewport_size(PHONE)
    page.goto(system.frontend_url + "/timeline/")

    page.get_by_role("button", name="Your account").click()
    page.get_by_role("button", name="Sign out").click()

    expect(page).to_have_url(re.compile(r"/signin/"))


def test_page_titles_stay_on_one_line_on_a_laptop(
    system, operator_page: Page, an_entry: str, member_page: Page
):
    member_page.set_viewport_size(LAPTOP)
    operator_page.set_viewport_size(LAPTOP)
    passkey_page = operator_page
    passkey_page.goto(system.frontend_url + "/admin/passkeys/")
    passkey = (
        passkey_page.locator("#passkey-table tbody tr").first.get_attribute("id").removeprefix("passkey-")
    )
    visits = [(member_page, path.format(entry=an_entry)) for path in MEMBER_PAGES] + [
        (operator_page, path.format(passkey=passkey, tenant="")) for path in OPERATOR_PAGES
    ]
    for page, path in visits:
        page.goto(system.frontend_url + path)
        title = page.locator("h1.app-page-title")
        line_height = float(title.evaluate("(element) => parseFloat(getComputedStyle(element).lineHeight)"))
        assert title.bounding_box()["height"] < 1.5 * line_height, (path, title.inner_text())
        # nor cut short with an ellipsis
        assert title.evaluate("(element) => element.scrollWidth <= element.clientWidth"), path
        assert_fits_the_screen(page, LAPTOP["width"])
