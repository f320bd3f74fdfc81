"""Billing: each workspace's prepaid reserve, in rooms a newcomer can name.

One Django app (label `billing`), split into sub-packages along its real seams:

- `ledger/`   accounts, the one posting service, holds, reconciliation, export;
- `payments/` the Stripe gateway, webhooks, checkout and portal, simulated mode, automatic top-up;
- `pricing/`  rate cards, the pricing function, usage events;
- `api/`, `views.py`, `urls.py`, `tasks.py` the entry points (HTTP, Celery), on top of the rooms.

Why sub-packages of one app rather than three apps: the models share tables and foreign keys
(a ledger entry names its hold, an auto top-up its account, a usage event its rate card version)
and their migrations are one history; splitting the app would move models between apps for no
gain in behaviour and churn migrations that production has applied. The rooms' boundaries are
kept by import contracts in the test suite instead (pyproject.toml, `[tool.importlinter]`):
entry points → payments → ledger and pricing (which never import each other) → models and money.
The ledger never imports payments: automatic top-up hears of postings through the ledger's
after-post hook, registered in apps.py."""
