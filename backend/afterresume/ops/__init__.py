"""Operations that read every domain (backups): above the domains, imported by none of them.

Kept out of `afterresume.core`, which the import contracts forbid from importing billing or
worklogs — a backup needs both (row counts, the ledger's reconciliation, the stored files)."""
