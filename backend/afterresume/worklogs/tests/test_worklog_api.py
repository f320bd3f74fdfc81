"""The worklog API: create with validation, list with keyset pagination, filters,
ordering and full-text search on PostgreSQL, retrieve/patch/delete, suggestions and stats — and
that entries stay private to their author (docs/tenancy.md), teammates included."""

import json
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from afterresume.accounts.timezones import today_for
from afterresume.worklogs.models import Tag, WorkLog

ENTRIES = "/api/worklogs/"
SUGGESTIONS = "/api/worklogs/suggestions/"
STATS = "/api/worklogs/stats/"
TOO_FAR = "The date is too far in the future: log work that happened."
MISSING = object()  # in a payload change: leave the field out
IN_TWO_DAYS = object()  # in a payload change: the day after tomorrow in the author's zone


def entry_url(entry_id: int) -> str:
    return f"{ENTRIES}{entry_id}/"


def fields_of(response) -> dict:
    """The field errors of a 400 in our error shape."""
    body = response.json()
    assert set(body) == {"message", "extra", "request_id"}
    assert set(body["extra"]) == {"fields"}
    return body["extra"]["fields"]


def contents(response) -> list[str]:
    return [item["content"] for item in response.json()["results"]]


def snapshot(entry: WorkLog) -> tuple:
    """Everything a write could change about an entry, read back from the database."""
    entry = WorkLog.objects.get(pk=entry.pk)
    tags = sorted(entry.tags.values_list("name", flat=True))
    return (entry.date, entry.content, entry.employer, entry.project, tags, entry.metadata, entry.updated_at)


def utc_today() -> date:
    return datetime.now(ZoneInfo("UTC")).date()


# --- create ---------------------------------------------------------------------------------------


def test_creating_an_entry_with_a_token_echoes_it_with_normalised_tags_and_source_api(owner, owner_client):
    today = today_for(owner)

    response = owner_client.post(
        ENTRIES,
        {
            "date": today.isoformat(),
            "content": "  Shipped the billing page\nwith tests.  ",
            "employer": " Acme Corp ",
            "project": "Billing",
            "tags": ["Python", "django", " PYTHON ", "Code  Review", "DJANGO"],
            "metadata": {"ticket": "AR-12", "hours": 3},
        },
        format="json",
    )

    assert response.status_code == 201
    assert response["Content-Type"] == "application/json"
    entry = WorkLog.objects.get()
    body = response.json()
    assert body == {
        "id": entry.id,
        "date": today.isoformat(),
        "content": "Shipped the billing page\nwith tests.",
        "employer": "Acme Corp",
        "project": "Billing",
        "tags": ["code review", "django", "python"],
        "source": "api",
        "metadata": {"ticket": "AR-12", "hours": 3},
        "created_at": entry.created_at.isoformat(),
        "updated_at": entry.updated_at.isoformat(),
    }
    assert (entry.tenant, entry.author, entry.source) == (owner.membership.tenant, owner, "api")
    assert sorted(entry.tags.values_list("name", flat=True)) == ["code review", "django", "python"]
    assert sorted(Tag.objects.values_list("name", "author")) == [
        ("code review", owner.id),
        ("django", owner.id),
        ("python", owner.id),
    ]


def test_the_create_answer_carries_the_suggestions_as_they_are_after_the_new_entry(
    owner, owner_client, make_entry
):
    # given earlier entries, one of them the newest by date
    today = today_for(owner)
    make_entry(owner, date=today, employer="Acme", project="Search", tags=["python"])
    make_entry(owner, date=today - timedelta(days=3), employer="Globex", project="Billing", tags=["sql"])

    # when an entry with a new employer, project and tag is created for yesterday
    response = owner_client.post(
        f"{ENTRIES}?include=suggestions",
        {
            "date": (today - timedelta(days=1)).isoformat(),
            "content": "Rolled out the new search",
            "employer": "Initech",
            "project": "Atlas",
            "tags": ["rollout"],
        },
        format="json",
    )

    # then its answer has the suggestions GET /api/worklogs/suggestions/ now gives
    assert response.status_code == 201
    assert response.json()["suggestions"] == {
        "employers": ["Acme", "Initech", "Globex"],
        "projects": ["Search", "Atlas", "Billing"],
        "tags": ["python", "rollout", "sql"],
        "last_employer": "Acme",
        "last_project": "Search",
        "today": today.isoformat(),
    }
    assert response.json()["suggestions"] == owner_client.get(SUGGESTIONS).json()


def test_the_create_answer_carries_suggestions_only_when_asked_and_refuses_an_unknown_include(
    owner, owner_client
):
    entry = {"date": today_for(owner).isoformat(), "content": "Wrote the runbook"}

    plain = owner_client.post(ENTRIES, entry, format="json")
    unknown = owner_client.post(f"{ENTRIES}?include=everything", entry, format="json")

    assert plain.status_code == 201 and "suggestions" not in plain.json()
    assert unknown.status_code == 400
    assert list(unknown.json()["extra"]["fields"]) == ["include"]
    assert WorkLog.objects.count() == 1


def test_an_entry_created_from_a_frontend_session_has_source_manual(owner, session_client):
    client = session_client(owner)

    response = client.post(ENTRIES, {"date": today_for(owner).isoformat(), "content": "Paired on search"})

    assert response.status_code == 201
    assert response.json()["source"] == "manual"
    assert list(WorkLog.objects.values_list("source", "content")) == [("manual", "Paired on search")]


def test_a_tag_already_used_is_reused_not_duplicated(owner, owner_client, make_entry):
    make_entry(owner, tags=["python"])

    response = owner_client.post(
        ENTRIES, {"date": today_for(owner).isoformat(), "content": "More", "tags": ["Python"]}, format="json"
    )

    assert response.status_code == 201
    assert list(Tag.objects.values_list("name", flat=True)) == ["python"]
    assert [list(e.tags.values_list("name", flat=True)) for e in WorkLog.objects.order_by("id")] == [
        ["python"],
        ["python"],
    ]


def test_the_limits_themselves_are_accepted(owner, owner_client):
    response = owner_client.post(
        ENTRIES,
        {
            "date": (today_for(owner) + timedelta(days=1)).isoformat(),
            "content": "x" * 10_000,
            "employer": "e" * 200,
            "project": "p" * 200,
            "tags": [f"tag{n:02}" for n in range(20)],
        },
        format="json",
    )

    assert response.status_code == 201
    entry = WorkLog.objects.get()
    assert (len(entry.content), len(entry.employer), len(entry.project), entry.tags.count()) == (
        10_000,
        200,
        200,
        20,
    )


def valid_entry(owner) -> dict:
    return {"date": today_for(owner).isoformat(), "content": "Fixed the flaky import"}


def apply(payload: dict, change: dict, user) -> dict:
    payload = {**payload, **change}
    for key, value in change.items():
        if value is MISSING:
            del payload[key]
        elif value is IN_TWO_DAYS:
            payload[key] = (today_for(user) + timedelta(days=2)).isoformat()
    return payload


REFUSED_CREATES = {
    "empty content": ({"content": ""}, {"content": ["This field may not be blank."]}),
    "whitespace-only content": ({"content": "  \n\t  "}, {"content": ["This field may not be blank."]}),
    "no content": ({"content": MISSING}, {"content": ["This field is required."]}),
    "null content": ({"content": None}, {"content": ["This field may not be null."]}),
    "content over 10,000 characters": (
        {"content": "x" * 10_001},
        {"content": ["Ensure this field has no more than 10000 characters."]},
    ),
    "content with a NUL character": (
        {"content": "a\x00b"},
        {"content": ["Null characters are not allowed."]},
    ),
    "employer over 200 characters": (
        {"employer": "e" * 201},
        {"employer": ["Ensure this field has no more than 200 characters."]},
    ),
    "project over 200 characters": (
        {"project": "p" * 201},
        {"project": ["Ensure this field has no more than 200 characters."]},
    ),
    "a date two days ahead": ({"date": IN_TWO_DAYS}, {"date": [TOO_FAR]}),
    "a date that is not one": (
        {"date": "2026-02-30"},
        {"date": ["Date has wrong format. Use one of these formats instead: YYYY-MM-DD."]},
    ),
    "more than 20 tags": (
        {"tags": [f"tag{n:02}" for n in range(21)]},
        {"tags": ["Ensure this field has no more than 20 elements."]},
    ),
    "a tag over 50 characters": (
        {"tags": ["ok", "t" * 51]},
        {"tags": {"1": ["Ensure this field has no more than 50 characters."]}},
    ),
    "tags that are not a list": (
        {"tags": "python"},
        {"tags": ['Expected a list of items but got type "str".']},
    ),
    "metadata that is not an object": (
        {"metadata": ["x"]},
        {"metadata": ['Expected a dictionary of items but got type "list".']},
    ),
    "an unknown field": ({"colour": "red"}, {"colour": ["This field is not known."]}),
    "a field the server sets": ({"source": "import"}, {"source": ["This field is not known."]}),
}


@pytest.mark.parametrize(("change", "fields"), REFUSED_CREATES.values(), ids=REFUSED_CREATES.keys())
def test_an_invalid_entry_is_refused_naming_the_field_and_nothing_is_created(
    owner, owner_client, change, fields
):
    response = owner_client.post(ENTRIES, apply(valid_entry(owner), change, owner), format="json")

    assert response.status_code == 400
    assert fields_of(response) == fields
    assert response.json()["message"].startswith("Some fields are not valid: ")
    assert (WorkLog.objects.count(), Tag.objects.count()) == (0, 0)


def test_tomorrow_is_accepted_but_the_day_after_is_refused(owner, owner_client):
    today = today_for(owner)

    tomorrow = owner_client.post(
        ENTRIES, {"date": (today + timedelta(days=1)).isoformat(), "content": "Planned demo"}, format="json"
    )
    later = owner_client.post(
        ENTRIES, {"date": (today + timedelta(days=2)).isoformat(), "content": "Too early"}, format="json"
    )

    assert tomorrow.status_code == 201
    assert later.status_code == 400
    assert fields_of(later) == {"date": [TOO_FAR]}
    assert later.json()["message"] == f"Some fields are not valid: {TOO_FAR}"
    assert list(WorkLog.objects.values_list("content", flat=True)) == ["Planned demo"]


def test_today_follows_the_users_time_zone(owner, owner_client):
    # given someone at UTC+14: "the day after tomorrow" in UTC is their tomorrow once it is 10:00 UTC
    owner.time_zone = "Pacific/Kiritimati"
    owner.save(update_fields=["time_zone"])
    their_today = datetime.now(ZoneInfo("Pacific/Kiritimati")).date()
    in_two_utc_days = utc_today() + timedelta(days=2)
    allowed = in_two_utc_days <= their_today + timedelta(days=1)

    response = owner_client.post(
        ENTRIES, {"date": in_two_utc_days.isoformat(), "content": "Across the date line"}, format="json"
    )
    their_tomorrow = owner_client.post(
        ENTRIES, {"date": (their_today + timedelta(days=1)).isoformat(), "content": "ok"}, format="json"
    )
    their_day_after = owner_client.post(
        ENTRIES, {"date": (their_today + timedelta(days=2)).isoformat(), "content": "no"}, format="json"
    )

    assert response.status_code == (201 if allowed else 400)
    assert their_tomorrow.status_code == 201
    assert their_day_after.status_code == 400
    assert fields_of(their_day_after) == {"date": [TOO_FAR]}
    assert WorkLog.objects.count() == (2 if allowed else 1)


def test_a_date_is_judged_in_the_authors_zone_not_the_servers(owner, teammate, owner_client, teammate_client):
    # given UTC+14 and UTC-11: 25 hours apart, so their calendars are always 1 or 2 days apart
    owner.time_zone = "Pacific/Kiritimati"
    owner.save(update_fields=["time_zone"])
    teammate.time_zone = "Pacific/Pago_Pago"
    teammate.save(update_fields=["time_zone"])
    day = datetime.now(ZoneInfo("Pacific/Kiritimati")).date() + timedelta(days=1)
    payload = {"date": day.isoformat(), "content": "Release day"}

    # when both log the same date: the owner's tomorrow, at least two days ahead for the teammate
    east = owner_client.post(ENTRIES, payload, format="json")
    west = teammate_client.post(ENTRIES, payload, format="json")

    # then
    assert (east.status_code, west.status_code) == (201, 400)
    assert fields_of(west) == {"date": [TOO_FAR]}
    assert list(WorkLog.objects.values_list("author", flat=True)) == [owner.id]


# --- list: pagination and ordering ---------------------------------------------------------------


def bulk_entries(user, dates: list[date], **fields) -> list[WorkLog]:
    """Many entries at once (the search trigger still fills search_vector)."""
    tenant = user.membership.tenant
    return WorkLog.objects.bulk_create(
        [
            WorkLog(tenant=tenant, author=user, date=day, content=f"entry {n}", **fields)
            for n, day in enumerate(dates)
        ]
    )


def walk_pages(client, url: str, params: dict) -> list[list[int]]:
    pages = []
    response = client.get(url, params)
    while True:
        assert response.status_code == 200
        body = response.json()
        assert set(body) == {"next", "previous", "results"}
        pages.append([item["id"] for item in body["results"]])
        if body["next"] is None:
            return pages
        assert "page=" not in body["next"] and "offset=" not in body["next"]
        response = client.get(body["next"])


def test_the_list_is_newest_first_25_a_page_with_a_next_cursor(owner, owner_client):
    # given 30 entries over 12 days, several on the same day (the id breaks the tie)
    start = date(2026, 1, 1)
    entries = bulk_entries(owner, [start + timedelta(days=n % 12) for n in range(30)])
    expected = [e.id for e in sorted(entries, key=lambda e: (e.date, e.id), reverse=True)]

    first = owner_client.get(ENTRIES)
    pages = walk_pages(owner_client, ENTRIES, {})

    assert first.json()["previous"] is None
    assert "cursor=" in first.json()["next"]
    assert [len(page) for page in pages] == [25, 5]
    assert [i for page in pages for i in page] == expected


def test_page_size_is_the_callers_choice_up_to_100(owner, owner_client):
    bulk_entries(owner, [date(2026, 1, 1) + timedelta(days=n) for n in range(105)])

    assert [len(p) for p in walk_pages(owner_client, ENTRIES, {"page_size": 40})] == [40, 40, 25]
    assert [len(p) for p in walk_pages(owner_client, ENTRIES, {"page_size": 500})] == [100, 5]


@pytest.mark.parametrize(
    ("ordering", "key", "reverse"),
    [
        (None, lambda e: (e.date, e.id), True),
        ("-date", lambda e: (e.date, e.id), True),
        ("date", lambda e: (e.date, e.id), False),
        ("created", lambda e: (e.created_at, e.id), False),
        ("-created", lambda e: (e.created_at, e.id), True),
    ],
)
def test_the_list_orders_by_date_or_creation_across_pages(owner, owner_client, ordering, key, reverse):
    # given entries created in an order unrelated to their dates, some sharing a date
    days = [5, 1, 9, 1, 3, 7, 5, 2]
    entries = [
        WorkLog.objects.create(
            tenant=owner.membership.tenant, author=owner, date=date(2026, 3, d), content=f"entry {n}"
        )
        for n, d in enumerate(days)
    ]
    params = {"page_size": 3} | ({"ordering": ordering} if ordering else {})

    pages = walk_pages(owner_client, ENTRIES, params)

    assert [i for page in pages for i in page] == [e.id for e in sorted(entries, key=key, reverse=reverse)]
    assert [len(page) for page in pages] == [3, 3, 2]


# --- list: filters and search --------------------------------------------------------------------


@pytest.fixture
def varied_entries(owner, make_entry):
    make_entry(owner, "alpha", date=date(2026, 1, 10), employer="Acme", project="Billing", tags=["python"])
    make_entry(owner, "beta", date=date(2026, 1, 12), employer="Acme", project="Search", tags=["sql"])
    make_entry(owner, "gamma", date=date(2026, 1, 14), employer="Globex", project="Billing", tags=["python"])
    make_entry(owner, "delta", date=date(2026, 1, 16), employer="", project="", source="api", tags=[])
    make_entry(owner, "epsilon", date=date(2026, 1, 18), employer="Acme Labs", source="import", tags=["sql"])


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, ["epsilon", "delta", "gamma", "beta", "alpha"]),
        ({"date_from": "2026-01-12"}, ["epsilon", "delta", "gamma", "beta"]),
        ({"date_to": "2026-01-14"}, ["gamma", "beta", "alpha"]),
        ({"date_from": "2026-01-12", "date_to": "2026-01-16"}, ["delta", "gamma", "beta"]),
        ({"date_from": "2026-01-13", "date_to": "2026-01-13"}, []),
        ({"employer": "acme"}, ["beta", "alpha"]),
        ({"employer": "Acme Labs"}, ["epsilon"]),
        ({"project": "BILLING"}, ["gamma", "alpha"]),
        ({"tag": "Python"}, ["gamma", "alpha"]),
        ({"tag": "sql"}, ["epsilon", "beta"]),
        ({"tag": "rust"}, []),
        ({"source": "api"}, ["delta"]),
        ({"source": "import"}, ["epsilon"]),
        ({"source": "manual"}, ["gamma", "beta", "alpha"]),
        ({"employer": "Acme", "tag": "sql", "date_to": "2026-01-31"}, ["beta"]),
    ],
)
def test_the_list_filters_by_date_range_employer_project_tag_and_source(
    owner_client, varied_entries, params, expected
):
    response = owner_client.get(ENTRIES, params)

    assert response.status_code == 200
    assert contents(response) == expected


@pytest.mark.parametrize(
    ("search", "expected"),
    [
        ("deploy", ["Deployed the service to production"]),
        ("deploying services", ["Deployed the service to production"]),
        ("deployments", ["Deployed the service to production"]),
        ('"quarterly report"', ["Wrote the quarterly report"]),
        (
            "quarterly report",
            ["The report was late: quarterly numbers missing", "Wrote the quarterly report"],
        ),
        ("report -late", ["Wrote the quarterly report"]),
        ("initech", ["Wrote the quarterly report"]),
        ("Atlas", ["Wrote the quarterly report"]),
        ("acme production", ["Deployed the service to production"]),
        (
            "deploy or checklist",
            ["Reviewed the release checklist with the team", "Deployed the service to production"],
        ),
        ("kubernetes", []),
    ],
)
def test_search_is_postgresql_full_text_with_stemming_and_web_syntax(
    owner_client, searchable_entries, search, expected
):
    response = owner_client.get(ENTRIES, {"search": search})

    assert response.status_code == 200
    assert contents(response) == expected


def test_search_combines_with_the_filters(owner_client, searchable_entries):
    response = owner_client.get(ENTRIES, {"search": "report", "date_to": "2026-02-03"})

    assert contents(response) == ["Wrote the quarterly report"]


def test_search_follows_edits_of_content_and_employer(owner, owner_client, make_entry):
    entry = make_entry(owner, "Wrote a migration", employer="Acme")

    owner_client.patch(
        entry_url(entry.id), {"content": "Tuned the indexes", "employer": "Umbrella"}, format="json"
    )

    assert contents(owner_client.get(ENTRIES, {"search": "index"})) == ["Tuned the indexes"]
    assert contents(owner_client.get(ENTRIES, {"search": "umbrella"})) == ["Tuned the indexes"]
    assert contents(owner_client.get(ENTRIES, {"search": "migration"})) == []
    assert contents(owner_client.get(ENTRIES, {"search": "acme"})) == []


@pytest.mark.parametrize(
    ("params", "fields"),
    [
        (
            {"date_from": "2026-13-01"},
            {"date_from": ["Date has wrong format. Use one of these formats instead: YYYY-MM-DD."]},
        ),
        (
            {"date_to": "yesterday"},
            {"date_to": ["Date has wrong format. Use one of these formats instead: YYYY-MM-DD."]},
        ),
        ({"source": "robot"}, {"source": ['"robot" is not a valid choice.']}),
        ({"ordering": "content"}, {"ordering": ['"content" is not a valid choice.']}),
        ({"search": "s" * 201}, {"search": ["Ensure this field has no more than 200 characters."]}),
        ({"search": "a\x00b"}, {"search": ["Null characters are not allowed."]}),
        ({"tag": "t" * 51}, {"tag": ["Ensure this field has no more than 50 characters."]}),
        ({"employer": "e" * 201}, {"employer": ["Ensure this field has no more than 200 characters."]}),
    ],
)
def test_an_invalid_filter_value_is_a_400_naming_it(owner_client, varied_entries, params, fields):
    response = owner_client.get(ENTRIES, params)

    assert response.status_code == 400
    assert fields_of(response) == fields


def test_a_forged_cursor_is_a_404(owner_client, varied_entries):
    response = owner_client.get(ENTRIES, {"cursor": "not-a-cursor"})

    assert response.status_code == 404
    assert response.json()["message"] == "Invalid cursor"


# --- retrieve, patch, delete ---------------------------------------------------------------------


def test_retrieving_an_entry_gives_its_fields_and_evidence(owner, owner_client, make_entry):
    entry = make_entry(owner, "Ran the retro", employer="Acme", project="Team", tags=["meetings"])

    response = owner_client.get(entry_url(entry.id))

    assert response.status_code == 200
    assert response.json() == {
        "id": entry.id,
        "date": entry.date.isoformat(),
        "content": "Ran the retro",
        "employer": "Acme",
        "project": "Team",
        "tags": ["meetings"],
        "source": "manual",
        "metadata": {},
        "created_at": entry.created_at.isoformat(),
        "updated_at": entry.updated_at.isoformat(),
        "evidence": [],
        "history": [],
    }


def test_changing_an_entrys_text_keeps_the_old_text_in_its_history_newest_first(
    owner, owner_client, make_entry
):
    entry = make_entry(owner, "First words")
    owner_client.patch(entry_url(entry.id), {"content": "Second words"}, format="json")
    owner_client.patch(entry_url(entry.id), {"project": "Atlas"}, format="json")  # text unchanged
    owner_client.patch(entry_url(entry.id), {"content": "Third words"}, format="json")

    history = owner_client.get(entry_url(entry.id)).json()["history"]

    assert [(item["content"], item["reason"]) for item in history] == [
        ("Second words", "edited"),
        ("First words", "edited"),
    ]


def test_a_patch_changes_only_the_fields_given(owner, owner_client, make_entry):
    entry = make_entry(owner, "Draft", employer="Acme", project="Atlas", tags=["python"], metadata={"a": 1})
    before = WorkLog.objects.get(pk=entry.pk)

    response = owner_client.patch(entry_url(entry.id), {"content": "  Final wording  "}, format="json")

    assert response.status_code == 200
    after = WorkLog.objects.get(pk=entry.pk)
    assert response.json() == {
        "id": entry.id,
        "date": before.date.isoformat(),
        "content": "Final wording",
        "employer": "Acme",
        "project": "Atlas",
        "tags": ["python"],
        "source": "manual",
        "metadata": {"a": 1},
        "created_at": before.created_at.isoformat(),
        "updated_at": after.updated_at.isoformat(),
    }
    assert after.updated_at > before.updated_at
    assert snapshot(entry)[:6] == (before.date, "Final wording", "Acme", "Atlas", ["python"], {"a": 1})


def test_a_patch_with_tags_replaces_them(owner, owner_client, make_entry):
    entry = make_entry(owner, tags=["python", "sql"])

    replaced = owner_client.patch(entry_url(entry.id), {"tags": ["SQL", "Rust", "rust"]}, format="json")
    cleared = owner_client.patch(entry_url(entry.id), {"tags": []}, format="json")

    assert replaced.status_code == 200
    assert replaced.json()["tags"] == ["rust", "sql"]
    assert cleared.status_code == 200
    assert cleared.json()["tags"] == []
    assert list(WorkLog.objects.get(pk=entry.pk).tags.all()) == []
    assert sorted(Tag.objects.values_list("name", flat=True)) == ["python", "rust", "sql"]


def test_a_patch_can_move_an_entry_to_tomorrow_but_no_further(owner, owner_client, make_entry):
    entry = make_entry(owner)
    tomorrow = today_for(owner) + timedelta(days=1)

    moved = owner_client.patch(entry_url(entry.id), {"date": tomorrow.isoformat()}, format="json")
    before = snapshot(entry)
    refused = owner_client.patch(
        entry_url(entry.id), {"date": (tomorrow + timedelta(days=1)).isoformat()}, format="json"
    )

    assert moved.status_code == 200
    assert moved.json()["date"] == tomorrow.isoformat()
    assert refused.status_code == 400
    assert fields_of(refused) == {"date": [TOO_FAR]}
    assert snapshot(entry) == before


REFUSED_PATCHES = {
    key: REFUSED_CREATES[key]
    for key in [
        "empty content",
        "whitespace-only content",
        "null content",
        "content over 10,000 characters",
        "employer over 200 characters",
        "project over 200 characters",
        "a date that is not one",
        "a date two days ahead",
        "more than 20 tags",
        "a tag over 50 characters",
        "an unknown field",
        "a field the server sets",
    ]
} | {"null employer": ({"employer": None}, {"employer": ["This field may not be null."]})}


@pytest.mark.parametrize(("change", "fields"), REFUSED_PATCHES.values(), ids=REFUSED_PATCHES.keys())
def test_an_invalid_patch_is_refused_like_a_create_and_changes_nothing(
    owner, owner_client, make_entry, change, fields
):
    entry = make_entry(owner, "Original", employer="Acme", project="Atlas", tags=["python"])
    before = snapshot(entry)

    response = owner_client.patch(entry_url(entry.id), apply({}, change, owner), format="json")

    assert response.status_code == 400
    assert fields_of(response) == fields
    assert snapshot(entry) == before
    assert sorted(Tag.objects.values_list("name", flat=True)) == ["python"]


def test_deleting_an_entry_removes_it(owner, owner_client, make_entry):
    entry = make_entry(owner, tags=["python"])
    kept = make_entry(owner, "Kept")

    response = owner_client.delete(entry_url(entry.id))

    assert response.status_code == 204
    assert list(WorkLog.objects.all()) == [kept]
    assert owner_client.get(entry_url(entry.id)).status_code == 404
    assert owner_client.delete(entry_url(entry.id)).status_code == 404
    assert contents(owner_client.get(ENTRIES)) == ["Kept"]


# --- suggestions ---------------------------------------------------------------------------------


def test_suggestions_are_distinct_recent_values_most_recent_first(owner, owner_client, make_entry):
    today = today_for(owner)
    # created out of date order: "most recent" is by date, not by creation
    make_entry(owner, date=today - timedelta(days=1), employer="Acme", project="Search", tags=["python"])
    make_entry(
        owner, date=today - timedelta(days=5), employer="Acme", project="Billing", tags=["python", "sql"]
    )
    make_entry(owner, date=today - timedelta(days=3), employer="Globex", project="", tags=["django"])
    make_entry(owner, date=today - timedelta(days=4), employer="Initech", project="Billing", tags=[])

    response = owner_client.get(SUGGESTIONS)

    assert response.status_code == 200
    assert response.json() == {
        "employers": ["Acme", "Globex", "Initech"],
        "projects": ["Search", "Billing"],
        "tags": ["python", "django", "sql"],
        "last_employer": "Acme",
        "last_project": "Search",
        "today": today.isoformat(),
    }


def test_the_last_employer_and_project_come_from_the_newest_entry_even_when_empty(
    owner, owner_client, make_entry
):
    make_entry(owner, date=today_for(owner) - timedelta(days=2), employer="Acme", project="Atlas")
    make_entry(owner, date=today_for(owner), employer="", project="")

    body = owner_client.get(SUGGESTIONS).json()

    assert (body["employers"], body["projects"]) == (["Acme"], ["Atlas"])
    assert (body["last_employer"], body["last_project"]) == ("", "")


def test_suggestions_without_entries_are_empty(owner, owner_client):
    assert owner_client.get(SUGGESTIONS).json() == {
        "employers": [],
        "projects": [],
        "tags": [],
        "last_employer": "",
        "last_project": "",
        "today": today_for(owner).isoformat(),
    }


@pytest.mark.parametrize("time_zone", ["Pacific/Kiritimati", "Pacific/Pago_Pago"])
def test_suggestions_give_today_in_the_persons_own_time_zone(owner, owner_client, time_zone):
    # given someone at UTC+14 or UTC-11: their today is never the same as both UTC's and the other's
    owner.time_zone = time_zone
    owner.save(update_fields=["time_zone"])

    body = owner_client.get(SUGGESTIONS).json()

    assert body["today"] == datetime.now(ZoneInfo(time_zone)).date().isoformat()


# --- stats ---------------------------------------------------------------------------------------


def test_stats_count_this_week_the_streak_ending_today_and_the_total(owner, owner_client, make_entry):
    today = today_for(owner)
    days_ago = [0, 1, 2, 2, 4, 9]  # a streak of 3 (today, yesterday, the day before), then gaps
    for n in days_ago:
        make_entry(owner, date=today - timedelta(days=n))
    make_entry(owner, date=today + timedelta(days=1))  # tomorrow: in the total only
    monday = today - timedelta(days=today.weekday())
    this_week = sum(1 for n in days_ago if today - timedelta(days=n) >= monday)

    response = owner_client.get(STATS)

    assert response.status_code == 200
    assert response.json() == {
        "today": today.isoformat(),
        "this_week": this_week,
        "streak_days": 3,
        "total": 7,
    }


def test_a_streak_still_counts_until_today_has_an_entry(owner, owner_client, make_entry):
    today = today_for(owner)
    for n in [1, 2, 3, 5]:
        make_entry(owner, date=today - timedelta(days=n))

    assert owner_client.get(STATS).json()["streak_days"] == 3


def test_a_streak_is_broken_by_a_missed_day(owner, owner_client, make_entry):
    today = today_for(owner)
    for n in [2, 3, 4]:
        make_entry(owner, date=today - timedelta(days=n))

    assert owner_client.get(STATS).json()["streak_days"] == 0


def test_this_week_starts_on_monday(owner, owner_client, make_entry):
    today = today_for(owner)
    monday = today - timedelta(days=today.weekday())
    make_entry(owner, date=monday)
    make_entry(owner, date=monday - timedelta(days=1))  # last Sunday

    body = owner_client.get(STATS).json()

    assert (body["this_week"], body["total"]) == (1, 2)


def test_stats_use_the_users_time_zone(owner, owner_client, make_entry):
    owner.time_zone = "Pacific/Kiritimati"
    owner.save(update_fields=["time_zone"])
    their_today = datetime.now(ZoneInfo("Pacific/Kiritimati")).date()
    make_entry(owner, date=their_today)

    body = owner_client.get(STATS).json()

    assert body["today"] == their_today.isoformat()
    assert (body["streak_days"], body["total"]) == (1, 1)


def test_stats_without_entries_are_zero(owner, owner_client):
    assert owner_client.get(STATS).json() == {
        "today": today_for(owner).isoformat(),
        "this_week": 0,
        "streak_days": 0,
        "total": 0,
    }


# --- privacy: entries are their author's alone ---------------------------------------------------


@pytest.fixture
def owners_secret_entry(owner, make_entry):
    return make_entry(
        owner, "Negotiated the confidential merger", employer="Acme", project="Falcon", tags=["secret"]
    )


@pytest.mark.parametrize("persona", ["teammate", "outsider"])
def test_someone_elses_entry_is_not_found_and_stays_unchanged(request, owners_secret_entry, persona):
    client = request.getfixturevalue(f"{persona}_client")
    url = entry_url(owners_secret_entry.id)
    before = snapshot(owners_secret_entry)

    answers = [
        client.get(url).status_code,
        client.patch(url, {"content": "taken over", "tags": []}, format="json").status_code,
        client.delete(url).status_code,
    ]

    assert answers == [404, 404, 404]
    assert snapshot(owners_secret_entry) == before


@pytest.mark.parametrize("persona", ["teammate", "outsider"])
def test_someone_elses_entries_never_show_in_lists_search_suggestions_or_stats(
    request, owners_secret_entry, make_entry, persona
):
    user = request.getfixturevalue(persona)
    client = request.getfixturevalue(f"{persona}_client")
    make_entry(user, "My own work", employer="Own Co", project="Own", tags=["mine"])

    listed = client.get(ENTRIES)
    searched = [
        contents(client.get(ENTRIES, {"search": term}))
        for term in ["merger", "confidential", "acme", "falcon"]
    ]
    filtered = [
        contents(client.get(ENTRIES, params))
        for params in [{"employer": "Acme"}, {"project": "Falcon"}, {"tag": "secret"}, {"source": "manual"}]
    ]

    assert contents(listed) == ["My own work"]
    assert searched == [[], [], [], []]
    assert filtered == [[], [], [], ["My own work"]]
    assert client.get(SUGGESTIONS).json() == {
        "employers": ["Own Co"],
        "projects": ["Own"],
        "tags": ["mine"],
        "last_employer": "Own Co",
        "last_project": "Own",
        "today": today_for(user).isoformat(),
    }
    stats = client.get(STATS).json()
    assert (stats["this_week"], stats["streak_days"], stats["total"]) == (1, 1, 1)


@pytest.mark.parametrize("persona", ["teammate", "outsider"])
def test_the_create_answer_suggests_only_the_callers_own_values(request, owners_secret_entry, persona):
    user = request.getfixturevalue(persona)
    client = request.getfixturevalue(f"{persona}_client")

    response = client.post(
        f"{ENTRIES}?include=suggestions",
        {
            "date": today_for(user).isoformat(),
            "content": "My own work",
            "employer": "Own Co",
            "tags": ["mine"],
        },
        format="json",
    )

    assert response.status_code == 201
    assert response.json()["suggestions"] == {
        "employers": ["Own Co"],
        "projects": [],
        "tags": ["mine"],
        "last_employer": "Own Co",
        "last_project": "",
        "today": today_for(user).isoformat(),
    }


def test_the_owner_does_not_see_a_teammates_entries_either(owner, teammate, owner_client, make_entry):
    make_entry(teammate, "Teammate deployed the billing service", employer="Acme", tags=["deploy"])
    make_entry(owner, "Owner wrote docs", employer="Acme")

    assert contents(owner_client.get(ENTRIES)) == ["Owner wrote docs"]
    assert contents(owner_client.get(ENTRIES, {"search": "deploy"})) == []
    assert contents(owner_client.get(ENTRIES, {"tag": "deploy"})) == []
    assert owner_client.get(SUGGESTIONS).json()["tags"] == []
    assert owner_client.get(STATS).json()["total"] == 1


def test_the_same_tag_name_of_two_people_stays_two_tags(
    owner, teammate, owner_client, teammate_client, make_entry
):
    # given owner and teammate both tag work "python"
    mine = make_entry(owner, "Owner's python work", tags=["python"])
    theirs = make_entry(teammate, "Teammate's python work", tags=["python", "ml"])

    # when the owner renames their tags
    owner_client.patch(entry_url(mine.id), {"tags": ["go"]}, format="json")

    # then the teammate's tags are untouched and each sees only their own
    assert sorted(Tag.objects.values_list("author", "name")) == sorted(
        [(owner.id, "python"), (owner.id, "go"), (teammate.id, "python"), (teammate.id, "ml")]
    )
    assert sorted(theirs.tags.values_list("name", flat=True)) == ["ml", "python"]
    assert contents(owner_client.get(ENTRIES, {"tag": "python"})) == []
    assert contents(teammate_client.get(ENTRIES, {"tag": "python"})) == ["Teammate's python work"]
    assert teammate_client.get(entry_url(theirs.id)).json()["tags"] == ["ml", "python"]
    assert owner_client.get(SUGGESTIONS).json()["tags"] == ["go"]
    assert sorted(teammate_client.get(SUGGESTIONS).json()["tags"]) == ["ml", "python"]


def test_creating_a_tag_someone_else_already_has_gives_the_author_their_own(
    owner, teammate, owner_client, make_entry
):
    make_entry(teammate, tags=["python"])

    response = owner_client.post(
        ENTRIES, {"date": today_for(owner).isoformat(), "content": "Mine", "tags": ["python"]}, format="json"
    )

    assert response.status_code == 201
    entry = WorkLog.objects.get(pk=response.json()["id"])
    assert [(t.author_id, t.tenant_id, t.name) for t in entry.tags.all()] == [
        (owner.id, owner.membership.tenant_id, "python")
    ]
    assert Tag.objects.filter(name="python").count() == 2


# --- script payloads -----------------------------------------------------------------------------

SCRIPT = "<script>alert(1)</script>"


def test_script_payloads_are_returned_verbatim_as_json(owner, owner_client):
    payload = {
        "date": today_for(owner).isoformat(),
        "content": f"{SCRIPT} & \"quotes\" 'too' <img src=x onerror=alert(2)>",
        "employer": SCRIPT,
        "project": f"<b>{SCRIPT}</b>",
        "tags": [SCRIPT],
        "metadata": {"note": SCRIPT},
    }

    created = owner_client.post(f"{ENTRIES}?include=suggestions", payload, format="json")
    entry_id = created.json()["id"]
    answers = [
        created,
        owner_client.get(entry_url(entry_id)),
        owner_client.get(ENTRIES),
        owner_client.get(SUGGESTIONS),
    ]

    assert [a.status_code for a in answers] == [201, 200, 200, 200]
    assert all(a["Content-Type"] == "application/json" for a in answers)
    for item in [answers[0].json(), answers[1].json(), answers[2].json()["results"][0]]:
        assert {key: item[key] for key in payload} == {**payload, "tags": [SCRIPT]}
    assert answers[3].json() == {
        "employers": [SCRIPT],
        "projects": [f"<b>{SCRIPT}</b>"],
        "tags": [SCRIPT],
        "last_employer": SCRIPT,
        "last_project": f"<b>{SCRIPT}</b>",
        "today": today_for(owner).isoformat(),
    }
    assert answers[0].json()["suggestions"] == answers[3].json()
    assert WorkLog.objects.get().content == payload["content"]


def test_a_nul_character_in_metadata_is_refused_naming_the_field(owner, owner_client):
    owner_client.raise_request_exception = False  # see what a real caller gets

    response = owner_client.post(
        ENTRIES, {**valid_entry(owner), "metadata": {"note": "a\x00b"}}, format="json"
    )

    assert response.status_code == 400
    assert list(fields_of(response)) == ["metadata"]
    assert WorkLog.objects.count() == 0


LONE_SURROGATE = "\\ud83d"  # half of an emoji's UTF-16 pair, as JSON writes it: no Unicode text


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"content": "Fixed it LONE"}, "content"),
        ({"employer": "Acme LONE"}, "employer"),
        ({"project": "LONE"}, "project"),
        ({"tags": ["ok", "LONE"]}, "tags"),
        ({"metadata": {"note": "a LONE b"}}, "metadata"),
        ({"metadata": {"LONE": "a key"}}, "metadata"),
        ({"metadata": {"deep": [{"list": ["LONE"]}]}}, "metadata"),
        ({"LONE": "an unknown field's name"}, "non_field_errors"),
    ],
    ids=[
        "content",
        "employer",
        "project",
        "a tag",
        "a metadata value",
        "a metadata key",
        "deep in metadata",
        "a field name",
    ],
)
def test_a_lone_surrogate_in_any_string_is_a_400_naming_the_field_and_nothing_is_stored(
    owner, owner_client, change, field
):
    owner_client.raise_request_exception = False  # see what a real caller gets
    body = json.dumps({**valid_entry(owner), **change}).replace("LONE", LONE_SURROGATE)

    response = owner_client.post(ENTRIES, body, content_type="application/json")

    assert response.status_code == 400
    assert fields_of(response) == {field: ["Surrogate characters are not allowed: U+D83D."]}
    assert (
        response.json()["message"]
        == "Some fields are not valid: Surrogate characters are not allowed: U+D83D."
    )
    assert WorkLog.objects.count() == 0


def test_metadata_nested_deeper_than_a_hundred_levels_is_a_400_and_nothing_is_stored(owner, owner_client):
    owner_client.raise_request_exception = False
    nested = "[" * 900 + "]" * 900
    body = json.dumps(valid_entry(owner))[:-1] + f', "metadata": {{"a": {nested}}}}}'

    response = owner_client.post(ENTRIES, body, content_type="application/json")

    assert response.status_code == 400
    assert response.json()["message"] == "JSON parse error - nested more than 100 levels deep."
    assert WorkLog.objects.count() == 0


def test_metadata_nested_a_hundred_levels_deep_is_stored(owner, owner_client):
    nested = {"a": "b"}
    for _ in range(98):  # the body is level 1, metadata level 2
        nested = {"a": nested}
    body = json.dumps({**valid_entry(owner), "metadata": nested})

    response = owner_client.post(ENTRIES, body, content_type="application/json")

    assert response.status_code == 201
    assert WorkLog.objects.get().metadata == nested


def test_a_lone_surrogate_in_an_edit_is_refused_and_the_entry_is_unchanged(owner, owner_client, make_entry):
    owner_client.raise_request_exception = False
    entry = make_entry(owner, "Before")
    before = snapshot(entry)

    response = owner_client.patch(
        entry_url(entry.id), f'{{"content": "After {LONE_SURROGATE}"}}', content_type="application/json"
    )

    assert response.status_code == 400
    assert snapshot(entry) == before


def test_an_emoji_written_as_a_surrogate_pair_is_stored_as_the_emoji(owner, owner_client):
    body = json.dumps({**valid_entry(owner), "content": "Shipped it \U0001f600", "tags": ["\U0001f680"]})

    response = owner_client.post(ENTRIES, body, content_type="application/json")

    assert "\\ud83d\\ude00" in body
    assert response.status_code == 201
    entry = WorkLog.objects.get()
    assert entry.content == "Shipped it \U0001f600"
    assert list(entry.tags.values_list("name", flat=True)) == ["\U0001f680"]
