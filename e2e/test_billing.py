"""The reserve in a real browser (issue 5, first slice): an operator's adjustment reaches the
workspace's ledger, the audit log and the member's status bar."""

import re

from playwright.sync_api import Page, expect


def test_an_operator_adjusts_a_reserve_and_sees_it_in_the_ledger_and_the_audit_log(
    system, operator_page: Page, member_page: Page
):
    workspace = member_page.member_name  # a new workspace is named after its owner
    expect(member_page.locator("#status-balance")).to_contain_text("$0.00")

    # given the adjustment form, where no workspace is chosen in advance
    page = operator_page
    page.goto(system.frontend_url + "/admin/billing/")
    form = page.get_by_role("region", name="Manual adjustment")
    expect(form.get_by_label("Workspace")).to_have_value("")

    # when the operator reviews a -$5 adjustment with a reason
    form.get_by_label("Workspace").select_option(label=workspace)
    form.get_by_label("Amount (USD, negative to debit)").fill("-5")
    form.get_by_label("Reason").fill("Correction agreed with the customer")
    form.get_by_role("button", name="Review adjustment").click()

    # then the page says that it takes the balance below zero, to what, and posts nothing yet
    review = page.locator("#adjust-review")
    expect(review).to_contain_text(
        f"{workspace}: 0.00 USD now, -5.00 USD after this adjustment of -5.00 USD."
    )
    expect(review).to_contain_text("This takes the balance below zero.")
    member_page.reload()
    expect(member_page.locator("#status-balance")).to_contain_text("$0.00")

    # when the operator confirms
    review.get_by_role("button", name="Post it anyway: balance -5.00 USD").click()

    # then it is in that workspace's ledger
    expect(page.get_by_text("Adjustment of -5.00 USD posted; the balance is now -5.00 USD.")).to_be_visible()
    ledger = page.locator("#tenant-ledger #ledger")
    expect(ledger.locator("tbody tr")).to_have_count(1)
    expect(ledger.locator("tbody tr").first).to_contain_text("-5.00")
    expect(ledger.locator("tbody tr").first).to_contain_text("Correction agreed with the customer")

    # and in the audit log, billing category
    page.goto(system.frontend_url + "/admin/audit/?category=billing")
    row = page.locator("#audit-table tr[data-action='reserve.adjusted']").first
    expect(row).to_contain_text("-5.00 USD: Correction agreed with the customer")
    expect(row).to_contain_text(workspace)

    # and the member sees it: the status bar (red, negative) and the billing page
    member_page.goto(system.frontend_url + "/billing/")
    expect(member_page.locator("#status-balance")).to_contain_text("-$5.00")
    expect(member_page.locator("#status-balance")).to_have_class(re.compile("text-danger"))
    expect(member_page.locator("#reserve-balance")).to_contain_text("-5.00")
    expect(member_page.locator("#ledger tbody tr").first).to_contain_text(
        "Correction agreed with the customer"
    )


def test_a_member_tops_up_25_dollars_in_simulated_mode_and_sees_it_everywhere(system, member_page: Page):
    page = member_page
    page.goto(system.frontend_url + "/billing/")
    expect(page.locator("#reserve-balance")).to_contain_text("0.00")

    # when the person picks $25 and pays on the (simulated) checkout page
    page.get_by_role("button", name="$25", exact=True).click()
    expect(page.locator("#amount")).to_have_text("25.00 USD")
    page.get_by_role("button", name="Pay 25.00 USD").click()

    # then they are back on billing, and the webhook's credit shows in the balance, the ledger and
    # the status bar
    expect(page.locator("#topup-success")).to_be_visible()
    expect(page.locator("#reserve-balance")).to_contain_text("25.00", timeout=20_000)
    expect(page.locator("#status-balance")).to_contain_text("$25.00")
    page.reload()
    row = page.locator("#ledger tbody tr").first
    expect(row).to_contain_text("Top-up")
    expect(row).to_contain_text("25.00")
