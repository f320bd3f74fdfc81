import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from afterresume.accounts.models import User
from afterresume.audit.models import AuditEvent
from afterresume.invites.models import InvitePasskey
from afterresume.invites.services import passkey_create, passkey_revoke
from afterresume.tenants.models import Membership

SIGNUP = "/_allauth/app/v1/auth/signup"
PASSWORD = "a long and unusual password 42"


def browser_signup(client, **fields):
    body = {"email": "ada@example.com", "password": PASSWORD, "display_name": "Ada", **fields}
    return client.post(SIGNUP, body, content_type="application/json")


def test_signup_with_a_passkey_creates_user_workspace_and_session_in_one_go(client, invite):
    passkey, raw_key = invite

    response = browser_signup(client, passkey=raw_key)

    assert response.status_code == 200
    body = response.json()
    assert body["meta"]["is_authenticated"] is True
    assert body["meta"]["session_token"]
    user = User.objects.get(email="ada@example.com")
    assert user.display_name == "Ada"
    assert user.membership.role == Membership.Role.OWNER
    passkey.refresh_from_db()
    assert passkey.use_count == 1
    assert [r.user for r in passkey.redemptions.all()] == [user]
    assert set(AuditEvent.objects.filter(actor=user).values_list("action", flat=True)) == {
        "signup",
        "passkey.redeemed",
    }


def test_signup_without_a_passkey_is_impossible(client, db):
    response = client.post(
        SIGNUP, {"email": "ada@example.com", "password": PASSWORD}, content_type="application/json"
    )

    assert response.status_code == 400
    assert {"param": "passkey", "code": "required", "message": "This field is required."} in response.json()[
        "errors"
    ]
    assert not User.objects.exists()


@pytest.mark.parametrize(
    ("make_unusable", "message"),
    [
        (lambda passkey, operator: None, "This invite passkey is not valid."),
        (
            lambda passkey, operator: InvitePasskey.objects.filter(pk=passkey.pk).update(
                expires_at=timezone.now() - timedelta(seconds=1)
            ),
            "This invite passkey has expired.",
        ),
        (
            lambda passkey, operator: InvitePasskey.objects.filter(pk=passkey.pk).update(use_count=1),
            "This invite passkey has already been used.",
        ),
        (
            lambda passkey, operator: passkey_revoke(passkey=passkey, actor=operator),
            "This invite passkey has been revoked.",
        ),
    ],
    ids=["invalid", "expired", "used", "revoked"],
)
def test_each_unusable_passkey_gets_its_own_message_and_nothing_is_created(
    client, invite, operator, make_unusable, message
):
    passkey, raw_key = invite
    make_unusable(passkey, operator)
    key = raw_key if message != "This invite passkey is not valid." else raw_key[:-2] + "xx"

    response = browser_signup(client, passkey=key)

    assert response.status_code == 400
    errors = response.json()["errors"]
    assert [e["param"] for e in errors] == ["passkey"]
    assert errors[0]["message"].startswith(message)
    assert not User.objects.filter(email="ada@example.com").exists()


def test_a_passkey_with_a_target_workspace_makes_a_member_of_it(client, owner, operator):
    _, raw_key = passkey_create(created_by=operator, target_tenant=owner.membership.tenant)

    assert browser_signup(client, passkey=raw_key).status_code == 200

    membership = User.objects.get(email="ada@example.com").membership
    assert membership.tenant == owner.membership.tenant
    assert membership.role == Membership.Role.MEMBER


def test_a_multi_use_passkey_admits_exactly_its_number_of_people(client, operator):
    _, raw_key = passkey_create(created_by=operator, max_uses=2)

    statuses = [
        browser_signup(Client(), passkey=raw_key, email=f"p{i}@example.com").status_code for i in range(3)
    ]

    assert statuses == [200, 200, 400]
    assert User.objects.filter(email__startswith="p").count() == 2


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("path", ["browser", "api"])
def test_two_signups_racing_for_a_single_use_passkey_create_exactly_one_user(path):
    # given a single-use passkey
    operator = User.objects.create_user("racer-ops@example.com", PASSWORD, is_staff=True)
    passkey, raw_key = passkey_create(created_by=operator)
    barrier = threading.Barrier(2)
    statuses = []

    def sign_up(email):
        barrier.wait()
        try:
            if path == "browser":
                response = browser_signup(Client(), passkey=raw_key, email=email)
            else:
                response = Client().post(
                    "/api/auth/signup/",
                    {"passkey": raw_key, "email": email, "password": PASSWORD},
                    content_type="application/json",
                )
            statuses.append(response.status_code)
        finally:
            connection.close()

    # when two people redeem it at the same moment
    threads = [threading.Thread(target=sign_up, args=(f"racer{i}@example.com",)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    # then exactly one wins
    assert sorted(statuses) in ([200, 400], [201, 400])
    assert User.objects.filter(email__startswith="racer").exclude(pk=operator.pk).count() == 1
    passkey.refresh_from_db()
    assert passkey.use_count == 1
    assert passkey.redemptions.count() == 1


def test_the_raw_passkey_is_nowhere_in_the_database(client, invite):
    _, raw_key = invite
    browser_signup(client, passkey=raw_key)

    with connection.cursor() as cursor:
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        tables = [row[0] for row in cursor.fetchall()]
        hits = []
        for table in tables:
            cursor.execute(f'SELECT count(*) FROM "{table}" AS t WHERE t::text LIKE %s', [f"%{raw_key}%"])  # noqa: S608
            if cursor.fetchone()[0]:
                hits.append(table)

    assert len(tables) > 10
    assert hits == []


def test_api_signup_returns_a_working_token(api_client, invite):
    _, raw_key = invite

    response = api_client.post(
        "/api/auth/signup/",
        {"passkey": raw_key, "email": "Bob@Example.com", "password": PASSWORD, "display_name": "Bob"},
        format="json",
    )

    assert response.status_code == 201
    key = response.json()["token"]["key"]
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    me = api_client.get("/api/me/").json()
    assert me["user"]["email"] == "bob@example.com"
    assert me["role"] == "owner"


def test_api_signup_with_a_used_passkey_names_the_problem_and_creates_nothing(api_client, invite):
    passkey, raw_key = invite
    InvitePasskey.objects.filter(pk=passkey.pk).update(use_count=1)

    response = api_client.post(
        "/api/auth/signup/",
        {"passkey": raw_key, "email": "bob@example.com", "password": PASSWORD},
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["extra"]["fields"] == {"passkey": ["This invite passkey has already been used."]}
    assert not User.objects.filter(email="bob@example.com").exists()


def test_api_signup_refuses_a_weak_password_and_keeps_the_passkey_unused(api_client, invite):
    passkey, raw_key = invite

    response = api_client.post(
        "/api/auth/signup/",
        {"passkey": raw_key, "email": "bob@example.com", "password": "123"},
        format="json",
    )

    assert response.status_code == 400
    assert "password" in response.json()["extra"]["fields"]
    passkey.refresh_from_db()
    assert passkey.use_count == 0


def test_guessing_passkeys_is_cut_off_with_429(client, db, settings):
    settings.RATE_LIMIT_PASSKEY_FAILURES = "3/h"

    statuses = [
        browser_signup(client, passkey=f"arinv_guess{i}", email=f"g{i}@example.com").status_code
        for i in range(5)
    ]

    assert statuses == [400, 400, 400, 429, 429]
    assert (
        "Too many invalid invite passkeys"
        in browser_signup(client, passkey="x").json()["errors"][0]["message"]
    )


def test_passkey_guessing_limit_holds_across_the_api_signup_too(api_client, db, settings):
    settings.RATE_LIMIT_PASSKEY_FAILURES = "2/h"
    body = {"email": "g@example.com", "password": PASSWORD}

    statuses = [
        api_client.post("/api/auth/signup/", {**body, "passkey": f"wrong{i}"}, format="json").status_code
        for i in range(3)
    ]

    assert statuses == [400, 400, 429]
    assert (
        api_client.post("/api/auth/signup/", {**body, "passkey": "x"}, format="json")
        .json()["message"]
        .startswith("Too many invalid invite passkeys")
    )


def test_the_browsers_time_zone_given_at_signup_is_kept(client, invite):
    _, raw_key = invite

    assert browser_signup(client, passkey=raw_key, time_zone="America/Chicago").status_code == 200

    assert User.objects.get(email="ada@example.com").time_zone == "America/Chicago"


def test_signup_with_an_unknown_time_zone_is_refused(client, invite):
    _, raw_key = invite

    response = browser_signup(client, passkey=raw_key, time_zone="Nowhere/Land")

    assert response.status_code == 400
    assert [e["param"] for e in response.json()["errors"]] == ["time_zone"]
    assert not User.objects.filter(email="ada@example.com").exists()
