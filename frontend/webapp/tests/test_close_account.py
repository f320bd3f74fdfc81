"""Profile → Close account, against the fake backend: the statement in plain words, the refusals
that keep the account (a wrong password, the phrase not typed, ownership not handed over), and on
success the browser session ends on the sign-in page."""

STATEMENT = {
    "confirmation_phrase": "close my account",
    "deleted": {"entries": 12, "evidence_files": 3, "skills": 1, "reports": 2, "tokens": 1},
    "jobs_kept": 4,
    "jobs_running": 0,
    "workspace": {"id": 3, "name": "Ada's workspace"},
    "role": "member",
    "other_members": 2,
    "must_hand_over": False,
    "is_last_member": False,
    "balance_micros": 12_340_000,
    "is_operator": False,
    "can_close": True,
}
CLOSED = {
    "deleted": {"entries": 12, "evidence_files": 3, "skills": 1, "reports": 2, "tokens": 1},
    "jobs_scrubbed": 4,
    "stored_files": 11,
}
FORM = {"password": "correct horse", "confirm": "close my account"}


def error(message: str, fields: dict | None = None) -> dict:
    return {
        "message": message,
        "extra": {"fields": fields} if fields else {},
        "request_id": "req-close",
    }


def test_the_page_states_what_goes_and_what_stays(backend, signed_in):
    backend.expect_request("/api/me/close/", method="GET").respond_with_json(STATEMENT)

    response = signed_in.get("/profile/close/")

    page = response.content.decode()
    assert response.status_code == 200
    assert "12 entries, with 3 evidence files" in page
    assert "1 skill<" in page
    assert "2 reports, with their files and share links" in page
    assert "1 API token:" in page
    assert "your 4 jobs, for the workspace's billing history" in page
    assert (
        "the workspace Ada&#x27;s workspace and its reserve ($12.34), with its 2 other members: you leave it."
        in page
    )
    assert 'href="/data/export/"' in page and "Download your data first" in page
    assert 'id="close-hand-over"' not in page
    assert "<fieldset>" in page  # the form can be used


def test_the_last_member_is_told_the_balance_stays_unused(backend, signed_in):
    backend.expect_request("/api/me/close/", method="GET").respond_with_json(
        {**STATEMENT, "other_members": 0, "is_last_member": True, "role": "owner"}
    )

    page = signed_in.get("/profile/close/").content.decode()

    assert (
        "your workspace, Ada&#x27;s workspace, with its reserve ($12.34): you are its only member, so "
        "nobody will be able to use it, and the balance is not paid out."
    ) in page


def test_the_only_owner_with_members_is_sent_to_the_team_page_and_the_form_is_disabled(backend, signed_in):
    backend.expect_request("/api/me/close/", method="GET").respond_with_json(
        {**STATEMENT, "role": "owner", "must_hand_over": True, "can_close": False}
    )

    page = signed_in.get("/profile/close/").content.decode()

    assert 'Make another member an owner on the <a href="/team/">Team page</a> first' in page
    assert "<fieldset disabled>" in page


def test_the_profile_page_links_to_closing(backend, signed_in):
    backend.expect_request("/api/me/tokens/").respond_with_json([])

    page = signed_in.get("/profile/").content.decode()

    assert 'href="/profile/close/"' in page


def test_closing_ends_the_browser_session_and_lands_on_sign_in(backend, signed_in):
    backend.expect_request("/api/me/close/", method="GET").respond_with_json(STATEMENT)
    backend.expect_request("/api/me/close/", method="POST", json=FORM).respond_with_json(CLOSED)

    response = signed_in.post("/profile/close/", FORM, follow=True)

    assert response.redirect_chain == [("/signin/", 302)]
    assert "Your account is closed." in response.content.decode()
    assert "backend_session_token" not in signed_in.session
    assert "user" not in signed_in.session
    # and the profile is for signed-in people again
    assert signed_in.get("/profile/")["Location"].startswith("/signin/")


def test_a_wrong_password_shows_the_backends_words_and_keeps_the_account(backend, signed_in):
    backend.expect_request("/api/me/close/", method="GET").respond_with_json(STATEMENT)
    backend.expect_request("/api/me/close/", method="POST").respond_with_json(
        error(
            "Some fields are not valid: The password is not right.",
            {"password": ["The password is not right."]},
        ),
        status=400,
    )

    response = signed_in.post("/profile/close/", {**FORM, "password": "wrong"})

    page = response.content.decode()
    assert response.status_code == 422
    assert "The password is not right." in page
    assert "wrong" not in page  # the password is never sent back
    assert signed_in.session["backend_session_token"] == "session-token-of-ada"


def test_without_the_phrase_the_backend_is_not_asked(backend, signed_in):
    backend.expect_request("/api/me/close/", method="GET").respond_with_json(STATEMENT)

    response = signed_in.post("/profile/close/", {**FORM, "confirm": "close it"})

    assert response.status_code == 422
    assert "Type “close my account” to confirm." in response.content.decode()
    assert [(entry[0].method, entry[0].path) for entry in backend.log] == [("GET", "/api/me/close/")]


def test_a_refusal_from_the_backend_is_shown_with_the_fresh_statement(backend, signed_in):
    message = (
        "You are the only owner of a workspace with other members: make another member an owner "
        "first (Team page), then close your account."
    )
    backend.expect_oneshot_request("/api/me/close/", method="GET").respond_with_json(STATEMENT)
    backend.expect_request("/api/me/close/", method="POST").respond_with_json(error(message), status=409)
    backend.expect_request("/api/me/close/", method="GET").respond_with_json(
        {**STATEMENT, "role": "owner", "must_hand_over": True, "can_close": False}
    )

    response = signed_in.post("/profile/close/", FORM)

    page = response.content.decode()
    assert response.status_code == 409
    assert message in page
    assert 'id="close-hand-over"' in page
    assert signed_in.session["backend_session_token"] == "session-token-of-ada"


def test_too_many_wrong_passwords_say_so(backend, signed_in):
    backend.expect_request("/api/me/close/", method="GET").respond_with_json(STATEMENT)
    backend.expect_request("/api/me/close/", method="POST").respond_with_json(
        error("Too many failed sign-ins. Please wait a few minutes and try again."), status=429
    )

    response = signed_in.post("/profile/close/", FORM)

    assert response.status_code == 429
    assert "Too many failed sign-ins." in response.content.decode()


def test_signed_out_people_are_sent_to_sign_in(client, db):
    response = client.get("/profile/close/")

    assert response.status_code == 302
    assert response["Location"] == "/signin/?next=%2Fprofile%2Fclose%2F"
