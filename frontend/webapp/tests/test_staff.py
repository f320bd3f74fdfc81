"""The operators' pages under /admin/ (invite passkeys, users, audit log), against a fake backend
at the HTTP boundary. Members never reach them; the backend is not even asked."""

import json
import re

import pytest

from webapp.tests.conftest import HEALTHY

TENANTS = [{"id": 3, "name": "Ada's workspace"}, {"id": 4, "name": "Design team"}]


def passkey(**overrides) -> dict:
    return {
        "id": 7,
        "prefix": "arinv_AbC",
        "note": "Grace, design team",
        "status": "active",
        "created_at": "2026-11-20T09:00:00+00:00",
        "created_by": "olga@example.com",
        "expires_at": "2026-12-04T09:00:00+00:00",
        "max_uses": 1,
        "use_count": 0,
        "starter_credit_micros": 0,
        "revoked_at": None,
        "target_tenant": None,
        "role": "member",
        **overrides,
    }


def page_of(
    results: list, *, count: int | None = None, next_page: str | None = None, previous: str | None = None
):
    return {
        "count": len(results) if count is None else count,
        "next": next_page,
        "previous": previous,
        "results": results,
    }


def admin_user(**overrides) -> dict:
    return {
        "id": 5,
        "email": "grace@example.com",
        "display_name": "Grace",
        "is_active": True,
        "is_staff": False,
        "date_joined": "2026-11-20T09:00:00+00:00",
        "last_login": "2026-11-24T18:00:00+00:00",
        "tenant": {"id": 4, "name": "Design team"},
        "role": "owner",
        **overrides,
    }


def audit_event(**overrides) -> dict:
    return {
        "id": 91,
        "created_at": "2026-11-25T10:00:00+00:00",
        "category": "auth",
        "action": "signin.failed",
        "actor_email": "ada@example.com",
        "tenant": None,
        "target": "",
        "summary": "Failed sign-in for ada@example.com",
        "ip": "203.0.113.9",
        "request_id": "r-91",
        "data": {},
        **overrides,
    }


def api_error(message: str, fields: dict | None = None) -> dict:
    return {"message": message, "extra": {"fields": fields or {}}, "request_id": "r-1"}


def requests_made(backend) -> list[tuple[str, str]]:
    return [(request.method, request.path) for request, _ in backend.log]


@pytest.fixture
def tenants(backend):
    backend.expect_request("/api/admin/tenants/", method="GET").respond_with_json(TENANTS)
    return TENANTS


HTMX = {"HX-Request": "true"}
ADMIN_PAGES = ["/admin/passkeys/", "/admin/users/", "/admin/audit/"]


# --- who may see the admin pages ---------------------------------------------------------------------


@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_a_member_gets_403_on_admin_pages_and_the_backend_is_not_asked(backend, signed_in, path):
    response = signed_in.get(path)

    assert response.status_code == 403
    assert 'id="forbidden"' in response.content.decode()
    assert backend.log == []


@pytest.mark.parametrize(
    "path", ["/admin/passkeys/new/", "/admin/passkeys/7/revoke/", "/admin/users/5/deactivate/"]
)
def test_a_member_cannot_change_anything_on_admin_pages(backend, signed_in, path):
    response = signed_in.post(path, {"note": "x", "expires_in_days": "14", "max_uses": "1"}, headers=HTMX)

    assert response.status_code == 403
    assert backend.log == []


@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_a_signed_out_visitor_is_sent_to_sign_in_from_admin_pages(backend, client, db, path):
    response = client.get(path)

    assert response.status_code == 302
    assert response["Location"] == f"/signin/?next={path.replace('/', '%2F')}"
    assert backend.log == []


def test_a_members_pages_have_no_link_to_the_admin_pages(backend, signed_in):
    backend.expect_request("/api/healthz/").respond_with_json(HEALTHY)
    backend.expect_request("/api/me/tokens/").respond_with_json([])

    pages = [signed_in.get(path).content.decode() for path in ("/", "/profile/", "/admin/users/")]

    for page in pages:
        assert 'href="/admin/' not in page
        assert 'id="admin-nav-heading"' not in page


def test_an_operators_pages_link_to_each_admin_page(backend, signed_in_operator):
    backend.expect_request("/api/healthz/").respond_with_json(HEALTHY)

    page = signed_in_operator.get("/").content.decode()

    assert re.findall(r'href="(/admin/[^"]*)"', page) == [
        "/admin/passkeys/",
        "/admin/users/",
        "/admin/billing/",
        "/admin/jobs/",
        "/admin/metrics/",
        "/admin/system/",
        "/admin/audit/",
    ]


def test_an_operator_demoted_elsewhere_gets_403_not_a_server_error(backend, signed_in_operator):
    backend.expect_request("/api/admin/users/").respond_with_json(
        api_error("You do not have permission to perform this action."), status=403
    )

    response = signed_in_operator.get("/admin/users/")

    assert response.status_code == 403


# --- invite passkeys ---------------------------------------------------------------------------------


def test_the_passkey_list_shows_each_passkey_with_its_status_badge(backend, signed_in_operator, tenants):
    backend.expect_request("/api/admin/passkeys/", query_string={"page": "1"}).respond_with_json(
        page_of(
            [
                passkey(id=7, status="active"),
                passkey(id=6, status="used", use_count=1),
                passkey(id=5, status="expired"),
                passkey(id=4, status="revoked", revoked_at="2026-11-21T09:00:00+00:00"),
            ]
        )
    )

    response = signed_in_operator.get("/admin/passkeys/")

    assert response.status_code == 200
    page = response.content.decode()
    assert re.findall(r'<tr id="passkey-(\d+)" data-status="(\w+)">', page) == [
        ("7", "active"),
        ("6", "used"),
        ("5", "expired"),
        ("4", "revoked"),
    ]
    assert re.findall(r'<span class="badge text-bg-\w+">([^<]+)</span>', page) == [
        "active",
        "used up",
        "expired",
        "revoked",
    ]
    # Only an active passkey can be revoked.
    assert re.findall(r'hx-post="(/admin/passkeys/\d+/revoke/)"', page) == ["/admin/passkeys/7/revoke/"]
    assert "4 passkeys" in page
    assert backend.log[0][0].headers["X-Session-Token"] == "session-token-of-olga"


def test_the_passkey_filters_go_to_the_backend_and_stay_in_the_pager_links(
    backend, signed_in_operator, tenants
):
    backend.expect_request(
        "/api/admin/passkeys/", query_string={"status": "active", "search": "design", "page": "2"}
    ).respond_with_json(
        page_of(
            [passkey()],
            count=60,
            next_page="http://backend/api/admin/passkeys/?page=3",
            previous="http://backend/api/admin/passkeys/?page=1",
        )
    )

    page = signed_in_operator.get("/admin/passkeys/?status=active&search=design&page=2").content.decode()

    assert 'href="?status=active&amp;search=design&amp;page=1" rel="prev"' in page
    assert 'href="?status=active&amp;search=design&amp;page=3" rel="next"' in page
    assert '<option value="active" selected>' in page
    assert 'value="design"' in page


def test_an_invalid_passkey_filter_is_ignored_not_sent(backend, signed_in_operator, tenants):
    backend.expect_request("/api/admin/passkeys/", query_string={"page": "1"}).respond_with_json(page_of([]))

    response = signed_in_operator.get("/admin/passkeys/?status=bogus&page=zero")

    assert response.status_code == 200
    assert 'id="no-passkeys"' in response.content.decode()


def test_filtering_passkeys_with_htmx_answers_only_the_table(backend, signed_in_operator, tenants):
    backend.expect_request("/api/admin/passkeys/").respond_with_json(page_of([passkey()]))

    response = signed_in_operator.get(
        "/admin/passkeys/?status=active", headers={**HTMX, "HX-Target": "passkey-table"}
    )

    page = response.content.decode()
    assert "<html" not in page
    assert 'id="create-card"' not in page
    assert page.count('<tr id="passkey-') == 1
    assert "HX-Request" in response["Vary"]


def test_creating_a_passkey_shows_the_raw_key_once_with_a_copy_button(backend, signed_in_operator, tenants):
    backend.expect_request(
        "/api/admin/passkeys/",
        method="POST",
        json={
            "note": "Grace, design team",
            "expires_in_days": 14,
            "max_uses": 2,
            "target_tenant_id": 4,
            "starter_credit_dollars": "0.00",
        },
    ).respond_with_json(
        {**passkey(max_uses=2, target_tenant=TENANTS[1]), "key": "arinv_AbC.raw-secret-key"}, status=201
    )

    response = signed_in_operator.post(
        "/admin/passkeys/new/",
        {"note": "Grace, design team", "expires_in_days": "14", "max_uses": "2", "target_tenant": "4"},
        headers=HTMX,
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert "<html" not in page
    assert page.count("arinv_AbC.raw-secret-key") == 1
    assert 'id="created-passkey-key" value="arinv_AbC.raw-secret-key" readonly' in page
    assert 'data-copy-target="#created-passkey-key"' in page
    assert "Passkey created for “Grace, design team”." in page
    assert json.loads(response["HX-Trigger"]) == {
        "passkeys-changed": {},
        "toast": {"text": "Invite passkey created. Copy it now."},
    }
    assert requests_made(backend) == [("GET", "/api/admin/tenants/"), ("POST", "/api/admin/passkeys/")]


def test_a_passkey_for_a_new_workspace_is_asked_for_with_no_target(backend, signed_in_operator, tenants):
    backend.expect_request(
        "/api/admin/passkeys/",
        method="POST",
        json={
            "note": "",
            "expires_in_days": 14,
            "max_uses": 1,
            "target_tenant_id": None,
            "starter_credit_dollars": "0.00",
        },
    ).respond_with_json({**passkey(note=""), "key": "arinv_AbC.raw-secret-key"}, status=201)

    response = signed_in_operator.post(
        "/admin/passkeys/new/",
        {"note": "", "expires_in_days": "14", "max_uses": "1", "target_tenant": ""},
        headers=HTMX,
    )

    assert response.status_code == 200


def test_a_passkey_the_backend_refuses_shows_its_message_next_to_the_field_with_422(
    backend, signed_in_operator, tenants
):
    message = "Ensure this value is less than or equal to 3."
    backend.expect_request("/api/admin/passkeys/", method="POST").respond_with_json(
        api_error(f"Some fields are not valid: {message}", {"max_uses": [message]}), status=400
    )

    response = signed_in_operator.post(
        "/admin/passkeys/new/", {"note": "team", "expires_in_days": "14", "max_uses": "50"}, headers=HTMX
    )

    assert response.status_code == 422
    page = response.content.decode()
    assert f'<div class="invalid-feedback d-block" id="id_max_uses_error"><div>{message}</div>' in page
    # the input names its error for screen readers
    assert 'aria-describedby="id_max_uses_error"' in page
    assert 'id="created-passkey"' not in page
    assert 'value="50"' in page
    assert "HX-Trigger" not in response


def test_a_refused_workspace_is_shown_next_to_the_workspace_field(backend, signed_in_operator, tenants):
    message = "There is no workspace with this id."
    backend.expect_request("/api/admin/passkeys/", method="POST").respond_with_json(
        api_error(f"Some fields are not valid: {message}", {"target_tenant_id": [message]}), status=400
    )

    response = signed_in_operator.post(
        "/admin/passkeys/new/", {"expires_in_days": "14", "max_uses": "1", "target_tenant": "4"}, headers=HTMX
    )

    assert response.status_code == 422
    assert f'id="id_target_tenant_error"><div>{message}</div>' in response.content.decode()


def test_a_passkey_outside_the_limits_is_refused_without_asking_the_backend_to_create_it(
    backend, signed_in_operator, tenants
):
    response = signed_in_operator.post(
        "/admin/passkeys/new/", {"expires_in_days": "400", "max_uses": "1"}, headers=HTMX
    )

    assert response.status_code == 422
    assert 'id="id_expires_in_days_error"' in response.content.decode()
    assert requests_made(backend) == [("GET", "/api/admin/tenants/")]


def test_revoking_a_passkey_swaps_its_row_for_the_revoked_one(backend, signed_in_operator):
    backend.expect_request("/api/admin/passkeys/7/revoke/", method="POST").respond_with_json(
        passkey(status="revoked", revoked_at="2026-11-25T10:00:00+00:00")
    )

    response = signed_in_operator.post("/admin/passkeys/7/revoke/", headers=HTMX)

    assert response.status_code == 200
    page = response.content.decode().strip()
    assert page.startswith('<tr id="passkey-7" data-status="revoked">')
    assert page.endswith("</tr>")
    assert '<span class="badge text-bg-danger">revoked</span>' in page
    assert "/revoke/" not in page
    assert json.loads(response["HX-Trigger"]) == {"toast": {"text": "Invite passkey arinv_AbC… revoked."}}
    assert requests_made(backend) == [("POST", "/api/admin/passkeys/7/revoke/")]


def test_revoking_from_the_detail_page_returns_there(backend, signed_in_operator):
    backend.expect_request("/api/admin/passkeys/7/revoke/", method="POST").respond_with_json(
        passkey(status="revoked")
    )

    response = signed_in_operator.post("/admin/passkeys/7/revoke/", {"back": "/admin/passkeys/7/"})

    assert response.status_code == 302
    assert response["Location"] == "/admin/passkeys/7/"


def test_revoking_never_returns_to_another_site(backend, signed_in_operator):
    backend.expect_request("/api/admin/passkeys/7/revoke/", method="POST").respond_with_json(
        passkey(status="revoked")
    )

    response = signed_in_operator.post("/admin/passkeys/7/revoke/", {"back": "https://evil.example/admin/"})

    assert response.status_code == 302
    assert response["Location"] == "/admin/passkeys/"


def test_the_passkey_detail_lists_its_redemptions(backend, signed_in_operator):
    backend.expect_request("/api/admin/passkeys/7/").respond_with_json(
        {
            **passkey(status="used", use_count=1),
            "redemptions": [
                {"user": "grace@example.com", "redeemed_at": "2026-11-21T09:00:00+00:00", "ip": "203.0.113.5"}
            ],
        }
    )

    page = signed_in_operator.get("/admin/passkeys/7/").content.decode()

    assert (
        '<td class="text-break">grace@example.com</td><td>2026-11-21 09:00</td><td class="text-break">203.0.113.5</td>'
        in page
    )
    assert "/revoke/" not in page


def test_an_unknown_passkey_is_not_found(backend, signed_in_operator):
    backend.expect_request("/api/admin/passkeys/999/").respond_with_json(api_error("Not found."), status=404)

    response = signed_in_operator.get("/admin/passkeys/999/")

    assert response.status_code == 404


# --- users -------------------------------------------------------------------------------------------


def test_the_user_list_shows_status_and_no_actions_on_my_own_row(backend, signed_in_operator):
    backend.expect_request(
        "/api/admin/users/", query_string={"search": "example", "page": "1"}
    ).respond_with_json(
        page_of(
            [
                admin_user(),
                admin_user(id=6, email="ben@example.com", is_active=False),
                admin_user(id=1, email="olga@example.com", is_staff=True),
            ]
        )
    )

    page = signed_in_operator.get("/admin/users/?search=example").content.decode()

    assert re.findall(r'<tr id="user-(\d+)" data-email="([^"]+)">', page) == [
        ("5", "grace@example.com"),
        ("6", "ben@example.com"),
        ("1", "olga@example.com"),
    ]
    assert re.findall(r'hx-post="/admin/users/(\d+)/(\w+)/"', page) == [
        ("5", "deactivate"),
        ("5", "grant_staff"),
        ("6", "reactivate"),
        ("6", "grant_staff"),
    ]
    assert '<span class="small text-body-secondary">you</span>' in page


def test_deactivating_a_user_patches_is_active_false_and_swaps_the_row(backend, signed_in_operator):
    backend.expect_request(
        "/api/admin/users/5/", method="PATCH", json={"is_active": False}
    ).respond_with_json(admin_user(is_active=False))

    response = signed_in_operator.post("/admin/users/5/deactivate/", headers=HTMX)

    assert response.status_code == 200
    page = response.content.decode().strip()
    assert page.startswith('<tr id="user-5" data-email="grace@example.com">')
    assert '<span class="badge text-bg-secondary">deactivated</span>' in page
    assert 'hx-post="/admin/users/5/reactivate/"' in page
    assert json.loads(response["HX-Trigger"]) == {"toast": {"text": "grace@example.com deactivated."}}
    assert requests_made(backend) == [("PATCH", "/api/admin/users/5/")]


@pytest.mark.parametrize(
    ("action", "changes"),
    [
        ("reactivate", {"is_active": True}),
        ("grant_staff", {"is_staff": True}),
        ("revoke_staff", {"is_staff": False}),
    ],
)
def test_each_user_action_sends_its_one_change(backend, signed_in_operator, action, changes):
    backend.expect_request("/api/admin/users/5/", method="PATCH", json=changes).respond_with_json(
        admin_user(**changes)
    )

    response = signed_in_operator.post(f"/admin/users/5/{action}/", headers=HTMX)

    assert response.status_code == 200
    assert len(backend.log) == 1


def test_an_unknown_user_action_is_404_and_the_backend_is_not_asked(backend, signed_in_operator):
    response = signed_in_operator.post("/admin/users/5/delete/", headers=HTMX)

    assert response.status_code == 404
    assert backend.log == []


def test_a_refused_user_change_is_a_danger_toast_and_nothing_is_swapped(backend, signed_in_operator):
    message = "Some fields are not valid: You cannot remove your own staff access."
    backend.expect_request("/api/admin/users/1/", method="PATCH", json={"is_staff": False}).respond_with_json(
        api_error(message, {"is_staff": ["You cannot remove your own staff access."]}), status=400
    )

    response = signed_in_operator.post("/admin/users/1/revoke_staff/", headers=HTMX)

    assert response.status_code == 200
    assert response["HX-Reswap"] == "none"
    assert json.loads(response["HX-Trigger"]) == {"toast": {"text": message, "level": "danger"}}
    assert "<tr" not in response.content.decode()


def test_a_refused_user_change_without_htmx_is_a_message_on_the_user_list(backend, signed_in_operator):
    message = "Some fields are not valid: You cannot deactivate your own account."
    backend.expect_request("/api/admin/users/1/", method="PATCH").respond_with_json(
        api_error(message), status=400
    )
    backend.expect_request("/api/admin/users/", method="GET").respond_with_json(page_of([]))

    response = signed_in_operator.post("/admin/users/1/deactivate/", follow=True)

    assert response.redirect_chain == [("/admin/users/", 302)]
    assert message in response.content.decode()


def test_a_session_ended_elsewhere_during_a_user_change_sends_the_operator_to_sign_in(
    backend, signed_in_operator
):
    backend.expect_request("/api/admin/users/5/", method="PATCH").respond_with_json(
        api_error("Authentication credentials were not provided."), status=401
    )

    response = signed_in_operator.post("/admin/users/5/deactivate/", headers=HTMX)

    assert response["HX-Redirect"] == "/signin/"
    assert "backend_session_token" not in signed_in_operator.session


# --- audit log ---------------------------------------------------------------------------------------


def test_the_audit_filters_are_passed_to_the_backend(backend, signed_in_operator):
    backend.expect_request("/api/admin/audit/").respond_with_json(page_of([audit_event()]))

    response = signed_in_operator.get(
        "/admin/audit/?category=auth&action=signin.failed&actor_email=ada%40example.com"
        "&date_from=2026-11-01&date_to=2026-11-25&page=2"
    )

    assert response.status_code == 200
    assert len(backend.log) == 1
    assert backend.log[0][0].args.to_dict(flat=False) == {
        "category": ["auth"],
        "action": ["signin.failed"],
        "actor_email": ["ada@example.com"],
        "date_from": ["2026-11-01"],
        "date_to": ["2026-11-25"],
        "page": ["2"],
    }


def test_invalid_audit_filters_are_left_out_of_the_backend_request(backend, signed_in_operator):
    backend.expect_request("/api/admin/audit/", query_string="action=signin").respond_with_json(page_of([]))

    response = signed_in_operator.get("/admin/audit/?category=bogus&action=signin&date_from=yesterday")

    assert response.status_code == 200
    assert "No events match these filters." in response.content.decode()


def test_the_audit_log_shows_each_event(backend, signed_in_operator):
    backend.expect_request("/api/admin/audit/").respond_with_json(
        page_of(
            [
                audit_event(),
                audit_event(id=92, action="passkey.revoked", category="passkey", tenant="Design team"),
            ]
        )
    )

    page = signed_in_operator.get("/admin/audit/").content.decode()

    assert re.findall(r'<tr data-action="([^"]+)">', page) == ["signin.failed", "passkey.revoked"]
    assert '<td class="text-nowrap">2026-11-25 10:00:00</td>' in page
    assert '<span class="text-body-secondary">(Design team)</span>' in page
    assert "2 events" in page


def test_filtering_the_audit_log_with_htmx_answers_only_the_table(backend, signed_in_operator):
    backend.expect_request("/api/admin/audit/", query_string={"category": "auth"}).respond_with_json(
        page_of([audit_event()])
    )

    response = signed_in_operator.get(
        "/admin/audit/?category=auth", headers={**HTMX, "HX-Target": "audit-table"}
    )

    page = response.content.decode()
    assert "<html" not in page
    assert 'role="search"' not in page
    assert page.count("<tr data-action=") == 1


# --- user content is escaped -------------------------------------------------------------------------

SCRIPT = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


def test_a_passkey_note_with_markup_is_escaped_in_the_list(backend, signed_in_operator, tenants):
    backend.expect_request("/api/admin/passkeys/").respond_with_json(page_of([passkey(note=SCRIPT)]))

    page = signed_in_operator.get("/admin/passkeys/").content.decode()

    assert SCRIPT not in page
    assert f"<td>{ESCAPED}</td>" in page


def test_a_passkey_note_with_markup_is_escaped_when_the_passkey_is_created(
    backend, signed_in_operator, tenants
):
    backend.expect_request("/api/admin/passkeys/", method="POST").respond_with_json(
        {**passkey(note=SCRIPT), "key": "arinv_AbC.raw-secret-key"}, status=201
    )

    page = signed_in_operator.post(
        "/admin/passkeys/new/", {"note": SCRIPT, "expires_in_days": "14", "max_uses": "1"}, headers=HTMX
    ).content.decode()

    assert SCRIPT not in page
    assert f"Passkey created for “{ESCAPED}”." in page


def test_an_audit_summary_with_markup_is_escaped(backend, signed_in_operator):
    backend.expect_request("/api/admin/audit/").respond_with_json(
        page_of([audit_event(summary=f"Failed sign-in for {SCRIPT}", actor_email=SCRIPT)])
    )

    page = signed_in_operator.get("/admin/audit/").content.decode()

    assert SCRIPT not in page
    assert f"<td>Failed sign-in for {ESCAPED}</td>" in page
    assert f"<td>{ESCAPED}</td>" in page


def test_a_display_name_with_markup_chosen_at_sign_up_is_escaped_for_operators(backend, signed_in_operator):
    backend.expect_request("/api/admin/users/").respond_with_json(page_of([admin_user(display_name=SCRIPT)]))

    page = signed_in_operator.get("/admin/users/").content.decode()

    assert SCRIPT not in page
    assert f"<td>{ESCAPED}</td>" in page


def test_a_passkey_can_carry_a_starter_credit(backend, signed_in_operator):
    backend.expect_request("/api/admin/tenants/").respond_with_json([])
    backend.expect_request(
        "/api/admin/passkeys/",
        method="POST",
        json={
            "note": "trial",
            "expires_in_days": 14,
            "max_uses": 1,
            "target_tenant_id": None,
            "starter_credit_dollars": "5.00",
        },
    ).respond_with_json(
        {**passkey(note="trial", starter_credit_micros=5_000_000), "key": "arinv_x" * 4}, status=201
    )

    response = signed_in_operator.post(
        "/admin/passkeys/new/",
        {"note": "trial", "expires_in_days": "14", "max_uses": "1", "starter_credit": "5"},
        headers={"HX-Request": "true"},
    )

    assert response.status_code == 200
    assert "5.00 USD starter credit" in response.content.decode()
