"""Toasts that pile up (issue 9, item 16): at most three at a time, and whatever they cover can be
scrolled out from under them."""

from playwright.sync_api import Page, expect

COVERS_IT = """(element) => {
  const box = element.getBoundingClientRect();
  const found = document.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2);
  return found !== element && !element.contains(found);
}"""


def test_stacked_toasts_stay_three_and_leave_the_last_link_of_the_page_reachable(
    system, operator_page: Page, console_errors
):
    page = operator_page
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(system.frontend_url + "/profile/")

    # when five things happen in a row (five copies, five saves…)
    for number in range(1, 6):
        page.evaluate(f"window.afterresumeToast('Saved {number}.', 'success')")

    # then the three newest show
    toasts = page.locator("#toast-area .toast")
    expect(toasts).to_have_count(3)
    expect(toasts).to_have_text(["Saved 3.", "Saved 4.", "Saved 5."])

    # and the page's last link (the footer's, under them) can be scrolled clear and clicked
    footer_link = page.get_by_role("contentinfo").get_by_role("link", name="API")
    page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
    assert not footer_link.evaluate(COVERS_IT)
    assert console_errors == []
