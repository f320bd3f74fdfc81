"""Payments: how money arrives in the reserve. Stripe (the gateway, Checkout and the customer
portal), its webhooks, the simulated mode of development and automatic top-up. Every credit and
debit it makes goes through the ledger's posting service."""
