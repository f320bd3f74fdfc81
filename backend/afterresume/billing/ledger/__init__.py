"""The ledger: each workspace's reserve account, the one posting service, holds, the
reconciliation that proves the books and the CSV export. It knows nothing of how money arrives
(payments) or what usage costs (pricing)."""
