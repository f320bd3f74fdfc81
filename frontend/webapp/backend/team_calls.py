"""The backend's calls for a workspace's team: its members and its invites. A part of
BackendClient (client.py), which gives it the transport (`get`, `post`, `patch`, `delete`)."""


class TeamCalls:
    def team_members(self) -> dict:
        """The workspace, the caller's role (`my_role`) and the members, oldest first."""
        return self.get("/api/tenant/members/")

    def team_member_role_change(self, *, member_id: int, role: str) -> dict:
        return self.patch(f"/api/tenant/members/{int(member_id)}/", json={"role": role})

    def team_member_remove(self, *, member_id: int) -> dict:
        """The removed person's new workspace (they keep their entries there)."""
        return self.delete(f"/api/tenant/members/{int(member_id)}/")

    def team_leave(self) -> dict:
        """The caller's new workspace of their own, with their entries."""
        return self.post("/api/tenant/leave/")

    def team_invites(self) -> list[dict]:
        return self.get("/api/tenant/invites/")

    def team_invite_create(
        self, *, role: str, note: str, max_uses: int, expires_in_days: int | None = None, email: str = ""
    ) -> dict:
        """The new invite with its `key`, shown this once."""
        body = {"role": role, "note": note, "max_uses": max_uses, "email": email}
        if expires_in_days:
            body["expires_in_days"] = expires_in_days
        return self.post("/api/tenant/invites/", json=body)

    def team_invite_revoke(self, *, invite_id: int) -> dict:
        return self.post(f"/api/tenant/invites/{int(invite_id)}/revoke/")
