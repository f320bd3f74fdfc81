"""A backend download passed on to the browser, one way for every stored file (evidence, report
files): the backend has checked the permission; a presigned S3 link is passed on as a redirect, a
file from local storage is streamed through with the backend's safe headers, never cached."""

import httpx
from django.http import HttpResponse, HttpResponseRedirect, StreamingHttpResponse

DOWNLOAD_HEADERS = ("Content-Type", "Content-Disposition", "Content-Length", "X-Content-Type-Options")


def passed_on(answer: httpx.Response) -> HttpResponse:
    """The browser's answer for the backend's unread download `answer` (closed when done)."""
    if answer.is_redirect:
        answer.close()
        return HttpResponseRedirect(answer.headers["Location"])

    def body():
        try:
            yield from answer.iter_bytes()
        finally:
            answer.close()

    response = StreamingHttpResponse(body())
    for header in DOWNLOAD_HEADERS:
        if header in answer.headers:
            response[header] = answer.headers[header]
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
