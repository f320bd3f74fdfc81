"""Admin → Metrics (/admin/metrics/): the executive dashboard's charts from the platform's daily
snapshots, the range and grouping in the address, each chart's CSV, the empty state, the latest
runs and a backfill; against a fake backend at the HTTP boundary. To anyone but an operator the
pages do not exist (404), and the backend is not even asked."""

import csv
import io
import json
import re

import pytest
from django.utils import timezone

HTMX = {"HX-Request": "true"}


def figures(
    *, entries=0, dau=0, wau=0, mau=0, jobs=None, topups=0, revenue=0, cost=0, at_risk=0, signups=0
) -> dict:
    return {
        "workspaces": 3,
        "entries": entries,
        "active_users": {"day": dau, "week": wau, "month": mau},
        "signups": {"4": signups} if signups else {},
        "signups_total": signups,
        "jobs": jobs or {},
        "job_p95_ms": {},
        "topups": {"count": 1 if topups else 0, "micros": topups},
        "usage_revenue_micros": revenue,
        "usage": {
            "calls": 0,
            "tokens_in": 0,
            "tokens_out": 0,
            "priced_micros": 0,
            "provider_cost_micros": cost,
        },
        "margin_micros": revenue - cost,
        "balance_micros": 0,
        "at_risk": at_risk,
        "workspaces_failed": [],
    }


def snapshot(day: str, **values) -> dict:
    return {
        "day": day,
        "tenant_id": None,
        "is_final": True,
        "computed_at": f"{day}T23:59:00+00:00",
        "figures": figures(**values),
    }


# Mon 2026-11-23 .. Tue 2026-12-01: two ISO weeks (W48: 23 to 29 Nov; W49: 30 Nov, 1 Dec) and two months
DAYS = [
    snapshot(
        "2026-11-23",
        entries=4,
        dau=2,
        wau=3,
        mau=5,
        jobs={"worklog.enhance": {"succeeded": 2}},
        topups=25_000_000,
    ),
    snapshot(
        "2026-11-24",
        entries=1,
        dau=1,
        wau=3,
        mau=5,
        jobs={"report.generate": {"failed": 1}},
        revenue=12_345,
        cost=2_000,
    ),
    snapshot("2026-11-29", entries=0, dau=0, wau=2, mau=6, at_risk=1, signups=2),
    snapshot(
        "2026-11-30",
        entries=7,
        dau=3,
        wau=4,
        mau=6,
        jobs={"worklog.enhance": {"succeeded": 1, "canceled": 1}},
        revenue=1,
    ),
    snapshot("2026-12-01", entries=2, dau=1, wau=4, mau=7, at_risk=2, topups=10_000_000, signups=1),
]
RUNS = {
    "count": 2,
    "next": None,
    "previous": None,
    "results": [
        {
            "id": 9,
            "day": "2026-12-01",
            "is_final": False,
            "trigger": "hourly",
            "status": "failed",
            "tenants_total": 3,
            "failed_tenants": [{"tenant_id": 7, "error": "The workspace has no reserve account."}],
            "error": "The figures of 1 of 3 workspaces could not be computed (workspace 7: The workspace has no reserve account.).",
            "started_at": "2026-12-01T10:07:00+00:00",
            "finished_at": "2026-12-01T10:07:02+00:00",
        },
        {
            "id": 8,
            "day": "2026-11-30",
            "is_final": True,
            "trigger": "daily",
            "status": "succeeded",
            "tenants_total": 3,
            "failed_tenants": [],
            "error": "",
            "started_at": "2026-12-01T00:23:00+00:00",
            "finished_at": "2026-12-01T00:23:02+00:00",
        },
    ],
}


@pytest.fixture
def metrics_backend(backend):
    backend.expect_request("/api/system/metrics/daily/", method="GET").respond_with_json(DAYS)
    backend.expect_request("/api/system/metrics/runs/", method="GET").respond_with_json(RUNS)
    return backend


def table_of(page: str, key: str) -> list[list[str]]:
    table = re.search(
        rf'<table class="table table-sm small mb-0" data-chart-table="{key}">(.*?)</table>', page, re.S
    )
    return [
        [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
        for row in re.findall(r"<tr>(.*?)</tr>", table.group(1), re.S)
    ]


def asked(backend, path: str) -> list[dict]:
    return [dict(request.args.items()) for request, _ in backend.log if request.path == path]


@pytest.mark.parametrize(
    ("method", "path"),
    [("get", "/admin/metrics/"), ("get", "/admin/metrics/entries.csv"), ("post", "/admin/metrics/backfill/")],
)
def test_a_member_gets_a_404_and_the_backend_is_not_asked(method, path, backend, signed_in):
    response = getattr(signed_in, method)(path)

    assert response.status_code == 404
    assert not [request for request, _ in backend.log if request.path.startswith("/api/system/")]


def test_the_charts_show_each_day_of_the_range_with_the_same_numbers_in_their_tables(
    metrics_backend, signed_in_operator
):
    response = signed_in_operator.get("/admin/metrics/?date_from=2026-11-23&date_to=2026-12-01")

    assert response.status_code == 200
    page = response.content.decode()
    assert asked(metrics_backend, "/api/system/metrics/daily/") == [
        {"date_from": "2026-11-23", "date_to": "2026-12-01"}
    ]
    assert table_of(page, "entries") == [
        ["period", "entries"],
        ["2026-11-23", "4"],
        ["2026-11-24", "1"],
        ["2026-11-29", "0"],
        ["2026-11-30", "7"],
        ["2026-12-01", "2"],
    ]
    assert table_of(page, "jobs")[1:] == [
        ["2026-11-23", "2", "0", "0", "0"],
        ["2026-11-24", "0", "1", "0", "0"],
        ["2026-11-29", "0", "0", "0", "0"],
        ["2026-11-30", "1", "0", "1", "0"],
        ["2026-12-01", "0", "0", "0", "0"],
    ]
    assert table_of(page, "money")[1] == ["2026-11-23", "25.000000", "0.000000", "0.000000", "0.000000"]
    assert table_of(page, "money")[2] == ["2026-11-24", "0.000000", "0.012345", "0.002000", "0.010345"]
    # the chart's data travels as JSON beside its canvas, for the page's script
    data = json.loads(
        re.search(
            r'<script id="chart-data-active-users" type="application/json">(.*?)</script>', page, re.S
        ).group(1)
    )
    assert data["labels"] == ["2026-11-23", "2026-11-24", "2026-11-29", "2026-11-30", "2026-12-01"]
    assert data["datasets"] == [
        {"label": "daily", "data": [2, 1, 0, 3, 1]},
        {"label": "7 days", "data": [3, 3, 2, 4, 4]},
        {"label": "30 days", "data": [5, 5, 6, 6, 7]},
    ]
    assert '<canvas data-chart="chart-data-active-users"' in page
    # the latest runs, a failed one saying which workspace
    assert "workspace 7: The workspace has no reserve account." in page


def test_grouped_by_week_flows_add_up_and_states_show_the_weeks_last_day(metrics_backend, signed_in_operator):
    page = signed_in_operator.get(
        "/admin/metrics/?date_from=2026-11-23&date_to=2026-12-01&group=week"
    ).content.decode()

    assert table_of(page, "entries")[1:] == [["2026-W48", "5"], ["2026-W49", "9"]]
    assert table_of(page, "active-users") == [
        ["period", "daily (mean)", "7 days", "30 days"],
        ["2026-W48", "1.0", "2", "6"],
        ["2026-W49", "2.0", "4", "7"],
    ]
    assert table_of(page, "at-risk")[1:] == [["2026-W48", "1"], ["2026-W49", "2"]]
    assert table_of(page, "signups")[1:] == [["2026-W48", "2"], ["2026-W49", "1"]]
    assert 'value="week" selected' in page


def test_a_charts_csv_has_the_tables_numbers(metrics_backend, signed_in_operator):
    response = signed_in_operator.get(
        "/admin/metrics/money.csv?date_from=2026-11-23&date_to=2026-12-01&group=month"
    )

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        'attachment; filename="afterresume-money-2026-11-23-2026-12-01-by-month.csv"'
    )
    assert list(csv.reader(io.StringIO(response.content.decode()))) == [
        ["period", "top-ups", "usage revenue", "provider cost", "margin"],
        ["2026-11", "25.000000", "0.012346", "0.002000", "0.010346"],
        ["2026-12", "10.000000", "0.000000", "0.000000", "0.000000"],
    ]


def test_an_unknown_chart_is_a_404(metrics_backend, signed_in_operator):
    assert signed_in_operator.get("/admin/metrics/nothing.csv").status_code == 404


def test_a_range_change_from_htmx_gets_only_the_charts_which_refresh_from_the_same_address(
    metrics_backend, signed_in_operator
):
    response = signed_in_operator.get(
        "/admin/metrics/?date_from=2026-11-23&date_to=2026-12-01&group=month",
        headers={**HTMX, "HX-Target": "metrics-charts"},
    )

    page = response.content.decode()
    assert page.lstrip().startswith(
        '<div id="metrics-charts" hx-get="/admin/metrics/?date_from=2026-11-23&amp;date_to=2026-12-01&amp;group=month" '
        'hx-trigger="every 60s" hx-swap="outerHTML"'
    )
    assert "Latest runs" not in page
    assert asked(metrics_backend, "/api/system/metrics/runs/") == []


def test_before_the_first_run_the_page_explains_where_figures_come_from(backend, signed_in_operator):
    backend.expect_request("/api/system/metrics/daily/", method="GET").respond_with_json([])
    backend.expect_request("/api/system/metrics/runs/", method="GET").respond_with_json(
        {"count": 0, "next": None, "previous": None, "results": []}
    )

    page = signed_in_operator.get("/admin/metrics/").content.decode()

    assert 'id="metrics-empty"' in page and "<canvas" not in page
    assert "computed by the background scheduler (beat)" in page
    assert 'id="metrics-runs-empty"' in page
    today = timezone.now().date()
    assert asked(backend, "/api/system/metrics/daily/")[0]["date_to"] == today.isoformat()


def test_a_bad_range_says_so_and_shows_the_last_30_days(metrics_backend, signed_in_operator):
    page = signed_in_operator.get("/admin/metrics/?date_from=2026-12-01&date_to=2026-11-01").content.decode()

    assert "The range starts after it ends." in page and "Showing the last 30 days instead." in page
    sent = asked(metrics_backend, "/api/system/metrics/daily/")[0]
    assert sent["date_to"] == timezone.now().date().isoformat()


def test_a_backfill_is_sent_and_the_page_says_the_charts_fill_in(backend, signed_in_operator):
    backend.expect_request("/api/system/metrics/backfill/", method="POST").respond_with_json(
        [
            dict(RUNS["results"][1], id=n, day=day, status="running")
            for n, day in ((10, "2026-11-29"), (11, "2026-11-30"))
        ],
        status=202,
    )
    token = csrf_of(signed_in_operator)

    response = signed_in_operator.post(
        "/admin/metrics/backfill/",
        {"date_from": "2026-11-29", "date_to": "2026-11-30", "csrfmiddlewaretoken": token},
    )

    assert response.status_code == 302
    assert response["Location"] == "/admin/metrics/?date_from=2026-11-29&date_to=2026-11-30"
    [(request, _)] = [entry for entry in backend.log if entry[0].path == "/api/system/metrics/backfill/"]
    assert json.loads(request.get_data()) == {"date_from": "2026-11-29", "date_to": "2026-11-30"}


def test_a_backfill_refused_for_a_day_being_computed_says_why(backend, signed_in_operator):
    backend.expect_request("/api/system/metrics/backfill/", method="POST").respond_with_json(
        {"message": "Metrics for 2026-11-30 are being computed already.", "extra": {}, "request_id": "r-1"},
        status=409,
    )
    backend.expect_request("/api/system/metrics/daily/", method="GET").respond_with_json([])
    backend.expect_request("/api/system/metrics/runs/", method="GET").respond_with_json(
        {"count": 0, "next": None, "previous": None, "results": []}
    )

    response = signed_in_operator.post(
        "/admin/metrics/backfill/",
        {
            "date_from": "2026-11-29",
            "date_to": "2026-11-30",
            "csrfmiddlewaretoken": csrf_of(signed_in_operator),
        },
        follow=True,
    )

    assert "Metrics for 2026-11-30 are being computed already." in response.content.decode()


def csrf_of(client) -> str:
    client.get("/health/")
    return client.cookies["csrftoken"].value if "csrftoken" in client.cookies else ""
