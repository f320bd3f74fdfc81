"""The per-day counts the dashboard's figures read (`WorkLogDay`): kept in step with the entries
through every way an entry is added, moved to another day or deleted, also when two saves of the
same day race; and the stats answer what counting the entries themselves gives."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.db.models import Count
from rest_framework.test import APIClient

from afterresume.accounts.timezones import today_for
from afterresume.accounts.tokens import api_token_create
from afterresume.worklogs.models import WorkLog, WorkLogDay
from afterresume.worklogs.services import worklog_delete, worklog_update

STATS = "/api/worklogs/stats/"


def counted_from_entries(user) -> dict:
    rows = WorkLog.objects.filter(author=user).values("date").annotate(n=Count("id"))
    return {row["date"]: row["n"] for row in rows}


def kept(user) -> dict:
    return {row.date: row.count for row in WorkLogDay.objects.filter(author=user) if row.count}


def test_adding_moving_and_deleting_entries_keeps_each_days_count(owner, teammate, make_entry):
    today = today_for(owner)
    first = make_entry(owner, date=today)
    make_entry(owner, date=today)
    moved = make_entry(owner, date=today - timedelta(days=1))
    make_entry(teammate, date=today)  # a teammate's day is theirs
    assert kept(owner) == {today: 2, today - timedelta(days=1): 1}

    worklog_update(entry=moved, date=today - timedelta(days=3))
    worklog_update(entry=first, content="Same day, new words")  # not a move
    worklog_delete(entry=WorkLog.objects.get(pk=first.pk))

    assert kept(owner) == counted_from_entries(owner) == {today: 1, today - timedelta(days=3): 1}
    assert kept(teammate) == {today: 1}


def test_an_edit_through_the_api_that_moves_an_entry_moves_its_count(owner, owner_client, make_entry):
    today = today_for(owner)
    entry = make_entry(owner, date=today)

    response = owner_client.patch(
        f"/api/worklogs/{entry.pk}/", {"date": (today - timedelta(days=2)).isoformat()}, format="json"
    )

    assert response.status_code == 200
    assert kept(owner) == {today - timedelta(days=2): 1}
    body = owner_client.get(STATS).json()
    assert (body["streak_days"], body["total"]) == (0, 1)


@pytest.mark.django_db(transaction=True)
def test_ten_entries_saved_at_once_on_one_day_are_all_counted(owner):
    _, key = api_token_create(user=owner, name="racer", expires_at=None)
    day = today_for(owner).isoformat()
    barrier = threading.Barrier(10)
    statuses = []

    def save(number):
        try:
            client = APIClient()
            client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
            barrier.wait()
            answer = client.post("/api/worklogs/", {"date": day, "content": f"Entry {number}"}, format="json")
            statuses.append(answer.status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=save, args=(number,)) for number in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert statuses == [201] * 10
    assert kept(owner) == counted_from_entries(owner) == {today_for(owner): 10}
    assert APIClient(HTTP_AUTHORIZATION=f"Bearer {key}").get(STATS).json()["total"] == 10
