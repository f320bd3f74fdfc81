"""Admin → Metrics in a real browser, against the real worker on the run command's embedded
default: before any run the page explains itself; a backfill computes the days on the worker and
the charts are drawn from the snapshots; a change of grouping updates the address and the charts;
a chart's CSV has the numbers the API answers."""

import csv
import io
import json
import re
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

from playwright.sync_api import Page, expect
from test_jobs import log_entry
from test_reports import create_api_token


def api_days(backend_url: str, token: str, date_from, date_to) -> list[dict]:
    request = urllib.request.Request(  # noqa: S310 (loopback only)
        f"{backend_url}/api/system/metrics/daily/?date_from={date_from}&date_to={date_to}",
        headers={"Authorization": f"Bearer {token}"},
    )
    with urllib.request.urlopen(request, timeout=15) as response:  # noqa: S310 (loopback only)
        return json.load(response)


def test_the_executive_dashboard_charts_backfilled_days_and_its_csv_matches_the_api(
    system, operator_page: Page
):
    page = operator_page
    base = system.frontend_url
    today = datetime.now(UTC).date()
    date_from = today - timedelta(days=2)
    page.goto(base + "/")
    log_entry(page, base, "Reviewed the quarterly metrics with the team")
    token = create_api_token(page, base)

    # before any run for that range: the page explains where figures come from
    page.goto(f"{base}/admin/metrics/?date_from={date_from}&date_to={today}")
    expect(page.locator("#metrics-empty")).to_contain_text("computed by the background scheduler (beat)")

    # when the operator backfills the three days
    page.locator("#metrics-backfill").get_by_role("button", name="Backfill these days").click()
    expect(page.locator(".app-messages .alert-success")).to_contain_text("Computing 3 days on the workers")
    expect(page).to_have_url(re.compile(rf"date_from={date_from}&date_to={today}$"))

    # then, as the worker finishes, the charts are drawn from the snapshots (the page refreshes itself
    # every minute; a reload is quicker)
    for _ in range(60):
        if len(api_days(system.backend_url, token, date_from, today)) == 3:
            break
        page.wait_for_timeout(500)
    page.reload()
    expect(page.locator("canvas[data-chart]")).to_have_count(6)
    expect(page.locator("canvas[data-drawn='true']")).to_have_count(6)
    expect(page.locator("#metrics-summary")).to_contain_text("3 computed days")
    expect(page.locator("#metrics-runs li[data-status='succeeded']")).to_have_count(3)

    # when the grouping changes, the address and the charts follow (without a page load)
    page.evaluate("window.notReloaded = true")
    page.get_by_label("Group by").select_option("month")
    expect(page).to_have_url(re.compile(r"group=month"))
    months = sorted({date_from.strftime("%Y-%m"), today.strftime("%Y-%m")})
    entries_table = page.locator("table[data-chart-table='entries'] tbody th")
    expect(entries_table).to_have_text(months)
    expect(page.locator("canvas[data-drawn='true']")).to_have_count(6)
    assert page.evaluate("window.notReloaded") is True

    # and a chart's CSV has what the API answers for those days
    with page.expect_download() as download_info:
        page.locator("#chart-entries").get_by_role("link", name=re.compile("CSV")).click()
    rows = list(csv.reader(io.StringIO(Path(download_info.value.path()).read_text())))
    days = api_days(system.backend_url, token, date_from, today)
    by_month: dict[str, int] = {}
    for day in days:
        by_month[day["day"][:7]] = by_month.get(day["day"][:7], 0) + day["figures"]["entries"]
    assert rows == [["period", "entries"]] + [
        [month, str(count)] for month, count in sorted(by_month.items())
    ]
    assert sum(by_month.values()) >= 1  # the entry logged above, today
