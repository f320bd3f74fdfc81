"""Pricing and usage: rate cards in versions, the one pricing function (for actual usage and for
estimates) and the usage events it prices. It reads the ledger's account only for the status
bar's token counters, and never moves money: charging usage is the ledger's (holds)."""
