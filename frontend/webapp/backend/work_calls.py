"""The backend's calls for the AI work: jobs, skills and reports. A part of BackendClient
(client.py), which gives it the transport (`get`, `post`, `patch`, `delete`, `_stream`)."""

from urllib.parse import quote

import httpx

from webapp.backend.params import present


class WorkCalls:
    # --- jobs -------------------------------------------------------------------------------------
    def job_estimate(self, *, kind: str, params: dict) -> dict:
        """What the job would hold from the reserve; nothing is recorded."""
        return self.post("/api/jobs/estimate/", json={"kind": kind, "params": params})

    def job_start(self, *, kind: str, params: dict) -> dict:
        """The queued job (202). Raises BackendPaymentRequired when the reserve cannot cover it."""
        return self.post("/api/jobs/", json={"kind": kind, "params": params})

    def jobs(self, *, status: str = "", kind: str = "", page: int = 1, page_size: int = 25) -> dict:
        return self.get(
            "/api/jobs/", params=present(status=status, kind=kind, page=page, page_size=page_size)
        )

    def job(self, *, job_id: int) -> dict:
        return self.get(f"/api/jobs/{int(job_id)}/")

    def job_events(self, *, job_id: int, page: int = 1, page_size: int = 100) -> dict:
        return self.get(f"/api/jobs/{int(job_id)}/events/", params={"page": page, "page_size": page_size})

    def job_cancel(self, *, job_id: int) -> dict:
        return self.post(f"/api/jobs/{int(job_id)}/cancel/")

    def job_retry(self, *, job_id: int) -> dict:
        """The new job (202)."""
        return self.post(f"/api/jobs/{int(job_id)}/retry/")

    def job_proposal_accept(self, *, job_id: int) -> dict:
        return self.post(f"/api/jobs/{int(job_id)}/proposal/accept/")

    def job_proposal_reject(self, *, job_id: int) -> dict:
        return self.post(f"/api/jobs/{int(job_id)}/proposal/reject/")

    # --- skills ---------------------------------------------------------------------------------
    def skills(
        self, *, ordering: str = "", include_hidden: bool = False, page: int = 1, page_size: int = 25
    ) -> dict:
        return self.get(
            "/api/skills/",
            params=present(
                ordering=ordering,
                include_hidden="true" if include_hidden else "",
                page=page,
                page_size=page_size,
            ),
        )

    def skill(self, *, skill_id: int) -> dict:
        return self.get(f"/api/skills/{int(skill_id)}/")

    def skill_create(self, *, name: str) -> dict:
        """The new skill. A name already taken (as a name or an alias) is a 400 that says to merge."""
        return self.post("/api/skills/", json={"name": name})

    def skill_update(self, *, skill_id: int, **changes) -> dict:
        """`name` (the old one stays an alias) and/or `is_hidden`."""
        return self.patch(f"/api/skills/{int(skill_id)}/", json=changes)

    def skill_delete(self, *, skill_id: int) -> None:
        self.delete(f"/api/skills/{int(skill_id)}/")

    def skill_merge(self, *, skill_id: int, into: int) -> dict:
        """The skill merged into, with this one's names as aliases."""
        return self.post(f"/api/skills/{int(skill_id)}/merge/", json={"into": int(into)})

    def skill_entries(self, *, skill_id: int, page: int = 1, page_size: int = 25) -> dict:
        return self.get(
            f"/api/skills/{int(skill_id)}/entries/", params={"page": page, "page_size": page_size}
        )

    def skill_link(self, *, skill_id: int, worklog_id: int) -> dict:
        return self.post(f"/api/skills/{int(skill_id)}/entries/", json={"worklog_id": int(worklog_id)})

    def skill_unlink(self, *, skill_id: int, worklog_id: int) -> None:
        self.delete(f"/api/skills/{int(skill_id)}/entries/{int(worklog_id)}/")

    # --- reports --------------------------------------------------------------------------------
    def report_estimate(self, **fields) -> dict:
        """The entries a report would cite and what it would hold from the reserve; nothing is
        recorded. `fields`: kind, date_from, date_to and the optional employer, project, tag."""
        return self.post("/api/reports/estimate/", json=present(**fields))

    def report_create(self, **fields) -> dict:
        """The pending report with its `job_id` (202). Raises BackendPaymentRequired when the
        reserve cannot cover it."""
        return self.post("/api/reports/", json=present(**fields))

    def reports(self, *, page: int = 1, page_size: int = 25) -> dict:
        return self.get("/api/reports/", params={"page": page, "page_size": page_size})

    def report(self, *, report_id: int) -> dict:
        """The report with its `markdown` and `citations`."""
        return self.get(f"/api/reports/{int(report_id)}/")

    def report_artifact_download(self, *, report_id: int, artifact_id: int) -> httpx.Response:
        """As evidence_download: a redirect to a presigned URL, or the file as a stream. The caller
        must close it."""
        return self._stream(f"/api/reports/{int(report_id)}/artifacts/{int(artifact_id)}/download/")

    def report_shares(self, *, report_id: int, page: int = 1, page_size: int = 100) -> dict:
        return self.get(
            f"/api/reports/{int(report_id)}/shares/", params={"page": page, "page_size": page_size}
        )

    def report_share_create(self, *, report_id: int, expires_at: str | None = None) -> dict:
        """The new link with its `token`, answered this once. Raises BackendValidationError when the
        report is not ready or the expiry is past."""
        return self.post(f"/api/reports/{int(report_id)}/shares/", json=present(expires_at=expires_at))

    def report_share_revoke(self, *, report_id: int, link_id: int) -> dict:
        return self.post(f"/api/reports/{int(report_id)}/shares/{int(link_id)}/revoke/")

    def shared_report(self, *, token: str) -> dict:
        """A shared report for anyone holding its token; raises BackendNotFound when the token is
        unknown, revoked or expired."""
        return self.get(f"/api/shared/reports/{quote(token, safe='')}/")
