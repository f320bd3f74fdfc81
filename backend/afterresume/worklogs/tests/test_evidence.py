"""Evidence on local storage: files checked by content, stored under a key the
server makes, downloaded with attachment and nosniff headers, removed with their rows, and the
author's alone."""

import hashlib
import re
import threading

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from rest_framework.test import APIClient

from afterresume.accounts.tokens import api_token_create
from afterresume.worklogs.models import Evidence, WorkLog
from afterresume.worklogs.services import evidence_add
from afterresume.worklogs.tests.evidence_files import (
    ACCEPTED_FILES,
    REFUSED_FILES,
    REFUSED_TYPE_MESSAGE,
    stored_files,
)


def evidence_url(entry_id: int) -> str:
    return f"/api/worklogs/{entry_id}/evidence/"


def item_url(item: Evidence) -> str:
    return f"/api/worklogs/{item.worklog_id}/evidence/{item.id}/"


def upload(client, entry_id: int, name: str, data: bytes, content_type: str = "application/octet-stream"):
    return client.post(
        evidence_url(entry_id),
        {"file": SimpleUploadedFile(name, data, content_type=content_type)},
        format="multipart",
    )


def downloaded(response) -> bytes:
    try:
        return b"".join(response.streaming_content)
    finally:
        response.close()


def fields_of(response) -> dict:
    return response.json()["extra"]["fields"]


@pytest.fixture
def entry(owner, make_entry) -> WorkLog:
    return make_entry(owner, "Shipped the billing page")


def add(entry: WorkLog, name: str = "notes.txt", data: bytes = b"what I did\n") -> Evidence:
    return evidence_add(entry=entry, author=entry.author, upload=SimpleUploadedFile(name, data))


# --- upload --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "data", "content_type"), ACCEPTED_FILES.values(), ids=ACCEPTED_FILES.keys())
def test_an_accepted_file_is_stored_under_a_server_key_with_its_detected_type_size_and_checksum(
    owner, owner_client, entry, media_root, name, data, content_type
):
    # given a client that claims nothing useful about the type
    response = upload(owner_client, entry.id, name, data)

    assert response.status_code == 201
    item = Evidence.objects.get()
    assert response.json() == {
        "id": item.id,
        "name": name,
        "content_type": content_type,
        "size": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
        "created_at": item.created_at.isoformat(),
    }
    assert (item.worklog, item.author, item.tenant) == (entry, owner, owner.membership.tenant)
    assert re.fullmatch(rf"evidence/{owner.membership.tenant_id}/[0-9a-f]{{32}}", item.file.name)
    assert stored_files(media_root) == {item.file.name: data}


def test_the_stored_type_is_what_the_content_is_not_what_the_client_claims(owner_client, entry, media_root):
    response = upload(owner_client, entry.id, "notes.txt", b"plain words\n", content_type="text/html")

    assert response.status_code == 201
    assert response.json()["content_type"] == "text/plain"
    assert Evidence.objects.get().content_type == "text/plain"


def test_two_uploads_of_the_same_name_are_two_objects(owner_client, entry, media_root):
    first = upload(owner_client, entry.id, "notes.txt", b"one\n")
    second = upload(owner_client, entry.id, "notes.txt", b"two\n")

    assert (first.status_code, second.status_code) == (201, 201)
    names = list(Evidence.objects.values_list("file", flat=True))
    assert len(set(names)) == 2
    assert stored_files(media_root) == dict(zip(names, [b"one\n", b"two\n"], strict=True))


def test_the_entry_lists_its_evidence_in_upload_order(owner_client, entry, media_root):
    first, second = add(entry, "a.txt", b"a\n"), add(entry, "b.csv", b"x,y\n")

    listed = owner_client.get(evidence_url(entry.id))
    detail = owner_client.get(f"/api/worklogs/{entry.id}/")

    assert listed.status_code == 200
    assert [(i["id"], i["name"], i["content_type"], i["size"]) for i in listed.json()] == [
        (first.id, "a.txt", "text/plain", 2),
        (second.id, "b.csv", "text/csv", 4),
    ]
    assert detail.json()["evidence"] == listed.json()


REFUSED = [pytest.param(*REFUSED_FILES[kind], id=kind) for kind in REFUSED_FILES]


@pytest.mark.parametrize(("name", "data"), REFUSED)
def test_a_file_of_a_type_not_allowed_is_refused_and_nothing_is_stored(
    owner_client, entry, media_root, name, data
):
    response = upload(owner_client, entry.id, name, data, content_type="image/png")

    assert response.status_code == 400
    assert fields_of(response) == {"file": [REFUSED_TYPE_MESSAGE]}
    assert response.json()["message"] == f"Some fields are not valid: {REFUSED_TYPE_MESSAGE}"
    assert Evidence.objects.count() == 0
    assert stored_files(media_root) == {}


def test_a_request_without_a_file_is_refused(owner_client, entry, media_root):
    response = owner_client.post(evidence_url(entry.id), {"other": "x"}, format="multipart")

    assert response.status_code == 400
    assert fields_of(response) == {"file": ["Choose a file to upload."]}
    assert Evidence.objects.count() == 0


def test_a_file_over_the_size_limit_is_refused_and_nothing_is_stored(
    owner_client, entry, media_root, settings
):
    settings.EVIDENCE_MAX_BYTES = 1024 * 1024
    exactly = upload(owner_client, entry.id, "exact.txt", b"a" * (1024 * 1024))
    kept = stored_files(media_root)

    one_more = upload(owner_client, entry.id, "big.txt", b"a" * (1024 * 1024 + 1))
    declared_too_big = upload(owner_client, entry.id, "huge.txt", b"a" * (1024 * 1024 + 70 * 1024))

    assert exactly.status_code == 201
    for refused in (one_more, declared_too_big):
        assert refused.status_code == 400
        assert fields_of(refused) == {"file": ["The file is larger than 1 MB."]}
    assert list(Evidence.objects.values_list("original_name", flat=True)) == ["exact.txt"]
    assert stored_files(media_root) == kept


def test_a_small_test_limit_refuses_a_small_file(owner_client, entry, media_root, settings):
    settings.EVIDENCE_MAX_BYTES = 1024

    response = upload(owner_client, entry.id, "notes.txt", b"a" * 1025)

    assert response.status_code == 400
    assert list(fields_of(response)) == ["file"]
    assert Evidence.objects.count() == 0
    assert stored_files(media_root) == {}


def test_one_file_more_than_the_limit_per_entry_is_refused(owner_client, entry, media_root, settings):
    settings.EVIDENCE_MAX_FILES = 2
    add(entry, "one.txt")
    add(entry, "two.txt")
    before = stored_files(media_root)

    response = upload(owner_client, entry.id, "three.txt", b"three\n")

    assert response.status_code == 400
    assert fields_of(response) == {"file": ["An entry can have at most 2 files."]}
    assert list(Evidence.objects.values_list("original_name", flat=True)) == ["one.txt", "two.txt"]
    assert stored_files(media_root) == before


def test_the_file_limit_counts_per_entry(owner, owner_client, entry, make_entry, media_root, settings):
    settings.EVIDENCE_MAX_FILES = 1
    add(entry)
    other = make_entry(owner, "Another day")

    assert upload(owner_client, other.id, "notes.txt", b"fine\n").status_code == 201


@pytest.mark.django_db(transaction=True)
def test_fifteen_simultaneous_uploads_to_one_entry_store_exactly_the_limit(owner, make_entry, media_root):
    # given an entry with no files (the limit is 10) and 15 uploads sent at the same moment
    entry = make_entry(owner, "Shipped the billing page")
    _, key = api_token_create(user=owner, name="uploader", expires_at=None)
    barrier = threading.Barrier(15)
    answers = []

    def send(number):
        try:
            client = APIClient()
            client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
            barrier.wait()
            response = upload(
                client, entry.id, f"notes-{number}.txt", f"what I did, part {number}\n".encode()
            )
            answers.append((response.status_code, response.json()))
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(number,)) for number in range(15)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    # then exactly 10 are stored, the other 5 are told why, and no refused file is left behind
    assert sorted(status for status, _ in answers) == [201] * 10 + [400] * 5
    refusals = [body["extra"]["fields"] for status, body in answers if status == 400]
    assert refusals == [{"file": ["An entry can have at most 10 files."]}] * 5
    assert Evidence.objects.filter(worklog=entry).count() == 10
    assert len(stored_files(media_root)) == 10


def test_an_upload_to_an_entry_deleted_meanwhile_is_refused_and_nothing_is_stored(entry, media_root):
    WorkLog.objects.filter(pk=entry.pk).delete()

    with pytest.raises(ValidationError) as refusal:
        add(entry)

    assert refusal.value.message_dict == {"file": ["This entry no longer exists."]}
    assert Evidence.objects.count() == 0
    assert stored_files(media_root) == {}


# --- download ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "data", "content_type"), ACCEPTED_FILES.values(), ids=ACCEPTED_FILES.keys())
def test_a_download_is_the_exact_bytes_as_an_attachment_with_the_stored_type_and_nosniff(
    owner_client, entry, media_root, name, data, content_type
):
    item = add(entry, name, data)

    response = owner_client.get(item_url(item) + "download/")

    assert response.status_code == 200
    assert downloaded(response) == data
    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"] == f"attachment; filename=\"{name}\"; filename*=UTF-8''{name}"
    assert response["Content-Length"] == str(len(data))
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"


def test_a_download_names_a_non_ascii_or_quoted_file_safely(owner_client, entry, media_root):
    item = add(entry, 'Résumé "final".txt', b"cv\n")

    response = owner_client.get(item_url(item) + "download/")

    assert downloaded(response) == b"cv\n"
    assert response["Content-Disposition"] == (
        "attachment; filename=\"R_sum_ _final_.txt\"; filename*=UTF-8''R%C3%A9sum%C3%A9%20%22final%22.txt"
    )


def test_evidence_of_another_entry_is_not_found_through_this_one(
    owner, owner_client, entry, make_entry, media_root
):
    item = add(entry)
    other = make_entry(owner, "Another day")

    response = owner_client.get(f"/api/worklogs/{other.id}/evidence/{item.id}/download/")

    assert response.status_code == 404


# --- delete --------------------------------------------------------------------------------------


def test_deleting_evidence_removes_its_file(
    owner_client, entry, media_root, django_capture_on_commit_callbacks
):
    gone, kept = add(entry, "gone.txt", b"gone\n"), add(entry, "kept.txt", b"kept\n")

    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.delete(item_url(gone))

    assert response.status_code == 204
    assert list(Evidence.objects.all()) == [kept]
    assert stored_files(media_root) == {kept.file.name: b"kept\n"}
    assert owner_client.get(item_url(gone) + "download/").status_code == 404


def test_a_file_is_only_removed_once_the_delete_is_committed(
    owner_client, entry, media_root, django_capture_on_commit_callbacks
):
    item = add(entry)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        owner_client.delete(item_url(item))

    assert Evidence.objects.count() == 0
    assert stored_files(media_root) == {item.file.name: b"what I did\n"}
    assert len(callbacks) == 1


def test_deleting_an_entry_removes_all_its_files(
    owner, owner_client, entry, make_entry, media_root, django_capture_on_commit_callbacks
):
    add(entry, "a.txt", b"a\n")
    add(entry, "b.pdf", ACCEPTED_FILES["pdf"][1])
    other = make_entry(owner, "Another day")
    kept = add(other, "kept.txt", b"kept\n")

    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.delete(f"/api/worklogs/{entry.id}/")

    assert response.status_code == 204
    assert list(Evidence.objects.all()) == [kept]
    assert stored_files(media_root) == {kept.file.name: b"kept\n"}


# --- privacy -------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["teammate", "outsider"])
def test_someone_elses_evidence_is_not_found_for_any_use_and_nothing_changes(
    request, owner, entry, media_root, django_capture_on_commit_callbacks, persona
):
    client = request.getfixturevalue(f"{persona}_client")
    item = add(entry, "private.txt", b"private\n")
    before = stored_files(media_root)

    with django_capture_on_commit_callbacks(execute=True):
        answers = [
            client.get(evidence_url(entry.id)),
            upload(client, entry.id, "planted.txt", b"planted\n"),
            client.get(item_url(item) + "download/"),
            client.delete(item_url(item)),
        ]

    assert [a.status_code for a in answers] == [404, 404, 404, 404]
    assert all(b"private" not in a.content for a in answers)
    assert list(Evidence.objects.values_list("id", "original_name")) == [(item.id, "private.txt")]
    assert stored_files(media_root) == before


def test_someone_elses_evidence_cannot_be_reached_through_ones_own_entry(
    teammate, teammate_client, entry, make_entry, media_root
):
    item = add(entry, "private.txt", b"private\n")
    own = make_entry(teammate, "Teammate's day")

    response = teammate_client.get(f"/api/worklogs/{own.id}/evidence/{item.id}/download/")

    assert response.status_code == 404
    assert teammate_client.delete(f"/api/worklogs/{own.id}/evidence/{item.id}/").status_code == 404
    assert Evidence.objects.count() == 1
