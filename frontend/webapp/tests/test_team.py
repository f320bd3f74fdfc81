"""The Team page (/team/) against a fake backend at the HTTP boundary: members for everyone; for
owners invites, roles and removal; leaving for anyone; the backend's refusals said in its words."""

import re

import pytest
from django.utils.html import escape

HTMX = {"HX-Request": "true"}
OWNERS_ONLY = "Only the workspace's owners manage its members and invites."
LAST_OWNER = "The workspace needs at least one owner: make someone else an owner first."


def member(**overrides) -> dict:
    return {
        "id": 11,
        "email": "ada@example.com",
        "display_name": "Ada",
        "role": "owner",
        "joined_at": "2026-11-01T09:00:00+00:00",
        "is_me": True,
        **overrides,
    }


GRACE = member(id=12, email="grace@example.com", display_name="Grace", role="member", is_me=False)


def team(my_role: str = "owner", members: list | None = None) -> dict:
    return {
        "tenant": {"id": 3, "name": "Ada's workspace"},
        "my_role": my_role,
        "members": members if members is not None else [member(role=my_role), GRACE],
    }


def invite(**overrides) -> dict:
    return {
        "id": 7,
        "prefix": "arinv_AbCdEf",
        "note": "Sam from design",
        "role": "member",
        "status": "active",
        "created_at": "2026-11-20T09:00:00+00:00",
        "created_by": "ada@example.com",
        "expires_at": "2026-12-04T09:00:00+00:00",
        "max_uses": 1,
        "use_count": 0,
        "revoked_at": None,
        **overrides,
    }


def api_error(message: str, fields: dict | None = None) -> dict:
    return {"message": message, "extra": {"fields": fields or {}}, "request_id": "r-1"}


def requests_made(backend) -> list[tuple[str, str]]:
    return [(request.method, request.path) for request, _ in backend.log]


@pytest.fixture
def owners_team(backend):
    backend.expect_request("/api/tenant/members/", method="GET").respond_with_json(team())
    backend.expect_request("/api/tenant/invites/", method="GET").respond_with_json(
        [invite(), invite(id=6, prefix="arinv_Old", status="used", use_count=1, note="")]
    )
    return backend


# --- the page -----------------------------------------------------------------------------------


def test_an_owner_sees_the_members_the_invites_and_the_invite_form(owners_team, signed_in):
    response = signed_in.get("/team/")

    assert response.status_code == 200
    page = response.content.decode()
    assert re.findall(r'<tr id="member-(\d+)" data-role="(\w+)"', page) == [("11", "owner"), ("12", "member")]
    assert "grace@example.com" in page
    assert page.count('<span class="badge text-bg-info">you</span>') == 1
    assert re.findall(r'<li class="list-group-item[^"]*" id="invite-(\d+)" data-status="(\w+)"', page) == [
        ("7", "active"),
        ("6", "used"),
    ]
    assert page.count("/revoke/") == 1  # only the active invite can be revoked
    assert 'action="/team/invites/"' in page
    assert 'href="/team/members/12/remove/"' in page
    assert 'href="/team/members/11/remove/"' not in page  # oneself: Leave, not Remove
    assert 'id="role-12"' in page
    assert 'href="/team/leave/"' in page
    assert 'aria-current="page" href="/team/"' in page


def test_a_member_sees_the_members_but_no_management_and_invites_are_not_asked_for(backend, signed_in):
    backend.expect_request("/api/tenant/members/", method="GET").respond_with_json(team(my_role="member"))

    page = signed_in.get("/team/").content.decode()

    assert 'id="member-11"' in page and 'id="member-12"' in page
    assert 'action="/team/invites/"' not in page
    assert "/remove/" not in page
    assert 'name="role"' not in page
    assert 'href="/team/leave/"' in page
    assert ("GET", "/api/tenant/invites/") not in requests_made(backend)


def test_the_page_brings_the_sessions_role_in_step_with_the_backend(backend, signed_in):
    # given the session says owner (as at sign-in), but another owner has since made Ada a member
    backend.expect_request("/api/tenant/members/", method="GET").respond_with_json(team(my_role="member"))

    signed_in.get("/team/")

    assert signed_in.session["user"]["role"] == "member"


def test_alone_in_the_workspace_there_is_nothing_to_leave(backend, signed_in):
    backend.expect_request("/api/tenant/members/", method="GET").respond_with_json(team(members=[member()]))
    backend.expect_request("/api/tenant/invites/", method="GET").respond_with_json([])

    page = signed_in.get("/team/").content.decode()

    assert 'href="/team/leave/"' not in page
    assert 'id="no-invites"' in page
    assert 'id="last-owner-note"' in page


def test_a_signed_out_visitor_is_sent_to_sign_in(backend, client, db):
    response = client.get("/team/")

    assert (response.status_code, response["Location"]) == (302, "/signin/?next=%2Fteam%2F")
    assert backend.log == []


# --- invites ------------------------------------------------------------------------------------


def test_creating_an_invite_shows_the_signup_link_once_and_refreshes_the_list(backend, signed_in):
    backend.expect_request(
        "/api/tenant/invites/",
        method="POST",
        json={"role": "owner", "note": "Sam", "max_uses": 2, "email": "", "expires_in_days": 3},
    ).respond_with_json(
        {
            **invite(role="owner", note="Sam", max_uses=2),
            "key": "arinv_SECRETkey123",
            "signup_url": "http://localhost:3000/signup/?passkey=arinv_SECRETkey123",
            "emailed_to": "",
        },
        status=201,
    )

    response = signed_in.post(
        "/team/invites/",
        {"role": "owner", "note": "Sam", "expires_in_days": "3", "max_uses": "2", "email": ""},
        headers=HTMX,
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert 'value="http://testserver/signup/?passkey=arinv_SECRETkey123"' in page
    assert 'data-copy-target="#created-invite-link"' in page
    assert "Joins as an owner" in page
    assert "<html" not in page  # only the card
    assert "invites-changed" in response["HX-Trigger"]


def test_an_invite_by_email_leaves_the_expiry_to_the_backend_and_says_it_was_sent(backend, signed_in):
    backend.expect_request(
        "/api/tenant/invites/",
        method="POST",
        json={"role": "member", "note": "", "max_uses": 1, "email": "sam@example.com"},
    ).respond_with_json(
        {
            **invite(note="for sam@example.com"),
            "key": "arinv_SECRETkey123",
            "signup_url": "http://localhost:3000/signup/?passkey=arinv_SECRETkey123",
            "emailed_to": "sam@example.com",
        },
        status=201,
    )

    response = signed_in.post(
        "/team/invites/", {"role": "member", "max_uses": "1", "email": "sam@example.com"}, headers=HTMX
    )

    assert "Invitation sent to sam@example.com." in response.content.decode()


def test_an_invite_the_backend_refuses_shows_its_message_next_to_the_field_with_422(backend, signed_in):
    backend.expect_request("/api/tenant/invites/", method="POST").respond_with_json(
        api_error(
            "Some fields are not valid: Enter a valid email address.",
            {"email": ["Enter a valid email address."]},
        ),
        status=400,
    )

    response = signed_in.post(
        "/team/invites/", {"role": "member", "max_uses": "1", "email": "a@b.c"}, headers=HTMX
    )

    assert response.status_code == 422
    assert 'id="id_email_error"' in response.content.decode()
    assert "Enter a valid email address." in response.content.decode()


def test_a_member_who_tries_to_invite_is_told_only_owners_do(backend, signed_in):
    backend.expect_request("/api/tenant/invites/", method="POST").respond_with_json(
        api_error(OWNERS_ONLY), status=403
    )

    response = signed_in.post("/team/invites/", {"role": "member", "max_uses": "1"}, headers=HTMX)

    assert response.status_code == 422
    assert escape(OWNERS_ONLY) in response.content.decode()


def test_an_invite_outside_the_limits_is_refused_without_asking_the_backend(backend, signed_in):
    response = signed_in.post("/team/invites/", {"role": "admin", "max_uses": "0"}, headers=HTMX)

    assert response.status_code == 422
    assert backend.log == []


def test_without_javascript_the_new_invite_is_shown_on_the_whole_page(owners_team, signed_in):
    owners_team.expect_request("/api/tenant/invites/", method="POST").respond_with_json(
        {
            **invite(),
            "key": "arinv_SECRETkey123",
            "signup_url": "http://localhost:3000/signup/?passkey=arinv_SECRETkey123",
            "emailed_to": "",
        },
        status=201,
    )

    response = signed_in.post("/team/invites/", {"role": "member", "max_uses": "1"})

    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="created-invite-link"' in page
    assert 'id="members"' in page


def test_revoking_an_invite_goes_back_to_the_page_saying_so(owners_team, signed_in):
    owners_team.expect_request("/api/tenant/invites/7/revoke/", method="POST").respond_with_json(
        invite(status="revoked", revoked_at="2026-11-25T10:00:00+00:00")
    )

    response = signed_in.post("/team/invites/7/revoke/", follow=True)

    assert "Invite arinv_AbCdEf… revoked" in response.content.decode()


# --- members ------------------------------------------------------------------------------------


def test_an_owner_makes_a_member_an_owner(owners_team, signed_in):
    owners_team.expect_request(
        "/api/tenant/members/12/", method="PATCH", json={"role": "owner"}
    ).respond_with_json({**GRACE, "role": "owner"})

    response = signed_in.post("/team/members/12/role/", {"role": "owner"}, follow=True)

    assert "Grace is now an owner." in response.content.decode()


def test_the_last_owner_stepping_down_is_told_why_not(owners_team, signed_in):
    owners_team.expect_request("/api/tenant/members/11/", method="PATCH").respond_with_json(
        api_error(LAST_OWNER), status=409
    )

    response = signed_in.post("/team/members/11/role/", {"role": "member"}, follow=True)

    assert response.status_code == 200
    assert LAST_OWNER in response.content.decode()


def test_a_member_changing_a_role_is_told_only_owners_do(owners_team, signed_in):
    owners_team.expect_request("/api/tenant/members/12/", method="PATCH").respond_with_json(
        api_error(OWNERS_ONLY), status=403
    )

    response = signed_in.post("/team/members/12/role/", {"role": "owner"}, follow=True)

    assert escape(OWNERS_ONLY) in response.content.decode()


def test_removing_asks_first_and_says_what_happens_to_their_entries(owners_team, signed_in):
    page = signed_in.get("/team/members/12/remove/").content.decode()

    assert "Remove Grace?" in page
    assert "They keep their entries" in page
    assert 'action="/team/members/12/remove/"' in page
    assert ("DELETE", "/api/tenant/members/12/") not in requests_made(owners_team)


def test_removing_someone_not_in_the_workspace_is_not_found(owners_team, signed_in):
    assert signed_in.get("/team/members/99/remove/").status_code == 404


def test_a_confirmed_removal_removes_them(owners_team, signed_in):
    owners_team.expect_request("/api/tenant/members/12/", method="DELETE").respond_with_json(
        {"tenant": {"id": 9, "name": "Grace"}}
    )

    response = signed_in.post("/team/members/12/remove/", follow=True)

    assert "Removed from the workspace." in response.content.decode()
    assert ("DELETE", "/api/tenant/members/12/") in requests_made(owners_team)


# --- leaving ------------------------------------------------------------------------------------


def test_leave_explains_what_happens_before_anything_does(backend, signed_in):
    backend.expect_request("/api/tenant/members/", method="GET").respond_with_json(team(my_role="member"))

    page = signed_in.get("/team/leave/").content.decode()

    assert "you get a workspace of your own" in page
    assert "your entries, evidence, skills and reports go with you" in page
    assert 'id="confirm-leave"' in page and "disabled" not in page.split('id="confirm-leave"')[1][:20]
    assert requests_made(backend) == [("GET", "/api/tenant/members/")]


def test_the_last_owner_is_told_to_make_someone_else_owner_before_leaving(backend, signed_in):
    backend.expect_request("/api/tenant/members/", method="GET").respond_with_json(team())

    page = signed_in.get("/team/leave/").content.decode()

    assert 'id="last-owner"' in page
    assert 'id="confirm-leave" disabled' in page


def test_leaving_moves_the_person_to_their_own_workspace(backend, signed_in):
    backend.expect_request("/api/tenant/leave/", method="POST").respond_with_json(
        {"tenant": {"id": 9, "name": "Ada"}}
    )
    backend.expect_request("/api/me/").respond_with_json(
        {
            "user": {
                "id": 1,
                "email": "ada@example.com",
                "display_name": "Ada",
                "is_staff": False,
                "time_zone": "UTC",
            },
            "tenant": {"id": 9, "name": "Ada"},
            "role": "owner",
        }
    )

    response = signed_in.post("/team/leave/")

    assert (response.status_code, response["Location"]) == (302, "/team/")
    assert signed_in.session["user"]["tenant"] == "Ada"


def test_the_last_owner_who_leaves_anyway_is_told_why_not(owners_team, signed_in):
    owners_team.expect_request("/api/tenant/leave/", method="POST").respond_with_json(
        api_error(LAST_OWNER), status=409
    )

    response = signed_in.post("/team/leave/", follow=True)

    assert LAST_OWNER in response.content.decode()
