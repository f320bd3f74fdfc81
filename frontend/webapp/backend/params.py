"""Query and body parameters for the backend: only the ones given (an empty filter is a 400 there)."""


def present(**params) -> dict:
    return {name: value for name, value in params.items() if value not in ("", None)}
