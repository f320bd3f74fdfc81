"""What the ledger refuses. An API call that meets one of these answers with its status and, under
`extra`, the facts a client can act on (the one error shape, core.errors)."""

from afterresume.billing.money import MICROS_PER_CENT, micros_to_cents_up, micros_to_dollars
from afterresume.core.exceptions import DomainError


class InsufficientFunds(DomainError):
    """The reserve cannot cover this: `needed_micros` more would be required. An API call that
    meets it answers 402 Payment Required with the amount needed."""

    status_code = 402

    def __init__(self, *, needed_micros: int, available_micros: int, message: str = ""):
        # What to top up: whole cents, rounded up so that it is enough.
        self.needed_dollars = micros_to_dollars(micros_to_cents_up(needed_micros) * MICROS_PER_CENT)
        super().__init__(
            message or f"The reserve cannot cover this: top up at least {self.needed_dollars} USD."
        )
        self.needed_micros = needed_micros
        self.available_micros = available_micros

    def extra(self) -> dict:
        return {
            "needed_micros": self.needed_micros,
            "available_micros": self.available_micros,
            "needed_dollars": self.needed_dollars,
        }


class OverJobCeiling(InsufficientFunds):
    """Under the `limited` policy, a job estimated above the workspace's ceiling per job: a top-up
    does not help, an owner raising the ceiling (or choosing another policy) does."""

    def __init__(self, *, estimate_micros: int, ceiling_micros: int):
        super().__init__(
            needed_micros=estimate_micros - ceiling_micros,
            available_micros=ceiling_micros,
            message=(
                f"This job's estimate ({micros_to_dollars(estimate_micros)} USD) is above this workspace's "
                f"limit per job ({micros_to_dollars(ceiling_micros)} USD): an owner can raise it in the "
                "billing settings."
            ),
        )
        self.estimate_micros = estimate_micros
        self.ceiling_micros = ceiling_micros

    def extra(self) -> dict:
        return {"estimate_micros": self.estimate_micros, "ceiling_micros": self.ceiling_micros}


class HoldNotActive(Exception):
    """The hold was already captured or released."""


class IdempotencyKeyReused(DomainError):
    """An operator's adjustment sent again under its key with another amount or reason."""

    status_code = 409

    def __init__(self):
        super().__init__(
            "This idempotency key was already used for a different adjustment of this workspace: "
            "send a new key for a new adjustment, or the same amount and reason to repeat it."
        )
