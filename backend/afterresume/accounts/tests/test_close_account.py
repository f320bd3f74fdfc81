"""Closing one's account (docs/tenancy.md, "Closing an account"): the statement first, then the
password and the phrase; afterwards the person cannot sign in, their entries, evidence (and the
stored objects), skills and reports are gone, and the ledger and audit rows stay, pointing at the
anonymised user, with the books still reconciled. Files are checked on a real S3-compatible server
(the evidence tests' moto fixture) with a real Celery worker removing them."""

import threading
import time
from datetime import date

import botocore.config
import pytest
from allauth.account.models import EmailAddress
from celery.contrib.testing.worker import start_worker
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client

from afterresume.accounts.closing import AlreadyClosed, account_close
from afterresume.accounts.models import ApiToken, User
from afterresume.accounts.tasks import closed_account_files_remove
from afterresume.accounts.tokens import api_token_create
from afterresume.audit.models import AuditEvent
from afterresume.billing.ledger.posting import ledger_post
from afterresume.billing.ledger.selectors import reserve_reconcile
from afterresume.billing.models import LedgerEntry, ReserveAccount
from afterresume.jobs.models import Job, JobKind, JobStep
from afterresume.jobs.services import job_create_queued, job_finish
from afterresume.reports.models import Report, ReportArtifact, ShareLink
from afterresume.reports.services import report_compose, report_create, report_store, share_link_create
from afterresume.skills.models import Skill, SkillEntry
from afterresume.skills.services import skill_create, skill_link
from afterresume.tenants.models import Membership, Tenant
from afterresume.worklogs.models import Evidence, WorkLog, WorkLogDay
from afterresume.worklogs.services import evidence_add, worklog_create
from afterresume.worklogs.tests.test_evidence_s3 import BUCKET, bucket, objects, s3_client, s3_endpoint  # noqa: F401
from config.celery import app as celery_app
from conftest import PASSWORD, token_client

URL = "/api/me/close/"
LOGIN = "/_allauth/app/v1/auth/login"
PHRASE = "close my account"


def session_token(user_email: str, password: str = PASSWORD):
    """Signs in the way the frontend does (allauth's app API); returns the answer."""
    return Client().post(LOGIN, {"email": user_email, "password": password}, content_type="application/json")


def session_client(user) -> Client:
    response = session_token(user.email)
    assert response.status_code == 200, response.content
    return Client(headers={"X-Session-Token": response.json()["meta"]["session_token"]})


def career(user, label: str) -> dict:
    """A bit of everything a person keeps: two entries (one with evidence), a skill, a report with
    its files and a share link, a finished job that carried their text, a token."""
    tenant = user.membership.tenant
    first = worklog_create(
        tenant=tenant, author=user, date=date(2026, 11, 2), content=f"{label}: shipped the billing page"
    )
    second = worklog_create(tenant=tenant, author=user, date=date(2026, 11, 3), content=f"{label}: on call")
    evidence = evidence_add(
        entry=first, author=user, upload=SimpleUploadedFile("notes.txt", f"{label} notes\n".encode())
    )
    skill = skill_create(tenant=tenant, author=user, name=f"{label} billing")
    skill_link(skill=skill, entry=first)
    report = report_create(
        tenant=tenant, author=user, kind="brag", date_from=date(2026, 11, 1), date_to=date(2026, 11, 30)
    )
    report_compose(report=report, text=f"# {label}'s brag\n\n- shipped the billing page\n", citations=[])
    report = report_store(report=report)
    share_link_create(report=report)
    job = job_create_queued(
        tenant=tenant, author=user, kind=JobKind.WORKLOG_ENHANCE, params={"text": f"{label}: private words"}
    )
    JobStep.objects.create(job=job, name="propose", result={"proposal": f"{label}: private words"})
    job_finish(job=job, status=Job.Status.CANCELED)
    Job.objects.filter(pk=job.pk).update(result={"proposal": f"{label}: private words"})
    api_token_create(user=user, name=f"{label}'s script", expires_at=None)
    return {"entries": [first, second], "evidence": evidence, "skill": skill, "report": report, "job": job}


def fund(user, micros: int) -> LedgerEntry:
    """Money in the person's workspace, posted by them (the ledger row names them as its actor)."""
    account = ReserveAccount.objects.get(tenant=user.membership.tenant)
    return ledger_post(
        account_id=account.pk,
        kind=LedgerEntry.Kind.TOPUP,
        amount_micros=micros,
        idempotency_key=f"test-topup:{user.pk}:{micros}",
        memo="test top-up",
        actor_id=user.pk,
    )


def close(client, password: str = PASSWORD, confirm: str = PHRASE):
    return client.post(URL, {"password": password, "confirm": confirm}, format="json")


def snapshot(user) -> tuple:
    """What a refused close must leave as it was."""
    user.refresh_from_db()
    return (
        user.email,
        user.display_name,
        user.is_active,
        user.closed_at,
        user.has_usable_password(),
        WorkLog.objects.filter(author=user).count(),
        Evidence.objects.filter(author=user).count(),
        Skill.objects.filter(author=user).count(),
        Report.objects.filter(author=user).count(),
        ApiToken.objects.filter(user=user).count(),
        Membership.objects.filter(user=user).count(),
    )


@pytest.fixture
def media_root(settings, tmp_path):
    """Local storage in a folder of this test alone, so "nothing left" is checkable."""
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path


@pytest.fixture
def remover():
    """A real Celery worker in this process, for the file-removal task; queues emptied around it."""
    celery_app.control.purge()
    with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=20):
        yield
    celery_app.control.purge()


def wait_for(check, seconds: float = 20):
    deadline = time.monotonic() + seconds
    while not check() and time.monotonic() < deadline:
        time.sleep(0.2)
    return check()


# --- the statement -------------------------------------------------------------------------------


def test_the_statement_counts_what_would_be_deleted_and_says_the_sole_owner_must_hand_over(
    owner, teammate, media_root
):
    career(owner, "Olive")
    worklog_create(
        tenant=owner.membership.tenant, author=teammate, date=date(2026, 11, 2), content="not hers"
    )
    fund(owner, 12_500_000)

    response = token_client(owner).get(URL)

    assert response.status_code == 200
    assert response.json() == {
        "confirmation_phrase": PHRASE,
        # two tokens: the script's and the one this call uses
        "deleted": {"entries": 2, "evidence_files": 1, "skills": 1, "reports": 1, "tokens": 2},
        "jobs_kept": 1,
        "jobs_running": 0,
        "workspace": {"id": owner.membership.tenant_id, "name": "Olive's workspace"},
        "role": "owner",
        "other_members": 1,
        "must_hand_over": True,
        "is_last_member": False,
        "balance_micros": 12_500_000,
        "is_operator": False,
        "can_close": False,
    }


def test_a_member_may_close_without_handing_anything_over(owner, teammate):
    response = token_client(teammate).get(URL)

    body = response.json()
    assert (body["role"], body["must_hand_over"], body["is_last_member"], body["can_close"]) == (
        "member",
        False,
        False,
        True,
    )


# --- refusals: nothing changes -------------------------------------------------------------------


def test_a_wrong_password_is_a_field_error_and_nothing_changes(teammate):
    client = token_client(teammate)
    before = snapshot(teammate)

    response = close(client, password="not my password")

    assert response.status_code == 400
    assert response.json()["extra"]["fields"] == {"password": ["The password is not right."]}
    assert snapshot(teammate) == before


def test_wrong_passwords_use_the_sign_in_failure_budget(teammate, settings):
    settings.RATE_LIMIT_SIGNIN_FAILED = "20/m/ip,3/300s/key"
    client = token_client(teammate)
    before = snapshot(teammate)

    answers = [close(client, password=f"guess {n}").status_code for n in range(4)]
    # even the right password waits now
    answers.append(close(client).status_code)

    assert answers == [400, 400, 400, 429, 429]
    assert snapshot(teammate) == before


@pytest.mark.parametrize("confirm", ["", "close", "delete my account"])
def test_without_the_phrase_nothing_changes(teammate, confirm):
    client = token_client(teammate)
    before = snapshot(teammate)

    response = close(client, confirm=confirm)

    assert response.status_code == 400
    fields = response.json()["extra"]["fields"]
    assert fields["confirm"] == (
        ["This field may not be blank."] if confirm == "" else [f"Type “{PHRASE}” to confirm."]
    )
    assert snapshot(teammate) == before


def test_the_phrase_may_differ_in_case_and_spaces(teammate):
    response = close(token_client(teammate), confirm="  Close  my ACCOUNT ")

    assert response.status_code == 200


def test_the_only_owner_of_a_workspace_with_members_is_refused_and_nothing_changes(
    owner, teammate, media_root
):
    career(owner, "Olive")
    client = token_client(owner)
    before = snapshot(owner)
    events = AuditEvent.objects.count()

    response = close(client)

    assert response.status_code == 409
    assert response.json()["message"] == (
        "You are the only owner of a workspace with other members: make another member an owner "
        "first (Team page), then close your account."
    )
    assert snapshot(owner) == before
    assert Membership.objects.get(user=owner).role == "owner"
    assert AuditEvent.objects.count() == events


def test_with_another_owner_the_owner_may_close(owner, teammate):
    Membership.objects.filter(user=teammate).update(role="owner")

    response = close(token_client(owner))

    assert response.status_code == 200
    assert list(
        Membership.objects.filter(tenant=teammate.membership.tenant).values_list("user", flat=True)
    ) == [teammate.pk]


def test_a_queued_job_must_end_first(teammate):
    job_create_queued(tenant=teammate.membership.tenant, author=teammate, kind=JobKind.SKILLS_EXTRACT)
    client = token_client(teammate)
    before = snapshot(teammate)

    response = close(client)

    assert response.status_code == 409
    assert response.json()["message"].startswith("Some of your jobs are still queued or running")
    assert snapshot(teammate) == before


def test_an_operator_cannot_close_their_own_account(operator):
    client = token_client(operator)
    before = snapshot(operator)

    response = close(client)

    assert response.status_code == 409
    assert snapshot(operator) == before


def test_closing_needs_a_signed_in_caller(api_client, db):
    assert close(api_client).status_code == 401


# --- closing -------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_after_closing_the_person_is_gone_and_the_books_still_add_up(owner, teammate, bucket, remover):  # noqa: F811
    # given a member with a career, money they put in, and a teammate (the owner) with their own
    mine = career(teammate, "Tom")
    theirs = career(owner, "Olive")
    topup = fund(teammate, 25_000_000)
    tenant = teammate.membership.tenant
    token_client_of_teammate = token_client(teammate)
    browser = session_client(teammate)
    other_browser = session_client(teammate)
    my_files = {
        mine["evidence"].file.name,
        *ReportArtifact.objects.filter(report=mine["report"]).values_list("file", flat=True),
    }
    their_files = {
        theirs["evidence"].file.name,
        *ReportArtifact.objects.filter(report=theirs["report"]).values_list("file", flat=True),
    }
    assert set(objects(bucket)) == my_files | their_files
    my_events = AuditEvent.objects.filter(actor=teammate).count()
    ledger_before = list(LedgerEntry.objects.order_by("id").values_list("id", "amount_micros", "actor_id"))

    # when they close their account from the browser's session
    response = browser.post(URL, {"password": PASSWORD, "confirm": PHRASE}, content_type="application/json")

    # then
    assert response.status_code == 200
    assert response.json() == {
        "deleted": {"entries": 2, "evidence_files": 1, "skills": 1, "reports": 1, "tokens": 2},
        "jobs_scrubbed": 1,
        "stored_files": len(my_files),
    }
    # they cannot sign in any more, by either door, nor use what they had
    old_sign_in = session_token("teammate@example.com")
    assert old_sign_in.status_code == 400
    assert (
        old_sign_in.json()["errors"][0]["message"]
        == "The email address and/or password you specified are not correct."
    )
    old_token = Client().post(
        "/api/auth/token/",
        {"email": "teammate@example.com", "password": PASSWORD},
        content_type="application/json",
    )
    assert old_token.status_code == 400
    assert old_token.json()["extra"]["fields"] == {
        "non_field_errors": ["The e-mail address or password is not right."]
    }
    assert token_client_of_teammate.get("/api/me/").status_code == 401
    assert browser.get("/api/me/").status_code == 401
    assert other_browser.get("/api/me/").status_code == 401
    # their row stays, anonymised
    closed = User.objects.get(pk=teammate.pk)
    assert (closed.email, closed.display_name, closed.is_active, closed.has_usable_password()) == (
        f"closed-{teammate.pk}@closed.invalid",
        "Closed account",
        False,
        False,
    )
    assert closed.closed_at is not None
    # their data is gone from the database...
    assert WorkLog.objects.filter(author=teammate).count() == 0
    assert WorkLogDay.objects.filter(author=teammate).count() == 0
    assert Evidence.objects.filter(author=teammate).count() == 0
    assert Skill.objects.filter(author=teammate).count() == 0
    assert Report.objects.filter(author=teammate).count() == 0
    assert ShareLink.objects.filter(report__author=teammate).count() == 0
    assert ApiToken.objects.filter(user=teammate).count() == 0
    assert not Membership.objects.filter(user=teammate).exists()
    # ...and from storage, once the worker has run
    assert wait_for(lambda: set(objects(bucket)) == their_files), set(objects(bucket))
    # their jobs stay for the billing history, without their words
    job = Job.objects.get(pk=mine["job"].pk)
    assert (job.params, job.result, list(job.steps.values_list("result", flat=True))) == ({}, {}, [{}])
    # the teammate's data is untouched
    assert WorkLog.objects.filter(author=owner).count() == 2
    assert Evidence.objects.filter(author=owner).count() == 1
    assert SkillEntry.objects.filter(skill__author=owner).count() == 1
    assert Report.objects.filter(author=owner).count() == 1
    assert Job.objects.get(pk=theirs["job"].pk).params == {"text": "Olive: private words"}
    # the ledger and the audit log are as they were, still naming the (anonymised) user
    assert (
        list(LedgerEntry.objects.order_by("id").values_list("id", "amount_micros", "actor_id"))
        == ledger_before
    )
    assert LedgerEntry.objects.get(pk=topup.pk).actor_id == teammate.pk
    assert AuditEvent.objects.filter(actor=teammate).count() == my_events + 1
    event = AuditEvent.objects.get(action="account.closed")
    assert (event.actor_id, event.actor_email, event.tenant_id, event.target) == (
        teammate.pk,
        f"closed-{teammate.pk}@closed.invalid",
        tenant.pk,
        f"user:{teammate.pk}",
    )
    assert "teammate@example.com" not in str(event.data) + event.summary
    # the workspace keeps its money and its books add up
    assert ReserveAccount.objects.get(tenant=tenant).balance_micros == 25_000_000
    assert reserve_reconcile() == []


def test_the_last_member_leaves_the_workspace_with_its_reserve_under_a_neutral_name(outsider, media_root):
    fund(outsider, 7_000_000)
    career(outsider, "Otto")
    tenant = outsider.membership.tenant

    response = close(token_client(outsider))

    assert response.status_code == 200
    tenant.refresh_from_db()
    assert tenant.name == f"Closed workspace {tenant.pk}"
    assert not Membership.objects.filter(tenant=tenant).exists()
    assert ReserveAccount.objects.get(tenant=tenant).balance_micros == 7_000_000
    assert reserve_reconcile() == []


def test_local_files_are_removed_too(teammate, media_root, django_capture_on_commit_callbacks):
    mine = career(teammate, "Tom")
    names = [mine["evidence"].file.name, *ReportArtifact.objects.values_list("file", flat=True)]
    assert all((media_root / name).exists() for name in names)

    with django_capture_on_commit_callbacks() as callbacks:
        response = close(token_client(teammate))
    # the task the commit queues, run here as the worker would
    closed_account_files_remove.apply(args=(teammate.pk, names))

    assert response.status_code == 200
    assert len(callbacks) == 1
    assert [name for name in names if (media_root / name).exists()] == []


def test_files_the_storage_keeps_refusing_are_recorded_for_an_operator(teammate, bucket, settings):  # noqa: F811
    # given a storage that cannot be reached (nothing listens there; botocore is told not to retry)
    options = settings.STORAGES["default"]["OPTIONS"]
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            **settings.STORAGES["default"],
            "OPTIONS": {
                **options,
                "endpoint_url": "http://127.0.0.1:9",
                "client_config": botocore.config.Config(retries={"max_attempts": 0}, connect_timeout=1),
            },
        },
    }
    names = ["evidence/1/0123456789abcdef0123456789abcdef"]

    result = closed_account_files_remove.apply(args=(teammate.pk, names)).get()

    assert result == {"removed": 0, "left": 1}
    event = AuditEvent.objects.get(action="account.files_left")
    assert (event.target, event.data) == (f"user:{teammate.pk}", {"names": names})


def test_closing_twice_is_refused_the_second_time(teammate):
    account_close(user=teammate)

    with pytest.raises(AlreadyClosed):
        account_close(user=User.objects.get(pk=teammate.pk))
    assert AuditEvent.objects.filter(action="account.closed").count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_closes_at_once_one_wins(owner, teammate):
    worklog_create(tenant=teammate.membership.tenant, author=teammate, date=date(2026, 11, 2), content="mine")
    barrier = threading.Barrier(2)
    outcomes = []

    def attempt():
        try:
            barrier.wait(timeout=10)
            account_close(user=User.objects.get(pk=teammate.pk))
            outcomes.append("closed")
        except AlreadyClosed:
            outcomes.append("already closed")
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes) == ["already closed", "closed"]
    assert AuditEvent.objects.filter(action="account.closed").count() == 1
    assert WorkLog.objects.filter(author=teammate).count() == 0
    assert Tenant.objects.get(pk=owner.membership.tenant_id).memberships.count() == 1


# --- every table that names a person is decided on ----------------------------------------------

# Rows naming the person that closing deletes (model label, field).
DELETED = {
    ("accounts.ApiToken", "user"),
    ("tenants.Membership", "user"),
    ("worklogs.Tag", "author"),
    ("worklogs.WorkLog", "author"),
    ("worklogs.WorkLogDay", "author"),
    ("worklogs.Evidence", "author"),
    ("worklogs.ImportFile", "author"),
    ("skills.Skill", "author"),
    ("skills.SkillAlias", "author"),
    ("skills.SkillExtraction", "author"),
    ("reports.Report", "author"),
    ("exports.DataExport", "author"),
    ("account.EmailAddress", "user"),
    ("mfa.Authenticator", "user"),
}
# Rows naming the person that stay, pointing at the anonymised row, and why.
KEPT = {
    ("audit.AuditEvent", "actor"): "the audit log is only added to",
    ("billing.LedgerEntry", "actor"): "the ledger is append-only",
    ("billing.RateCardVersion", "created_by"): "operators' price changes (operators cannot close)",
    ("billing.SimulatedCheckout", "created_by"): "a payment's history, the workspace's",
    ("invites.InvitePasskey", "created_by"): "operators' invites (operators cannot close)",
    ("invites.InvitePasskeyRedemption", "user"): "an invite's use counts, even once the person left",
    ("jobs.Job", "author"): "billing history: kept without the text it carried",
    ("admin.LogEntry", "user"): "Django admin's history of operators' actions",
}


def references_to_users() -> set[tuple[str, str]]:
    return {
        (model._meta.label, field.name)
        for model in apps.get_models()
        for field in model._meta.get_fields()
        if field.concrete and field.is_relation and field.related_model is User
    }


def test_every_table_that_names_a_person_is_emptied_or_kept_on_purpose():
    undecided = references_to_users() - DELETED - set(KEPT)

    assert not undecided, (
        f"{sorted(undecided)} name a user: make accounts/closing.py delete them (and add them to "
        "DELETED) or say here why they stay (KEPT)"
    )


def test_after_closing_no_deleted_table_names_the_person(teammate, media_root):
    career(teammate, "Tom")
    EmailAddress.objects.create(user=teammate, email=teammate.email, primary=True, verified=True)
    if apps.is_installed("allauth.mfa"):
        from allauth.mfa.models import Authenticator

        Authenticator.objects.create(user=teammate, type=Authenticator.Type.TOTP, data={"secret": "x"})

    account_close(user=teammate)

    left = {
        (label, field): count
        for label, field in DELETED & references_to_users()
        if (count := apps.get_model(label)._base_manager.filter(**{field: teammate}).count())
    }
    assert left == {}
