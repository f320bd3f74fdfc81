"""Downloads of stored files (evidence, report artifacts): one safe way for every file a person
fetches. On S3 a redirect to a short-lived presigned URL that forces `Content-Disposition:
attachment` and the stored type; on local storage the file itself, streamed with the same headers.
Always nosniff and never cached."""

from urllib.parse import quote

from django.conf import settings
from django.http import FileResponse, HttpResponse, HttpResponseRedirect
from django.utils.module_loading import import_string


def stored_file_download(field_file, *, filename: str, content_type: str, size: int) -> HttpResponse:
    storage = field_file.storage
    disposition = attachment(filename)
    if hasattr(storage, "bucket_name"):
        url = _public(storage).url(
            field_file.name,
            parameters={"ResponseContentDisposition": disposition, "ResponseContentType": content_type},
        )
        response = HttpResponseRedirect(url)
    else:
        response = FileResponse(storage.open(field_file.name, "rb"), content_type=content_type)
        response["Content-Disposition"] = disposition
        response["Content-Length"] = str(size)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def _public(storage):
    """The storage as browsers reach it: signed for S3_PUBLIC_ENDPOINT_URL when one is set."""
    if not settings.S3_PUBLIC_ENDPOINT_URL:
        return storage
    configured = settings.STORAGES["default"]
    options = {**configured.get("OPTIONS", {}), "endpoint_url": settings.S3_PUBLIC_ENDPOINT_URL}
    return import_string(configured["BACKEND"])(**options)


def attachment(name: str) -> str:
    """`attachment` with an ASCII fallback name and the exact name per RFC 6266 / 5987."""
    fallback = "".join(
        char if char.isascii() and char.isprintable() and char not in '"\\' else "_" for char in name
    )
    return f"attachment; filename=\"{fallback or 'download'}\"; filename*=UTF-8''{quote(name)}"
