from django.test import Client

from afterresume.audit.models import AuditEvent
from conftest import PASSWORD

LOGIN = "/_allauth/app/v1/auth/login"
SESSION = "/_allauth/app/v1/auth/session"


def sign_in(client, email, password=PASSWORD, headers=None):
    return client.post(
        LOGIN, {"email": email, "password": password}, content_type="application/json", headers=headers or {}
    )


def test_sign_in_gives_a_session_token_that_the_api_accepts(owner):
    response = sign_in(Client(), "OWNER@example.com")

    assert response.status_code == 200
    token = response.json()["meta"]["session_token"]
    me = Client().get("/api/me/", headers={"X-Session-Token": token})
    assert me.status_code == 200
    assert me.json()["user"]["email"] == "owner@example.com"
    owner.refresh_from_db()
    assert owner.last_login is not None
    assert AuditEvent.objects.filter(action="signin.succeeded", actor=owner).count() == 1


def test_sign_out_ends_the_backend_session(owner):
    token = sign_in(Client(), owner.email).json()["meta"]["session_token"]

    ended = Client().delete(SESSION, headers={"X-Session-Token": token})

    assert ended.status_code == 401  # allauth: "no longer authenticated"
    assert Client().get("/api/me/", headers={"X-Session-Token": token}).status_code in (401, 410)


def test_a_wrong_password_is_refused_and_audited_without_the_password(owner):
    response = sign_in(Client(), owner.email, password="not the password")

    assert response.status_code == 400
    event = AuditEvent.objects.get(action="signin.failed")
    assert event.actor_email == owner.email
    assert "not the password" not in str(event.data) + event.summary


def test_a_deactivated_account_is_told_so(owner):
    owner.is_active = False
    owner.save()

    response = sign_in(Client(), owner.email)

    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "account_inactive"


def test_brute_force_on_one_account_is_cut_off_with_429(owner, settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "login_failed": "20/m/ip,3/300s/key"}
    client = Client()

    statuses = [sign_in(client, owner.email, password=f"guess {i}").status_code for i in range(5)]

    assert statuses == [400, 400, 400, 429, 429]
    # even the right password is refused until the window passes
    assert sign_in(client, owner.email).status_code == 429


def test_a_forged_forwarded_for_header_cannot_reset_the_limit(owner, settings):
    # given one trusted proxy (the frontend), which appends the address it saw
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "login_failed": "3/m/ip"}
    client = Client()

    # when an attacker writes a new address into X-Forwarded-For on every try
    statuses = [
        sign_in(
            client,
            f"nobody{i}@example.com",
            password="x",
            headers={"X-Forwarded-For": f"10.0.0.{i}, 198.51.100.7"},
        ).status_code
        for i in range(5)
    ]

    # then the limit still counts them as one address, the one the proxy saw
    assert statuses == [400, 400, 400, 429, 429]


def test_token_endpoint_gives_a_token_for_email_and_password(api_client, owner):
    response = api_client.post(
        "/api/auth/token/", {"email": owner.email, "password": PASSWORD, "name": "laptop"}, format="json"
    )

    assert response.status_code == 201
    body = response.json()
    assert body["name"] == "laptop"
    assert body["key"].startswith(body["prefix"])
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {body['key']}")
    assert api_client.get("/api/me/").json()["user"]["email"] == owner.email


def test_token_endpoint_brute_force_is_cut_off_with_429(api_client, owner, settings):
    settings.RATE_LIMIT_SIGNIN_FAILED = "20/m/ip,3/300s/key"
    attempts = [
        api_client.post("/api/auth/token/", {"email": owner.email, "password": f"guess {i}"}, format="json")
        for i in range(5)
    ]

    assert [a.status_code for a in attempts] == [400, 400, 400, 429, 429]
    assert (
        attempts[-1].json()["message"] == "Too many failed sign-ins. Please wait a few minutes and try again."
    )


def test_password_reset_mails_a_link_to_the_frontend_page(owner, mailoutbox, settings):
    response = Client().post(
        "/_allauth/app/v1/auth/password/request", {"email": owner.email}, content_type="application/json"
    )

    assert response.status_code == 200
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == [owner.email]
    assert f"{settings.FRONTEND_URL}/password/reset/" in mailoutbox[0].body


def test_password_reset_requests_are_limited_per_email(owner, settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "reset_password": "20/h/ip,2/h/key"}

    statuses = [
        Client()
        .post(
            "/_allauth/app/v1/auth/password/request", {"email": owner.email}, content_type="application/json"
        )
        .status_code
        for _ in range(3)
    ]

    assert statuses == [200, 200, 429]


def test_e_mails_come_from_the_product_and_point_at_the_frontend_not_the_backend_host(
    owner, mailoutbox, settings
):
    # given the frontend asking the backend at its internal address, as it does
    response = Client(HTTP_HOST="127.0.0.1:8000").post(
        "/_allauth/app/v1/auth/password/request", {"email": owner.email}, content_type="application/json"
    )

    assert response.status_code == 200
    [mail] = mailoutbox
    assert mail.from_email == "AfterResume <no-reply@afterresume.local>"
    assert mail.subject == "[AfterResume] Password Reset Email"
    assert mail.body.startswith("Hello from AfterResume!\n")
    assert mail.body.endswith("Thank you for using AfterResume!\nlocalhost:3000")
    assert f"{settings.FRONTEND_URL}/password/reset/" in mail.body
    assert "127.0.0.1" not in mail.subject + mail.body
