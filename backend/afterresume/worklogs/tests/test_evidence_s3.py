"""Evidence on S3: the same code path against a real S3-compatible server (moto in
server mode, RECIPES "S3 in tests"): objects under server-made keys, downloads as a redirect to a
short-lived presigned URL that forces an attachment and the stored type, nothing left behind by a
refused upload, objects removed with their rows."""

import hashlib
import re
import urllib.request
from urllib.parse import parse_qs, urlsplit

import boto3
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from moto.server import ThreadedMotoServer
from storages.backends.s3 import S3Storage

from afterresume.worklogs.models import Evidence, WorkLog
from afterresume.worklogs.services import evidence_add
from afterresume.worklogs.tests.evidence_files import (
    ACCEPTED_FILES,
    REFUSED_FILES,
    REFUSED_TYPE_MESSAGE,
)

BUCKET = "afterresume-evidence"


@pytest.fixture(scope="module")
def s3_endpoint():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)  # port 0: a free one
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture(scope="module")
def s3_client(s3_endpoint):
    """boto3, to look into the bucket behind the application's back."""
    return boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        aws_access_key_id="test-key",
        aws_secret_access_key="test-secret",  # moto accepts any
        region_name="us-east-1",
    )


@pytest.fixture
def bucket(s3_endpoint, s3_client, settings):
    """An empty bucket on a freshly reset server, and the default storage pointed at it the way
    base.py does when S3_BUCKET is set. Returns the boto3 client."""
    reset = urllib.request.Request(f"{s3_endpoint}/moto-api/reset", method="POST")
    urllib.request.urlopen(reset, timeout=5).close()
    client = s3_client
    client.create_bucket(Bucket=BUCKET)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": BUCKET,
                "endpoint_url": s3_endpoint,
                "access_key": "test-key",
                "secret_key": "test-secret",
                "region_name": "us-east-1",
                "signature_version": "s3v4",
                "addressing_style": "path",
                "default_acl": None,
                "file_overwrite": False,
                "querystring_auth": True,
                "querystring_expire": 120,
            },
        },
    }
    return client


def objects(client) -> dict[str, bytes]:
    """Every object in the bucket: key -> bytes."""
    listed = client.list_objects_v2(Bucket=BUCKET).get("Contents", [])
    return {item["Key"]: client.get_object(Bucket=BUCKET, Key=item["Key"])["Body"].read() for item in listed}


def upload(client, entry_id: int, name: str, data: bytes, content_type: str = "application/octet-stream"):
    return client.post(
        f"/api/worklogs/{entry_id}/evidence/",
        {"file": SimpleUploadedFile(name, data, content_type=content_type)},
        format="multipart",
    )


def item_url(item: Evidence) -> str:
    return f"/api/worklogs/{item.worklog_id}/evidence/{item.id}/"


@pytest.fixture
def entry(owner, make_entry) -> WorkLog:
    return make_entry(owner, "Shipped the billing page")


def add(entry: WorkLog, name: str = "notes.txt", data: bytes = b"what I did\n") -> Evidence:
    return evidence_add(entry=entry, author=entry.author, upload=SimpleUploadedFile(name, data))


# --- the storage really is S3 --------------------------------------------------------------------


def test_the_evidence_field_uses_the_storage_configured_in_settings(bucket, entry):
    add(entry)

    storage = Evidence._meta.get_field("file").storage
    assert type(storage._wrapped) is S3Storage
    assert (storage.bucket_name, storage.querystring_expire) == (BUCKET, 120)
    assert len(objects(bucket)) == 1


# --- upload --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "data", "content_type"), ACCEPTED_FILES.values(), ids=ACCEPTED_FILES.keys())
def test_an_upload_is_an_object_under_a_server_made_key_with_the_exact_bytes(
    owner, owner_client, bucket, entry, name, data, content_type
):
    response = upload(owner_client, entry.id, name, data)

    assert response.status_code == 201
    item = Evidence.objects.get()
    assert (response.json()["content_type"], response.json()["size"], response.json()["sha256"]) == (
        content_type,
        len(data),
        hashlib.sha256(data).hexdigest(),
    )
    assert re.fullmatch(rf"evidence/{owner.membership.tenant_id}/[0-9a-f]{{32}}", item.file.name)
    assert objects(bucket) == {item.file.name: data}


def test_the_object_carries_the_detected_type_not_the_clients_claim(owner_client, bucket, entry):
    upload(owner_client, entry.id, "notes.txt", b"plain words\n", content_type="text/html")

    key = Evidence.objects.get().file.name
    assert bucket.head_object(Bucket=BUCKET, Key=key)["ContentType"] == "text/plain"


REFUSALS = {
    name: (file_name, data, REFUSED_TYPE_MESSAGE) for name, (file_name, data) in REFUSED_FILES.items()
} | {"over the size limit": ("big.txt", b"a" * (1024 * 1024 + 1), "The file is larger than 1 MB.")}


@pytest.mark.parametrize(("name", "data", "message"), REFUSALS.values(), ids=REFUSALS.keys())
def test_a_refused_upload_leaves_no_object(owner_client, bucket, entry, settings, name, data, message):
    settings.EVIDENCE_MAX_BYTES = 1024 * 1024

    response = upload(owner_client, entry.id, name, data)

    assert response.status_code == 400
    assert response.json()["extra"]["fields"] == {"file": [message]}
    assert Evidence.objects.count() == 0
    assert bucket.list_objects_v2(Bucket=BUCKET)["KeyCount"] == 0


def test_one_file_too_many_leaves_no_object(owner_client, bucket, entry, settings):
    settings.EVIDENCE_MAX_FILES = 2
    add(entry, "one.txt")
    add(entry, "two.txt")
    before = objects(bucket)

    response = upload(owner_client, entry.id, "three.txt", b"three\n")

    assert response.status_code == 400
    assert response.json()["extra"]["fields"] == {"file": ["An entry can have at most 2 files."]}
    assert Evidence.objects.count() == 2
    assert objects(bucket) == before


def test_someone_elses_upload_to_an_entry_leaves_no_object(teammate_client, outsider_client, bucket, entry):
    answers = [
        upload(client, entry.id, "planted.txt", b"x\n") for client in (teammate_client, outsider_client)
    ]

    assert [a.status_code for a in answers] == [404, 404]
    assert bucket.list_objects_v2(Bucket=BUCKET)["KeyCount"] == 0


# --- download ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "data", "content_type"), ACCEPTED_FILES.values(), ids=ACCEPTED_FILES.keys())
def test_a_download_redirects_to_a_presigned_url_that_forces_an_attachment_and_the_stored_type(
    s3_endpoint, owner_client, bucket, entry, name, data, content_type
):
    item = add(entry, name, data)
    disposition = f"attachment; filename=\"{name}\"; filename*=UTF-8''{name}"

    response = owner_client.get(item_url(item) + "download/")

    assert response.status_code == 302
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"
    url = urlsplit(response["Location"])
    query = parse_qs(url.query)
    assert f"{url.scheme}://{url.netloc}{url.path}" == f"{s3_endpoint}/{BUCKET}/{item.file.name}"
    assert query["response-content-disposition"] == [disposition]
    assert query["response-content-type"] == [content_type]
    assert query["X-Amz-Expires"] == ["120"]
    assert "X-Amz-Signature" in query
    # when the browser follows it
    with urllib.request.urlopen(response["Location"], timeout=5) as fetched:
        assert fetched.read() == data
        assert fetched.headers["Content-Disposition"] == disposition
        assert fetched.headers["Content-Type"] == content_type


def test_a_download_of_a_non_ascii_name_is_an_attachment_too(owner_client, bucket, entry):
    item = add(entry, "Résumé.txt", b"cv\n")

    location = owner_client.get(item_url(item) + "download/")["Location"]

    with urllib.request.urlopen(location, timeout=5) as fetched:
        assert fetched.read() == b"cv\n"
        assert fetched.headers["Content-Disposition"] == (
            "attachment; filename=\"R_sum_.txt\"; filename*=UTF-8''R%C3%A9sum%C3%A9.txt"
        )


def test_download_links_are_signed_for_the_public_address_when_one_is_set(
    s3_endpoint, owner_client, bucket, entry, settings
):
    # given a bucket that browsers reach under another name than the backend does
    public = s3_endpoint.replace("127.0.0.1", "localhost")
    settings.S3_PUBLIC_ENDPOINT_URL = public
    item = add(entry, "plan.txt", b"the plan\n")

    location = owner_client.get(item_url(item) + "download/")["Location"]

    # then the link names that address, and its signature holds there
    assert location.startswith(f"{public}/{BUCKET}/")
    with urllib.request.urlopen(location, timeout=5) as fetched:
        assert fetched.read() == b"the plan\n"


@pytest.mark.parametrize("persona", ["teammate", "outsider"])
def test_someone_else_gets_no_presigned_url(request, bucket, entry, persona):
    client = request.getfixturevalue(f"{persona}_client")
    item = add(entry)

    response = client.get(item_url(item) + "download/")

    assert response.status_code == 404
    assert "Location" not in response
    assert BUCKET.encode() not in response.content


# --- delete --------------------------------------------------------------------------------------


def test_deleting_evidence_removes_its_object(
    owner_client, bucket, entry, django_capture_on_commit_callbacks
):
    gone, kept = add(entry, "gone.txt", b"gone\n"), add(entry, "kept.txt", b"kept\n")

    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.delete(item_url(gone))

    assert response.status_code == 204
    assert objects(bucket) == {kept.file.name: b"kept\n"}


def test_deleting_an_entry_removes_all_its_objects(
    owner, owner_client, bucket, entry, make_entry, django_capture_on_commit_callbacks
):
    add(entry, "a.txt", b"a\n")
    add(entry, "b.pdf", ACCEPTED_FILES["pdf"][1])
    kept = add(make_entry(owner, "Another day"), "kept.txt", b"kept\n")

    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.delete(f"/api/worklogs/{entry.id}/")

    assert response.status_code == 204
    assert list(Evidence.objects.all()) == [kept]
    assert objects(bucket) == {kept.file.name: b"kept\n"}


def test_someone_elses_delete_leaves_the_object(
    teammate_client, outsider_client, bucket, entry, django_capture_on_commit_callbacks
):
    item = add(entry)

    with django_capture_on_commit_callbacks(execute=True):
        answers = [client.delete(item_url(item)) for client in (teammate_client, outsider_client)]
        answers += [
            client.delete(f"/api/worklogs/{entry.id}/") for client in (teammate_client, outsider_client)
        ]

    assert [a.status_code for a in answers] == [404, 404, 404, 404]
    assert objects(bucket) == {item.file.name: b"what I did\n"}
