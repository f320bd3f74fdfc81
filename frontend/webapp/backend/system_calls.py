"""The backend's calls for the operators' platform screens (`/api/system/metrics/…`). A part of
BackendClient (client.py), which gives it the transport (`get`, `post`)."""

from datetime import date

from webapp.backend.params import present


class SystemCalls:
    def metrics_daily(self, *, date_from: date, date_to: date) -> list[dict]:
        """The platform's row for each computed day of the range, oldest first."""
        return self.get(
            "/api/system/metrics/daily/",
            params={"date_from": date_from.isoformat(), "date_to": date_to.isoformat()},
        )

    def metrics_runs(self, *, page: int = 1, page_size: int = 5) -> dict:
        return self.get("/api/system/metrics/runs/", params=present(page=page, page_size=page_size))

    def metrics_backfill(self, *, date_from: date, date_to: date) -> list[dict]:
        """A run per day of the range, sent to the workers (202)."""
        return self.post(
            "/api/system/metrics/backfill/",
            json={"date_from": date_from.isoformat(), "date_to": date_to.isoformat()},
        )

    def metrics_system(self) -> dict:
        """A part per subsystem, each `{"available": true, …}` or `{"available": false, "error": …}`."""
        return self.get("/api/system/metrics/system/")
