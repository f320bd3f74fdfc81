"""Teams (docs/tenancy.md): members share the workspace's reserve; owners manage the members; a
person's entries stay theirs, also when they leave or are removed; the last owner stays."""

import threading
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from afterresume.audit.models import AuditEvent
from afterresume.billing.ledger.posting import ledger_post
from afterresume.billing.models import LedgerEntry, ReserveAccount
from afterresume.jobs.models import Job, JobKind
from afterresume.jobs.services import job_create_queued
from afterresume.reports.models import Report, ShareLink
from afterresume.reports.services import report_compose, report_create, report_store, share_link_create
from afterresume.skills.models import Skill, SkillEntry
from afterresume.skills.services import skill_create, skill_link
from afterresume.tenants.models import Membership, Tenant
from afterresume.tenants.services import (
    LAST_OWNER,
    membership_create,
    private_models,
    tenant_create_with_owner,
)
from afterresume.worklogs.models import Evidence, Tag, WorkLog, WorkLogDay
from afterresume.worklogs.services import evidence_add, worklog_create
from conftest import make_user, token_client

MEMBERS = "/api/tenant/members/"
LEAVE = "/api/tenant/leave/"


def member_url(membership: Membership) -> str:
    return f"{MEMBERS}{membership.pk}/"


def credit(user, micros: int, key: str) -> None:
    ledger_post(
        account_id=user.membership.tenant.reserve.pk,
        kind=LedgerEntry.Kind.TOPUP,
        amount_micros=micros,
        idempotency_key=key,
    )


def career_log_of(user) -> dict:
    """One of everything private a person has: an entry with a tag and a file, a skill linked to
    it, a finished report with a share link, and a job (which stays with the workspace)."""
    tenant = user.membership.tenant
    entry = worklog_create(
        tenant=tenant, author=user, date=date(2026, 11, 2), content="Shipped the importer", tags=["rust"]
    )
    evidence = evidence_add(
        entry=entry,
        author=user,
        upload=SimpleUploadedFile("notes.txt", b"what I did", content_type="text/plain"),
    )
    skill = skill_create(tenant=tenant, author=user, name="Rust")
    skill_link(skill=skill, entry=entry)
    job = job_create_queued(tenant=tenant, author=user, kind=JobKind.WORKLOG_ENHANCE)
    report = report_create(
        tenant=tenant, author=user, kind="brag", date_from=date(2026, 11, 1), date_to=date(2026, 11, 30)
    )
    Report.objects.filter(pk=report.pk).update(job=job)
    report.refresh_from_db()
    report_compose(report=report, text="# Brag\n", citations=[])
    report = report_store(report=report)
    link, _ = share_link_create(report=report)
    return {"entry": entry, "evidence": evidence, "skill": skill, "report": report, "link": link, "job": job}


# --- the list -----------------------------------------------------------------------------------


def test_everyone_in_the_workspace_sees_its_members_with_their_roles_and_which_one_is_them(
    owner, teammate, outsider
):
    response = token_client(teammate).get(MEMBERS)

    assert response.status_code == 200
    body = response.json()
    assert body["tenant"] == {"id": owner.membership.tenant_id, "name": "Olive's workspace"}
    assert body["my_role"] == "member"
    assert [(m["id"], m["email"], m["display_name"], m["role"], m["is_me"]) for m in body["members"]] == [
        (owner.membership.pk, "owner@example.com", "Olive Owner", "owner", False),
        (teammate.membership.pk, "teammate@example.com", "", "member", True),
    ]
    assert all(m["joined_at"] for m in body["members"])


# --- roles --------------------------------------------------------------------------------------


def test_an_owner_makes_a_member_an_owner_and_back_and_it_is_audited(owner, teammate):
    client = token_client(owner)

    promoted = client.patch(member_url(teammate.membership), {"role": "owner"}, format="json")
    demoted = client.patch(member_url(teammate.membership), {"role": "member"}, format="json")

    assert (promoted.status_code, promoted.json()["role"]) == (200, "owner")
    assert (demoted.status_code, demoted.json()["role"]) == (200, "member")
    teammate.membership.refresh_from_db()
    assert teammate.membership.role == "member"
    events = AuditEvent.objects.filter(action="member.role_changed").order_by("id")
    assert [(e.actor, e.tenant_id, e.data) for e in events] == [
        (owner, owner.membership.tenant_id, {"from": "member", "to": "owner"}),
        (owner, owner.membership.tenant_id, {"from": "owner", "to": "member"}),
    ]


def test_a_member_is_refused_every_management_call_with_what_only_owners_do_and_nothing_changes(
    owner, teammate
):
    member = token_client(teammate)
    events_before = AuditEvent.objects.count()

    answers = [
        member.patch(member_url(owner.membership), {"role": "member"}, format="json"),
        member.patch(member_url(teammate.membership), {"role": "owner"}, format="json"),
        member.delete(member_url(owner.membership)),
        member.get("/api/tenant/invites/"),
        member.post("/api/tenant/invites/", {"role": "owner"}, format="json"),
    ]

    assert [(a.status_code, a.json()["message"]) for a in answers] == [
        (403, "Only the workspace's owners manage its members and invites.")
    ] * 5
    assert list(Membership.objects.values_list("user__email", "role").order_by("id")) == [
        ("owner@example.com", "owner"),
        ("teammate@example.com", "member"),
    ]
    assert AuditEvent.objects.count() == events_before


def test_an_unknown_role_is_a_400(owner, teammate):
    response = token_client(owner).patch(member_url(teammate.membership), {"role": "admin"}, format="json")

    assert response.status_code == 400
    assert response.json()["message"].startswith("Some fields are not valid: ")


def test_the_owner_cannot_touch_another_workspaces_members(owner, outsider):
    client = token_client(owner)

    assert client.patch(member_url(outsider.membership), {"role": "member"}, format="json").status_code == 404
    assert client.delete(member_url(outsider.membership)).status_code == 404
    outsider.membership.refresh_from_db()
    assert (outsider.membership.tenant.name, outsider.membership.role) == ("Elsewhere Ltd", "owner")


# --- the last owner -----------------------------------------------------------------------------


def test_the_last_owner_can_be_neither_demoted_nor_removed_nor_leave(owner, teammate):
    client = token_client(owner)

    answers = [
        client.patch(member_url(owner.membership), {"role": "member"}, format="json"),
        client.delete(member_url(owner.membership)),
        client.post(LEAVE),
    ]

    assert [(a.status_code, a.json()["message"]) for a in answers] == [(409, LAST_OWNER)] * 3
    assert LAST_OWNER == "The workspace needs at least one owner: make someone else an owner first."
    owner.membership.refresh_from_db()
    assert (owner.membership.tenant.name, owner.membership.role) == ("Olive's workspace", "owner")
    assert Tenant.objects.count() == 1
    assert not AuditEvent.objects.filter(action__startswith="member.").exists()


def test_with_a_second_owner_the_first_may_step_down(owner, teammate):
    client = token_client(owner)
    client.patch(member_url(teammate.membership), {"role": "owner"}, format="json")

    response = client.patch(member_url(owner.membership), {"role": "member"}, format="json")

    assert (response.status_code, response.json()["role"], response.json()["is_me"]) == (200, "member", True)
    # and now the teammate is the last owner
    refused = token_client(teammate).post(LEAVE)
    assert refused.status_code == 409


def run_at_once(*calls) -> list[int]:
    """Runs each call in its own thread and database connection, released together."""
    barrier = threading.Barrier(len(calls))
    statuses: list[int] = []

    def run(call):
        barrier.wait()
        try:
            statuses.append(call().status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return sorted(statuses)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("how", ["demote each other", "remove each other", "both leave"])
def test_two_owners_racing_to_step_aside_leave_the_workspace_one_owner(how):
    # given a workspace with two owners
    first = make_user("first@example.com")
    tenant = tenant_create_with_owner(owner=first, name="Racing Co")
    second = make_user("second@example.com")
    membership_create(tenant=tenant, user=second, role=Membership.Role.OWNER)
    clients = {first: token_client(first), second: token_client(second)}
    calls = {
        "demote each other": [
            lambda: clients[first].patch(member_url(second.membership), {"role": "member"}, format="json"),
            lambda: clients[second].patch(member_url(first.membership), {"role": "member"}, format="json"),
        ],
        "remove each other": [
            lambda: clients[first].delete(member_url(second.membership)),
            lambda: clients[second].delete(member_url(first.membership)),
        ],
        "both leave": [lambda: clients[first].post(LEAVE), lambda: clients[second].post(LEAVE)],
    }[how]

    # when both act at the same moment
    statuses = run_at_once(*calls)

    # then one wins and the other is told the workspace needs an owner (or, removed, is no longer in it)
    assert statuses[0] == 200
    assert statuses[1] in (403, 409)
    owners = Membership.objects.filter(tenant=tenant, role=Membership.Role.OWNER)
    assert owners.count() == 1


# --- leaving and removal: the career log goes with the person ------------------------------------


def test_a_removed_member_keeps_their_career_log_in_a_workspace_of_their_own(owner, teammate):
    # given the teammate's private rows and the workspace's money
    mine = career_log_of(teammate)
    owners_entry = worklog_create(
        tenant=owner.membership.tenant, author=owner, date=date(2026, 11, 3), content="Olive's work"
    )
    credit(owner, 20_000_000, "t1")
    old_tenant = owner.membership.tenant

    # when the owner removes them
    response = token_client(owner).delete(member_url(teammate.membership))

    # then the teammate owns a new workspace with an empty reserve and everything of theirs
    assert response.status_code == 200
    teammate.refresh_from_db()
    new_tenant = teammate.membership.tenant
    assert response.json() == {"tenant": {"id": new_tenant.pk, "name": new_tenant.name}}
    assert new_tenant != old_tenant
    assert teammate.membership.role == "owner"
    assert ReserveAccount.objects.get(tenant=new_tenant).balance_micros == 0
    assert ReserveAccount.objects.get(tenant=old_tenant).balance_micros == 20_000_000
    for model in (WorkLog, Tag, WorkLogDay, Evidence, Skill, Report):
        assert set(model.objects.filter(author=teammate).values_list("tenant", flat=True)) == {
            new_tenant.pk
        }, model
    assert SkillEntry.objects.get(skill=mine["skill"]).entry == mine["entry"]
    assert ShareLink.objects.get(pk=mine["link"].pk).report_id == mine["report"].pk
    # the job (its usage, its cost) stays with the workspace it ran for; the report lets go of it
    assert Job.objects.get(pk=mine["job"].pk).tenant == old_tenant
    assert Report.objects.get(pk=mine["report"].pk).job is None
    # the owner's entries stay
    assert WorkLog.objects.get(pk=owners_entry.pk).tenant == old_tenant
    # and through the API the teammate reads their own things as before, and the owner still cannot
    teammate_client = token_client(teammate)
    for url in (
        f"/api/worklogs/{mine['entry'].pk}/",
        f"/api/skills/{mine['skill'].pk}/",
        f"/api/reports/{mine['report'].pk}/",
    ):
        assert teammate_client.get(url).status_code == 200, url
        assert token_client(owner).get(url).status_code == 404, url
    assert teammate_client.get("/api/worklogs/stats/").json()["total"] == 1
    assert [m["email"] for m in token_client(owner).get(MEMBERS).json()["members"]] == ["owner@example.com"]
    [event] = AuditEvent.objects.filter(action="member.removed")
    assert (event.actor, event.tenant, event.target) == (owner, old_tenant, f"user:{teammate.pk}")
    assert event.data["new_tenant"] == new_tenant.pk


def test_a_member_who_leaves_takes_their_entries_and_says_so_in_the_audit_log(owner, teammate):
    mine = career_log_of(teammate)

    response = token_client(teammate).post(LEAVE)

    assert response.status_code == 200
    teammate.refresh_from_db()
    assert teammate.membership.tenant.pk == response.json()["tenant"]["id"]
    assert WorkLog.objects.get(pk=mine["entry"].pk).tenant == teammate.membership.tenant
    [event] = AuditEvent.objects.filter(action="member.left")
    assert (event.actor, event.tenant) == (teammate, owner.membership.tenant)


def test_every_private_model_moves_and_nothing_of_billing_or_jobs_does():
    labels = {model._meta.label for model in private_models()}

    assert labels >= {
        "worklogs.WorkLog",
        "worklogs.Tag",
        "worklogs.WorkLogDay",
        "worklogs.Evidence",
        "skills.Skill",
        "skills.SkillExtraction",
        "reports.Report",
    }
    assert not {label for label in labels if label.split(".")[0] in ("billing", "jobs", "tenants")}


# --- sharing the reserve, never the entries -----------------------------------------------------


def test_a_member_sees_the_workspace_balance_the_owner_sees(owner, teammate):
    credit(owner, 25_000_000, "t1")

    bars = [token_client(person).get("/api/status/bar/").json() for person in (owner, teammate)]
    balances = [
        token_client(person).get("/api/billing/reserve/balance/").json() for person in (owner, teammate)
    ]

    assert [bar["reserve_balance_dollars"] for bar in bars] == ["25.00", "25.00"]
    assert [balance["balance_micros"] for balance in balances] == [25_000_000, 25_000_000]
    # and only owners change the reserve's settings
    refused = token_client(teammate).patch("/api/billing/profile/", {"policy": "warn"}, format="json")
    assert refused.status_code == 403


def test_a_member_never_sees_another_members_entries_skills_or_reports(owner, teammate):
    owners = career_log_of(owner)
    member = token_client(teammate)

    lists = [member.get(url).json() for url in ("/api/worklogs/", "/api/skills/", "/api/reports/")]
    details = [
        member.get(url).status_code
        for url in (
            f"/api/worklogs/{owners['entry'].pk}/",
            f"/api/worklogs/{owners['entry'].pk}/evidence/{owners['evidence'].pk}/download/",
            f"/api/skills/{owners['skill'].pk}/",
            f"/api/reports/{owners['report'].pk}/",
        )
    ]

    assert [body["results"] for body in lists] == [[], [], []]
    assert details == [404, 404, 404, 404]
