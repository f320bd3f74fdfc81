"""What a provider's failure means to the caller: try again later, or never."""


class LLMError(Exception):
    """A provider call failed; nothing was recorded or charged."""


class TransientLLMError(LLMError):
    """Worth another attempt later (timeout, connection, 429, 5xx). `retry_after` is the delay in
    seconds the server asked for (its Retry-After header), or None."""

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class PermanentLLMError(LLMError):
    """Another attempt gives the same answer (bad request, bad key, no access, unknown model)."""
