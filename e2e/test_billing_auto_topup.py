"""Automatic top-up, rate cards and usage costs in a real browser (issue 5, second slice), and the
status bar's back-off on errors, proved with Playwright's fake clock."""

import re
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise

import pytest
from playwright.sync_api import Page, Route, expect

# --- automatic top-up --------------------------------------------------------------------------------


def test_a_member_saves_the_card_with_a_top_up_and_sets_an_automatic_top_up_to_a_target(
    system, member_page: Page
):
    page = member_page
    page.goto(system.frontend_url + "/billing/")
    auto_topup = page.get_by_role("region", name="Automatic top-up")
    expect(auto_topup.locator("#saved-card")).to_contain_text("No card saved yet")

    # when the owner tops up $25 with "save the card" ticked and pays on the (simulated) checkout
    page.get_by_label("Save the card for automatic top-ups").check()
    page.get_by_role("button", name="$25", exact=True).click()
    expect(page.locator("#amount")).to_have_text("25.00 USD")
    expect(page.get_by_text("Visa •••• 4242, which is saved for automatic top-ups")).to_be_visible()
    page.get_by_role("button", name="Pay 25.00 USD").click()

    # then the balance refreshes itself to $25, and so does the card the webhook saved for automatic
    # top-ups (no reload: "No card saved yet" is replaced as the balance is)
    expect(page.locator("#topup-success")).to_be_visible()
    expect(page.locator("#reserve-balance")).to_contain_text("25.00", timeout=20_000)
    expect(auto_topup.locator("#saved-card")).to_have_text(
        "Card for automatic top-ups: Visa •••• 4242.", timeout=20_000
    )

    # when they turn automatic top-up on, filling up to $60 at most $100 a month
    switch = auto_topup.get_by_label("Top up automatically when the balance runs low")
    expect(switch).not_to_be_checked()
    switch.check()
    # only the field of the chosen way shows: the fixed amount, then the target once chosen
    expect(auto_topup.get_by_label("Target balance (USD)")).to_be_hidden()
    auto_topup.get_by_label("Fill up to a target balance").check()
    expect(auto_topup.get_by_label("Fixed amount (USD)")).to_be_hidden()
    auto_topup.get_by_label("Target balance (USD)").fill("60")
    auto_topup.get_by_label("At most per month (USD)").fill("100")
    auto_topup.get_by_role("button", name="Save automatic top-up").click()

    # then it is saved, and a reload shows every choice kept
    expect(page.get_by_role("status").filter(has_text="Automatic top-up saved")).to_have_text(
        "Automatic top-up saved (on)."
    )
    page.reload()
    expect(switch).to_be_checked()
    expect(auto_topup.get_by_label("Fill up to a target balance")).to_be_checked()
    expect(auto_topup.get_by_label("Add a fixed amount")).not_to_be_checked()
    expect(auto_topup.get_by_label("Target balance (USD)")).to_have_value("60.00")
    expect(auto_topup.get_by_label("At most per month (USD)")).to_have_value("100.00")
    expect(auto_topup.locator("#auto-topup-spent")).to_have_text("This month: 0.00 of 100.00 USD.")
    # $25 is above the $5 threshold: nothing was charged automatically
    expect(page.locator("#reserve-balance")).to_contain_text("25.00")
    expect(auto_topup.locator("#auto-topups")).to_have_count(0)


def test_a_target_at_or_below_the_low_balance_threshold_is_refused_next_to_the_field(
    system, member_page: Page
):
    page = member_page
    page.goto(system.frontend_url + "/billing/")
    auto_topup = page.get_by_role("region", name="Automatic top-up")

    # when the owner asks to fill up to $2 while the low-balance threshold is $5
    auto_topup.get_by_label("Top up automatically when the balance runs low").check()
    auto_topup.get_by_label("Fill up to a target balance").check()
    target = auto_topup.get_by_label("Target balance (USD)")
    target.fill("2")
    auto_topup.get_by_role("button", name="Save automatic top-up").click()

    # then the backend's reason is shown under that field, which keeps what was typed
    field = auto_topup.locator(".mb-3").filter(has=page.get_by_label("Target balance (USD)"))
    expect(field.locator(".invalid-feedback")).to_have_text(
        "The target must be above the low-balance threshold, or a top-up would not lift the "
        "balance out of it."
    )
    expect(target).to_have_value("2")
    expect(target).to_have_attribute("aria-invalid", "true")
    expect(auto_topup.get_by_label("Top up automatically when the balance runs low")).to_be_checked()
    expect(page.get_by_text("Automatic top-up saved")).to_have_count(0)

    # and nothing was saved: automatic top-up is still off, with the default target
    page.goto(system.frontend_url + "/billing/")
    expect(auto_topup.get_by_label("Top up automatically when the balance runs low")).not_to_be_checked()
    expect(auto_topup.get_by_label("Add a fixed amount")).to_be_checked()
    expect(auto_topup.get_by_label("Target balance (USD)")).to_have_value("50.00")


# --- operators: rate cards and usage costs -----------------------------------------------------------


def test_an_operator_schedules_new_prices_from_a_copy_of_the_rate_card_in_force(system, operator_page: Page):
    page = operator_page
    page.goto(system.frontend_url + "/admin/billing/")
    page.get_by_role("link", name="Rate cards").click()
    expect(page).to_have_url(system.frontend_url + "/admin/billing/rate-cards/")

    # given the seeded standard prices, in force
    versions = page.locator("#rate-card-versions tbody tr")
    in_force = versions.and_(page.locator("[data-status='in-force']"))
    expect(in_force).to_have_count(1)
    expect(in_force.get_by_role("cell").first).to_have_text("standard")
    expect(in_force.locator(".badge")).to_have_text("in force")
    expect(in_force.get_by_role("listitem")).to_have_text(
        [
            "local tokens_in: $0.50 per 1,000,000 tokens_in",
            "local tokens_out: $1.50 per 1,000,000 tokens_out",
        ]
    )
    scheduled = versions.and_(page.locator("[data-status='scheduled']"))
    scheduled_before = scheduled.count()

    # when the operator raises the input-token price in the form prefilled from it, keeping the start
    new_version = page.get_by_role("region", name="New version")
    expect(new_version.locator("#new-version-source")).to_contain_text(
        "Prefilled with the prices of standard"
    )
    rows = new_version.locator("#items-rows tr")
    first_row, second_row = rows.nth(0), rows.nth(1)
    expect(first_row.get_by_label("Meter")).to_have_value("tokens_in")
    expect(first_row.get_by_label("Price (USD)")).to_have_value("0.50")
    expect(second_row.get_by_label("Meter")).to_have_value("tokens_out")
    expect(second_row.get_by_label("Price (USD)")).to_have_value("1.50")
    first_row.get_by_label("Price (USD)").fill("0.75")
    new_version.get_by_label("Note").fill("e2e: dearer input tokens")
    starts = new_version.get_by_label("Starts (UTC)").input_value()
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT00:00", starts), starts
    assert datetime.fromisoformat(starts).replace(tzinfo=UTC) > datetime.now(UTC)  # in the future
    page.once("dialog", lambda dialog: dialog.accept())
    new_version.get_by_role("button", name="Save new version").click()

    # then it is listed as scheduled, with the changed price and the others copied
    expect(page.get_by_role("status").filter(has_text="prices from")).to_have_text(
        f"New standard prices from {starts.replace('T', ' ')} UTC saved."
    )
    expect(page).to_have_url(re.compile(r"/admin/billing/rate-cards/#rate-card-version-\d+$"))
    created = page.locator("#" + page.url.rsplit("#", 1)[1])
    expect(scheduled).to_have_count(scheduled_before + 1)
    expect(created).to_have_attribute("data-status", "scheduled")
    expect(created.locator(".badge")).to_have_text("scheduled")
    expect(created).to_contain_text("e2e: dearer input tokens")
    expect(created).to_contain_text(f"from {starts.replace('T', ' ')}")
    expect(created.get_by_role("listitem")).to_have_text(
        [
            "local tokens_in: $0.75 per 1,000,000 tokens_in",
            "local tokens_out: $1.50 per 1,000,000 tokens_out",
        ]
    )
    # and the version in force keeps its prices, now until the next version starts
    expect(in_force).to_have_count(1)
    expect(in_force.get_by_role("listitem").first).to_have_text(
        "local tokens_in: $0.50 per 1,000,000 tokens_in"
    )
    expect(in_force).to_contain_text(re.compile(r"until \d{4}-\d\d-\d\d 00:00"))


def test_the_usage_costs_section_loads_by_itself_and_filters_by_dates_into_the_address(
    system, operator_page: Page
):
    page = operator_page
    page.goto(system.frontend_url + "/admin/billing/")
    usage = page.get_by_role("region", name="Usage costs")

    # the section loads after the page: no usage yet (no job has called the LLM), last 30 days
    empty = "No usage recorded in this period — usage is recorded when jobs call the LLM."
    expect(usage.locator("#no-usage")).to_have_text(empty)
    today = date.fromisoformat(usage.get_by_label("To").input_value())
    expect(usage.get_by_label("From")).to_have_value((today - timedelta(days=29)).isoformat())
    expect(usage.get_by_label("Workspace")).to_have_value("")

    # when the operator asks for the last 7 days
    week_start = (today - timedelta(days=6)).isoformat()
    usage.get_by_label("From").fill(week_start)
    usage.get_by_role("button", name="Show", exact=True).click()

    # then the address holds the filter, the section answers for it, and a reload keeps it
    filtered = f"{system.frontend_url}/admin/billing/?date_from={week_start}&date_to={today.isoformat()}"
    expect(page).to_have_url(filtered)
    expect(usage.get_by_label("From")).to_have_value(week_start)
    expect(usage.locator("#no-usage")).to_have_text(empty)
    page.reload()
    expect(usage.locator("#no-usage")).to_have_text(empty)
    expect(usage.get_by_label("From")).to_have_value(week_start)
    expect(usage.get_by_label("To")).to_have_value(today.isoformat())


# --- the status bar backs off on errors ----------------------------------------------------------------

# Records when (on the page's clock, which Playwright fakes) each status-bar request is sent and when
# its answer (or failure) is in, and counts the finished ones on <html data-status-polls-done> for
# `expect` to wait on.
RECORD_STATUS_POLLS = """
window.statusPolls = [];
const open = XMLHttpRequest.prototype.open;
const send = XMLHttpRequest.prototype.send;
XMLHttpRequest.prototype.open = function (method, url, ...rest) {
  this.isStatusPoll = new URL(url, location.href).pathname === "/status-bar/";
  return open.call(this, method, url, ...rest);
};
XMLHttpRequest.prototype.send = function (...args) {
  if (this.isStatusPoll) {
    const poll = { sentAt: Date.now(), doneAt: null };
    window.statusPolls.push(poll);
    this.addEventListener("loadend", function () {
      poll.doneAt = Date.now();
      const html = document.documentElement;
      html.dataset.statusPollsDone = String(Number(html.dataset.statusPollsDone || 0) + 1);
    });
  }
  return send.apply(this, args);
};
"""

SECOND = 1_000
NORMAL = 30 * SECOND


@pytest.mark.parametrize("failure", ["server unavailable", "no connection", "backend unreachable"])
def test_the_status_bar_polls_every_30_s_backs_off_on_errors_and_recovers(
    system, operator_page: Page, failure: str
):
    page = operator_page
    failing = False

    def status_bar(route: Route) -> None:
        if not failing:
            route.continue_()
        elif failure == "server unavailable":
            # Not a 500: in development django-htmx's debug script shows a 500 as the whole page.
            route.fulfill(status=503, content_type="text/html", body="Service Unavailable")
        elif failure == "no connection":
            route.abort("connectionrefused")
        else:  # what the frontend answers when it cannot reach the backend
            route.fulfill(
                status=200,
                content_type="text/html",
                body='<span class="status-item" data-status="unreachable">Server unreachable</span>',
            )

    page.route(re.compile(r"/status-bar/$"), status_bar)
    page.add_init_script(RECORD_STATUS_POLLS)
    page.clock.install()
    html = page.locator("html")

    def polls_done(count: int) -> None:
        expect(html).to_have_attribute("data-status-polls-done", str(count), timeout=15_000)

    def poll_after(wait: int, count: int) -> None:
        """No poll until `wait` ms have passed, then exactly the `count`th one."""
        page.clock.run_for(wait - 1)
        assert page.evaluate("window.statusPolls.length") == count - 1, f"polled before {wait} ms"
        page.clock.run_for(1)
        polls_done(count)

    # given the page's first poll (on load) succeeded; from here on time moves only when told
    page.goto(system.frontend_url + "/profile/")
    polls_done(1)
    expect(page.locator("#status-bar")).to_contain_text("Connected")
    page.clock.pause_at(page.evaluate("Date.now()") / 1000 + 1)  # Python's clock API takes seconds
    page.clock.run_for(NORMAL)
    polls_done(2)

    # when the status bar's requests fail, the interval doubles each time
    failing = True
    poll_after(NORMAL, 3)
    poll_after(2 * NORMAL, 4)
    poll_after(4 * NORMAL, 5)

    # and once they succeed again, it is back to every 30 s
    failing = False
    poll_after(8 * NORMAL, 6)
    expect(page.locator("#status-bar")).to_contain_text("Connected")
    poll_after(NORMAL, 7)
    poll_after(NORMAL, 8)

    # the wait from each answer to the next request, from the second poll on (the clock was paused)
    polls = page.evaluate("window.statusPolls")
    waits = [later["sentAt"] - earlier["doneAt"] for earlier, later in pairwise(polls[1:])]
    assert waits == [NORMAL, 2 * NORMAL, 4 * NORMAL, 8 * NORMAL, NORMAL, NORMAL]
