"""The backend's calls for a person's data in and out (`/api/exports/…`): both are jobs that cost
nothing. A part of BackendClient (client.py), which gives it the transport (`get`, `post`,
`_stream`)."""

import httpx

from webapp.backend.params import present


class DataCalls:
    def exports(self, *, page: int = 1, page_size: int = 10) -> dict:
        """My exports, newest first: each its job's state and, once ready, its file."""
        return self.get("/api/exports/", params=present(page=page, page_size=page_size))

    def export_start(self) -> dict:
        """Starts preparing an export (the data.export job, 202)."""
        return self.post("/api/exports/")

    def export_download(self, *, export_id: int) -> httpx.Response:
        """The ZIP, unread (a presigned redirect or a stream); the caller must close it. 410 once
        it has expired."""
        return self._stream(f"/api/exports/{int(export_id)}/download/")
