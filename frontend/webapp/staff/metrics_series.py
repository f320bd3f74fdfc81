"""The executive dashboard's charts from the platform's daily snapshots (`/api/system/metrics/
daily/`): one series set per chart, grouped by day, ISO week or month. The CSV of a chart is the
same numbers. Flows (entries, jobs, money, sign-ups) add up over a group; people and balances at
risk are states, so a group shows its last computed day (and daily actives their mean)."""

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from webapp.core.money import MICROS

GROUPS = {"day": "Day", "week": "Week", "month": "Month"}
JOB_OUTCOMES = ("succeeded", "failed", "canceled", "refused")


@dataclass
class Chart:
    key: str
    title: str
    kind: str  # Chart.js type: "line" or "bar"
    unit: str  # "" or "USD"
    labels: list[str] = field(default_factory=list)
    series: dict[str, list] = field(default_factory=dict)
    stacked: bool = False

    @property
    def data_id(self) -> str:
        """The id of the JSON the page carries for this chart's canvas."""
        return f"chart-data-{self.key}"

    def rows(self) -> list[list]:
        """The table (and CSV) of the chart: a header, then one row per period."""
        return [["period", *self.series]] + [
            [label, *(values[index] for values in self.series.values())]
            for index, label in enumerate(self.labels)
        ]

    def as_config(self) -> dict:
        """What the page's script hands to Chart.js (data only: the script decides the looks)."""
        return {
            "type": self.kind,
            "unit": self.unit,
            "stacked": self.stacked,
            "labels": self.labels,
            "datasets": [{"label": name, "data": values} for name, values in self.series.items()],
        }


def period_of(day: date, group: str) -> date:
    if group == "week":
        return day - timedelta(days=day.weekday())
    if group == "month":
        return day.replace(day=1)
    return day


def period_label(start: date, group: str) -> str:
    if group == "week":
        year, week, _ = start.isocalendar()
        return f"{year}-W{week:02d}"
    if group == "month":
        return start.strftime("%Y-%m")
    return start.isoformat()


def dollars(micros: int) -> str:
    """Exact to the micro-dollar, six places in every row, so that a CSV's column lines up."""
    return f"{Decimal(int(micros)) / MICROS:.6f}"


def charts_of(days: list[dict], group: str) -> list[Chart]:
    """The dashboard's charts from the API's rows (oldest first), grouped."""
    groups: dict[date, list[dict]] = {}
    for row in days:
        day = date.fromisoformat(row["day"])
        groups.setdefault(period_of(day, group), []).append(row["figures"])
    periods = sorted(groups)
    labels = [period_label(start, group) for start in periods]

    def total(pick) -> list:
        return [sum(pick(figures) for figures in groups[start]) for start in periods]

    def last(pick) -> list:
        return [pick(groups[start][-1]) for start in periods]

    def mean(pick) -> list:
        return [round(sum(pick(f) for f in groups[start]) / len(groups[start]), 1) for start in periods]

    active = Chart("active-users", "Active people", "line", "", labels)
    active.series = {
        "daily (mean)" if group != "day" else "daily": mean(lambda f: f["active_users"]["day"]),
        "7 days": last(lambda f: f["active_users"]["week"]),
        "30 days": last(lambda f: f["active_users"]["month"]),
    }
    entries = Chart(
        "entries", "Entries logged", "bar", "", labels, {"entries": total(lambda f: f["entries"])}
    )
    jobs = Chart("jobs", "Jobs by outcome", "bar", "", labels, stacked=True)
    jobs.series = {
        outcome: total(lambda f, o=outcome: sum(kinds.get(o, 0) for kinds in f["jobs"].values()))
        for outcome in JOB_OUTCOMES
    }
    money = Chart("money", "Top-ups, usage revenue, provider cost and margin", "bar", "USD", labels)
    money.series = {
        "top-ups": [dollars(v) for v in total(lambda f: f["topups"]["micros"])],
        "usage revenue": [dollars(v) for v in total(lambda f: f["usage_revenue_micros"])],
        # days computed before the provider's cost was figured have none (0): their margin is revenue
        "provider cost": [dollars(v) for v in total(lambda f: f["usage"].get("provider_cost_micros", 0))],
        "margin": [dollars(v) for v in total(lambda f: f.get("margin_micros", f["usage_revenue_micros"]))],
    }
    at_risk = Chart("at-risk", "Workspaces under their low-balance threshold", "line", "", labels)
    at_risk.series = {"workspaces at risk": last(lambda f: f["at_risk"])}
    signups = Chart("signups", "New people by invite passkey", "bar", "", labels)
    signups.series = {"sign-ups": total(lambda f: f.get("signups_total", 0))}
    return [active, entries, jobs, money, at_risk, signups]


def chart_named(days: list[dict], group: str, key: str) -> Chart | None:
    return next((chart for chart in charts_of(days, group) if chart.key == key), None)
