"""Skills: extracted by the skills.extract job on a real worker (the local provider and its
taxonomy), and changed by hand; every link stays right through renames and merges."""

import json
from datetime import date

import pytest

from afterresume.billing.models import LedgerEntry, UsageEvent
from afterresume.jobs.models import Job
from afterresume.jobs.tests.conftest import chat_answer, fund
from afterresume.jobs.tests.test_engine import priced, wait_for_end
from afterresume.skills.models import Skill, SkillEntry
from afterresume.worklogs.services import worklog_create, worklog_update
from conftest import token_client

ENTRIES = {
    "k8s": "Moved the billing service to k8s and wrote the Helm charts.",
    "pg": "Tuned Postgres queries: p95 from 900 to 200 ms.",
    "both": "Ran the Kubernetes upgrade and the PostgreSQL failover drill.",
    "none": "Lunch with the team.",
}


@pytest.fixture
def entries(owner):
    return {
        name: worklog_create(
            tenant=owner.membership.tenant, author=owner, date=date(2026, 11, day), content=text
        )
        for day, (name, text) in enumerate(ENTRIES.items(), start=2)
    }


def extract(client, *, full=False) -> Job:
    answer = client.post("/api/jobs/", {"kind": "skills.extract", "params": {"full": full}}, format="json")
    assert answer.status_code == 202, answer.json()
    job = wait_for_end(answer.json()["id"])
    assert job.status == "succeeded", job.error
    return job


def skills_of(client, **query) -> dict:
    answer = client.get("/api/skills/", query)
    assert answer.status_code == 200, answer.json()
    return {skill["name"]: skill for skill in answer.json()["results"]}


def linked(client, skill_id) -> set[int]:
    return {entry["id"] for entry in client.get(f"/api/skills/{skill_id}/entries/").json()["results"]}


def test_extraction_gives_each_skill_its_entries_count_and_first_and_last_seen(worker, owner, entries):
    account = fund(owner, 5_000_000)
    client = token_client(owner)

    job = extract(client)

    skills = skills_of(client)
    assert set(skills) == {"Kubernetes", "Helm", "PostgreSQL"}
    assert linked(client, skills["Kubernetes"]["id"]) == {entries["k8s"].pk, entries["both"].pk}
    assert linked(client, skills["PostgreSQL"]["id"]) == {entries["pg"].pk, entries["both"].pk}
    assert (
        skills["Kubernetes"]["entry_count"],
        skills["Kubernetes"]["first_seen"],
        skills["Kubernetes"]["last_seen"],
    ) == (
        2,
        "2026-11-02",
        "2026-11-04",
    )
    assert skills["Helm"]["entry_count"] == 1
    assert job.result == {"entries": 4, "links": 5, "new_skills": ["Kubernetes", "Helm", "PostgreSQL"]}
    events = UsageEvent.objects.filter(job_reference=f"job:{job.pk}")
    assert events.count() == 4  # one call per entry
    [charge] = LedgerEntry.objects.filter(account=account, kind="usage")
    assert charge.amount_micros == -priced(owner, events) == -job.actual_cost_micros


def test_a_second_run_looks_only_at_entries_changed_since(worker, owner, entries):
    fund(owner, 5_000_000)
    client = token_client(owner)
    extract(client)
    worklog_update(entry=entries["none"], content="Wrote Terraform for the new VPC.")

    again = extract(client)

    assert UsageEvent.objects.filter(job_reference=f"job:{again.pk}").count() == 1  # the changed entry only
    skills = skills_of(client)
    assert linked(client, skills["Terraform"]["id"]) == {entries["none"].pk}
    assert skills["Kubernetes"]["entry_count"] == 2  # untouched entries keep their links
    nothing = extract(client)
    assert UsageEvent.objects.filter(job_reference=f"job:{nothing.pk}").count() == 0
    assert nothing.actual_cost_micros == 0


def test_an_entry_extracted_again_loses_the_skills_it_no_longer_shows_but_keeps_links_by_hand(
    worker, owner, entries
):
    fund(owner, 5_000_000)
    client = token_client(owner)
    extract(client)
    helm = skills_of(client)["Helm"]["id"]
    k8s = skills_of(client)["Kubernetes"]["id"]
    assert (
        client.post(
            f"/api/skills/{helm}/entries/", {"worklog_id": entries["k8s"].pk}, format="json"
        ).status_code
        == 201
    )
    worklog_update(entry=entries["k8s"], content="Moved the billing service. Nothing else.")

    extract(client)

    assert linked(client, k8s) == {entries["both"].pk}
    assert linked(client, helm) == {entries["k8s"].pk}
    assert SkillEntry.objects.get(skill_id=helm).source == "manual"


def test_renaming_and_merging_keep_every_link_and_later_extractions_find_the_skill(worker, owner, entries):
    fund(owner, 5_000_000)
    client = token_client(owner)
    extract(client)
    skills = skills_of(client)
    k8s, helm = skills["Kubernetes"]["id"], skills["Helm"]["id"]

    renamed = client.patch(f"/api/skills/{k8s}/", {"name": "Container orchestration"}, format="json").json()
    merged = client.post(f"/api/skills/{helm}/merge/", {"into": k8s}, format="json")

    assert renamed["aliases"] == ["kubernetes"]
    assert merged.status_code == 200
    assert merged.json()["aliases"] == ["helm", "kubernetes"]
    assert linked(client, k8s) == {entries["k8s"].pk, entries["both"].pk}
    assert not Skill.objects.filter(pk=helm).exists()
    assert client.get(f"/api/skills/{helm}/").status_code == 404
    worklog_update(entry=entries["none"], content="Wrote a Helm chart for the k8s jobs.")
    extract(client)
    assert set(skills_of(client)) == {"Container orchestration", "PostgreSQL"}
    assert entries["none"].pk in linked(client, k8s)


def test_skills_by_hand_add_hide_and_refuse_a_name_taken(owner, entries):
    client = token_client(owner)

    added = client.post("/api/skills/", {"name": "  Public   speaking "}, format="json")
    again = client.post("/api/skills/", {"name": "public speaking"}, format="json")

    assert added.status_code == 201 and added.json()["name"] == "Public speaking"
    assert again.status_code == 400 and "merge into it instead" in again.json()["message"]
    skill_id = added.json()["id"]
    client.post(f"/api/skills/{skill_id}/entries/", {"worklog_id": entries["none"].pk}, format="json")
    client.patch(f"/api/skills/{skill_id}/", {"is_hidden": True}, format="json")
    assert skills_of(client) == {}
    assert skills_of(client, include_hidden="true")["Public speaking"]["entry_count"] == 1
    assert client.delete(f"/api/skills/{skill_id}/entries/{entries['none'].pk}/").status_code == 204
    assert skills_of(client, include_hidden="true")["Public speaking"]["entry_count"] == 0


def test_a_teammates_skills_and_entries_stay_theirs(owner, teammate, entries):
    mine = token_client(owner).post("/api/skills/", {"name": "Kubernetes"}, format="json").json()["id"]
    theirs = token_client(teammate)

    assert theirs.get("/api/skills/").json()["results"] == []
    assert theirs.get(f"/api/skills/{mine}/entries/").status_code == 404
    own = theirs.post("/api/skills/", {"name": "Go"}, format="json").json()["id"]
    answer = theirs.post(f"/api/skills/{own}/entries/", {"worklog_id": entries["k8s"].pk}, format="json")
    assert answer.status_code == 400  # not their entry
    assert theirs.post(f"/api/skills/{own}/merge/", {"into": mine}, format="json").status_code == 400


def test_with_the_openai_provider_the_model_is_asked_per_entry_and_its_list_parsed(
    worker, owner, entries, openai_server
):
    fund(owner, 5_000_000)
    asked = []

    def answer(request):
        body = json.loads(request.get_data())
        asked.append(body["messages"][1]["content"])
        return chat_answer("- Kubernetes\n- kubernetes, Incident response.", usage=(50, 9))

    openai_server.expect_request("/v1/chat/completions").respond_with_handler(answer)

    job = extract(token_client(owner))

    assert sorted(asked) == sorted(ENTRIES.values())  # one call per entry, the entry's own text
    skills = skills_of(token_client(owner))
    assert set(skills) == {"Kubernetes", "Incident response"}
    assert skills["Kubernetes"]["entry_count"] == 4
    events = UsageEvent.objects.filter(job_reference=f"job:{job.pk}")
    assert {(event.model, event.tokens_in, event.tokens_out) for event in events} == {("gpt-test", 50, 9)}
    assert job.actual_cost_micros == priced(owner, events)


def test_deleting_an_entry_counts_its_skills_again_and_the_list_orders_by_the_kept_counts(owner, entries):
    client = token_client(owner)
    python = client.post("/api/skills/", {"name": "Python"}, format="json").json()["id"]
    helm = client.post("/api/skills/", {"name": "Helm"}, format="json").json()["id"]
    for entry in entries.values():
        client.post(f"/api/skills/{python}/entries/", {"worklog_id": entry.pk}, format="json")
    first, *_ = entries.values()
    client.post(f"/api/skills/{helm}/entries/", {"worklog_id": first.pk}, format="json")
    assert [(s["name"], s["entry_count"]) for s in client.get("/api/skills/").json()["results"]] == [
        ("Python", len(entries)),
        ("Helm", 1),
    ]

    # when the entry both skills show is deleted (by its author, through the API)
    assert client.delete(f"/api/worklogs/{first.pk}/").status_code == 204

    # then each skill counts one entry fewer, and what it shows first and last is read again
    listed = {s["name"]: s for s in client.get("/api/skills/").json()["results"]}
    assert listed["Python"]["entry_count"] == len(entries) - 1
    assert listed["Helm"]["entry_count"] == 0 and listed["Helm"]["first_seen"] is None
    assert Skill.objects.get(pk=python).entry_count == SkillEntry.objects.filter(skill_id=python).count()
