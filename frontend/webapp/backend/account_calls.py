"""The backend's calls about one's own account as a whole (`/api/me/close/`). A part of
BackendClient (client.py), which gives it the transport (`get`, `post`)."""


class AccountCalls:
    def account_closing_statement(self) -> dict:
        """What closing the account would delete and keep, and whether ownership must be handed
        over first."""
        return self.get("/api/me/close/")

    def account_close(self, *, password: str, confirm: str) -> dict:
        """Closes the account for good (BackendValidationError for a wrong password or phrase,
        BackendConflict when it must not be closed yet); the backend session ends with it."""
        return self.post("/api/me/close/", json={"password": password, "confirm": confirm})
