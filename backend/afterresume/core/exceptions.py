"""Errors of the domain that an API call answers with a status of their own (e.g. 402 for work the
reserve cannot cover, with the amount needed: docs/api.md). Services raise them without knowing about
HTTP; the one exception handler (core.errors) turns them into the one error shape."""


class DomainError(Exception):
    status_code = 400

    def extra(self) -> dict:
        """Facts a client can act on, under `extra` in the error shape."""
        return {}
