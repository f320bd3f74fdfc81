"""Errors of the domain that an API call answers with a status of their own (DESIGN §6: a request
refused for funds answers 402 with the amount needed). Services raise them without knowing about
HTTP; the one exception handler (core.errors) turns them into the one error shape."""


class DomainError(Exception):
    status_code = 400

    def extra(self) -> dict:
        """Facts a client can act on, under `extra` in the error shape."""
        return {}
