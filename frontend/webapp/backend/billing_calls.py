"""The backend's calls for the reserve, payments and the operators' billing pages. A part of
BackendClient (client.py), which gives it the transport (`get`, `post`, `_stream`)."""

from urllib.parse import quote

import httpx

from webapp.backend.params import present


class BillingCalls:
    # --- the reserve ---------------------------------------------------------------------------
    def status_bar(self) -> dict:
        return self.get("/api/status/bar/")

    def reserve_balance(self) -> dict:
        return self.get("/api/billing/reserve/balance/")

    def reserve_ledger(
        self, *, kind: str = "", page: int = 1, date_from: str = "", date_to: str = ""
    ) -> dict:
        return self.get(
            "/api/billing/reserve/ledger/",
            params=present(kind=kind, page=page, date_from=date_from, date_to=date_to),
        )

    def topup_options(self) -> dict:
        return self.get("/api/billing/topup/options/")

    def topup_session(self, *, amount_dollars: str, save_card: bool = False) -> dict:
        return self.post(
            "/api/billing/topup/session/", json={"amount_dollars": amount_dollars, "save_card": save_card}
        )

    def portal_session(self) -> dict:
        return self.post("/api/billing/portal/session/")

    def billing_profile(self) -> dict:
        return self.get("/api/billing/profile/")

    def billing_profile_update(self, **changes) -> dict:
        return self.patch("/api/billing/profile/", json=changes)

    def admin_reserve_summary(self) -> dict:
        return self.get("/api/billing/admin/reserve/summary/")

    def admin_stripe_events(self) -> dict:
        """Stripe webhook events not applied (yet): waiting, failed, refused, unfinished."""
        return self.get("/api/billing/admin/stripe-events/")

    def admin_stripe_event_retry(self, *, event_id: str) -> dict:
        return self.post(f"/api/billing/admin/stripe-events/{quote(event_id, safe='')}/retry/")

    def admin_tenant_ledger(self, *, tenant_id: int, page: int = 1) -> dict:
        return self.get(
            "/api/billing/admin/reserve/ledger/", params={"tenant_id": int(tenant_id), "page": page}
        )

    def admin_tenant_balance_micros(self, *, tenant_id: int) -> int:
        """A workspace's balance: what its newest ledger movement left it with (0 before the first)."""
        newest = self.get(
            "/api/billing/admin/reserve/ledger/", params={"tenant_id": int(tenant_id), "page_size": 1}
        )["results"]
        return newest[0]["balance_after_micros"] if newest else 0

    def admin_reconciliation(self) -> dict:
        return self.get("/api/billing/admin/reconciliation/")

    def admin_reserve_adjust(
        self, *, tenant_id: int, amount_dollars: str, reason: str, idempotency_key: str
    ) -> dict:
        return self.post(
            "/api/billing/admin/reserve/adjust/",
            json={
                "tenant_id": tenant_id,
                "amount_dollars": amount_dollars,
                "reason": reason,
                "idempotency_key": idempotency_key,
            },
        )

    def admin_rate_cards(self) -> list[dict]:
        return self.get("/api/billing/admin/rate-cards/")["versions"]

    def admin_rate_card_create(self, **version) -> dict:
        return self.post("/api/billing/admin/rate-cards/", json=version)

    def admin_usage_costs(self, *, date_from, date_to, tenant_id: int | None = None) -> dict:
        params = {"date_from": date_from.isoformat(), "date_to": date_to.isoformat()}
        if tenant_id is not None:
            params["tenant"] = tenant_id
        return self.get("/api/billing/admin/usage/costs/", params=params)

    def admin_ledger_export(self) -> httpx.Response:
        """The CSV as an unread stream; the caller must close it."""
        return self._stream("/api/billing/admin/ledger/export.csv")
