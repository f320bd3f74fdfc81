"""Enhancing an entry in a real browser, against the real worker and the local LLM provider: the
estimate first, the job's progress live, the proposal accepted (the entry's text and history change)
or rejected (nothing changes), and the reserve charged exactly the job's actual cost."""

import re
from decimal import ROUND_DOWN, Decimal

from playwright.sync_api import Page, expect

ENTRY = (
    "Migrated the billing service to PostgreSQL with Python and Kubernetes. "
    "Cut p95 latency by 40% for 3000 customers."
)


def dollars_shown(text: str) -> Decimal:
    """ "$24.99" or "$0.000124" as a Decimal."""
    return Decimal(re.search(r"-?\$([0-9,.]+)", text).group(1).replace(",", ""))


def to_cents(amount: Decimal) -> Decimal:
    """As the status bar shows an amount: to the cent, toward zero."""
    return amount.quantize(Decimal("0.01"), rounding=ROUND_DOWN)


def exact_balance(page: Page) -> Decimal:
    """The reserve balance to the micro-dollar, as the status bar's balance says on hover (it shows
    cents; a job's cost is often below one)."""
    return dollars_shown(page.locator("#status-balance").get_attribute("title"))


def tokens_shown(page: Page) -> tuple[int, int]:
    text = page.locator("#status-bar [title='Tokens in / out']").inner_text()
    tokens_in, tokens_out = re.search(r"(\d+) / (\d+)", text).groups()
    return int(tokens_in), int(tokens_out)


def top_up_25_dollars(page: Page, base_url: str) -> None:
    page.goto(base_url + "/billing/")
    page.get_by_role("button", name="$25", exact=True).click()
    page.get_by_role("button", name="Pay 25.00 USD").click()
    expect(page.locator("#reserve-balance")).to_contain_text("25.00", timeout=20_000)


def log_entry(page: Page, base_url: str, text: str) -> str:
    """Logs an entry from the quick-add modal; its page's path."""
    page.keyboard.press("n")
    expect(page.locator("#quick-add textarea[name=content]")).to_be_focused()
    page.keyboard.type(text)
    page.keyboard.press("Control+Enter")
    expect(page.locator("#quick-add")).to_be_hidden()
    page.goto(base_url + "/timeline/")
    return page.locator("#timeline-entries .timeline-entry a[href^='/entries/']").first.get_attribute("href")


def enhance_and_wait(page: Page, base_url: str, entry_path: str) -> Decimal:
    """Enhance from the entry's page: the estimate, Start, the job's page until it has ended.
    Returns the job's actual cost as its page shows it."""
    page.goto(base_url + entry_path)
    page.get_by_role("link", name="Enhance").click()
    expect(page.locator("#enhance-estimate")).to_contain_text(
        re.compile(r"This will hold at most \$0\.\d+ from your reserve \(available \$\d")
    )
    page.get_by_role("button", name="Start").click()
    page.wait_for_url(re.compile(r"/jobs/\d+/$"))
    expect(page.locator("#job-steps")).to_be_visible(timeout=20_000)
    expect(page.locator("#job-live [data-status='succeeded']").first).to_be_visible(timeout=30_000)
    # The ended job's fragment has no trigger: the page stops polling by itself.
    expect(page.locator("#job-live[data-polling]")).to_have_count(0)
    expect(page.locator("#proposal-content")).to_be_visible()
    return dollars_shown(page.locator("#job-actual-cost").inner_text()), job_tokens(page)


def job_tokens(page: Page) -> tuple[int, int]:
    tokens = page.locator("#job-tokens")
    return int(tokens.locator("[data-tokens-in]").inner_text()), int(
        tokens.locator("[data-tokens-out]").inner_text()
    )


def test_an_accepted_enhancement_changes_the_entry_and_costs_exactly_its_price_a_rejected_one_nothing(
    system, member_page: Page
):
    page = member_page
    base = system.frontend_url
    top_up_25_dollars(page, base)
    page.goto(base + "/")
    entry_path = log_entry(page, base, ENTRY)
    page.goto(base + entry_path)
    expect(page.locator("#status-balance")).to_contain_text("$25.00")
    assert tokens_shown(page) == (0, 0)
    expect(page.locator("#entry-history")).to_have_count(0)

    # when the person enhances the entry and accepts the proposal
    first_cost, first_tokens = enhance_and_wait(page, base, entry_path)
    proposed = page.locator("#proposal-content").inner_text()
    assert proposed != ENTRY  # the local provider leads with the sentence that states figures
    expect(page.locator("#proposal-original")).to_have_text(ENTRY)
    page.get_by_role("button", name="Accept").click()
    expect(page.locator("#proposal-decision")).to_contain_text(
        "the entry now has this text; the old text is kept in its history"
    )

    # then the reserve was charged exactly the job's actual cost, and tokens were counted
    assert Decimal(0) < first_cost < Decimal("0.01")
    expect(page.locator("#status-balance")).to_contain_text(f"${to_cents(Decimal(25) - first_cost)}")
    page.goto(base + "/billing/")
    expect(page.locator("#ledger tbody tr[data-kind='usage']")).to_have_count(1)
    assert exact_balance(page) == Decimal(25) - first_cost
    tokens_after_first = tokens_shown(page)
    assert tokens_after_first == first_tokens and first_tokens[0] > 0 and first_tokens[1] > 0

    # and the entry has the proposed text, with the old one in its history
    page.goto(base + entry_path)
    expect(page.locator("#entry-view .entry-content")).to_have_text(proposed)
    expect(page.locator("#entry-history li")).to_have_count(1)
    expect(page.locator("#entry-history li").first).to_contain_text(ENTRY)
    expect(page.locator("#entry-history li").first).to_contain_text("enhancement accepted")

    # when a second enhancement is rejected
    second_cost, second_tokens = enhance_and_wait(page, base, entry_path)
    page.get_by_role("button", name="Reject").click()
    expect(page.locator("#proposal-decision")).to_contain_text("the entry was left as it was")

    # then the entry and its history are unchanged, and only the second run's cost was charged
    page.goto(base + entry_path)
    expect(page.locator("#entry-view .entry-content")).to_have_text(proposed)
    expect(page.locator("#entry-history li")).to_have_count(1)
    page.goto(base + "/billing/")
    expect(page.locator("#ledger tbody tr[data-kind='usage']")).to_have_count(2)
    assert exact_balance(page) == Decimal(25) - first_cost - second_cost
    expect(page.locator("#status-balance")).to_contain_text(
        f"${to_cents(Decimal(25) - first_cost - second_cost)}"
    )
    tokens_after_second = tokens_shown(page)
    assert tokens_after_second == (first_tokens[0] + second_tokens[0], first_tokens[1] + second_tokens[1])
    expect(page.locator("#reserve-balance")).to_contain_text(
        str(to_cents(Decimal(25) - first_cost - second_cost))
    )
