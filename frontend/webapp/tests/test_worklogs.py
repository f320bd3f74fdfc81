"""Worklogs in the frontend: the quick-add modal (a save is one backend call; the page behind it
reloads what it shows when told an entry was saved), the timeline, the entry page with edit and
delete, evidence upload and download, and the dashboard's counters, against a fake backend at the
HTTP boundary (with and without HX-Request)."""

import json
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from werkzeug import Response

from webapp.backend.client import BackendClient
from webapp.tests.conftest import HEALTHY

HTMX = {"HX-Request": "true"}
SCRIPT = "<script>alert(1)</script>"
ESCAPED_SCRIPT = "&lt;script&gt;alert(1)&lt;/script&gt;"
SUGGESTIONS = {
    "employers": ["Acme", "Globex"],
    "projects": ["Billing", "Search"],
    "tags": ["python", "release"],
    "last_employer": "Acme",
    "last_project": "Billing",
    "today": "2026-11-25",
}
STATS = {"today": "2026-11-25", "this_week": 4, "streak_days": 3, "total": 128}
PDF_BYTES = b"%PDF-1.7\n\x00\x01\x02 the invoice export design\n%%EOF"
EVIDENCE = {
    "id": 7,
    "name": "invoice-export.pdf",
    "content_type": "application/pdf",
    "size": 52_431,
    "sha256": "9f2c" * 16,
    "created_at": "2026-11-25T10:05:00+00:00",
}
DOWNLOAD_DISPOSITION = "attachment; filename=\"invoice-export.pdf\"; filename*=UTF-8''invoice-export.pdf"


def worklog(**overrides) -> dict:
    return {
        "id": 41,
        "date": "2026-11-25",
        "content": "Shipped the invoice export",
        "employer": "Acme",
        "project": "Billing",
        "tags": ["python", "release"],
        "source": "manual",
        "metadata": {},
        "created_at": "2026-11-25T09:00:00+00:00",
        "updated_at": "2026-11-25T09:00:00+00:00",
        **overrides,
    }


def worklog_with_evidence(**overrides) -> dict:
    return {**worklog(**overrides), "evidence": [EVIDENCE], "history": []}


def page_of(results: list, *, next_url: str | None = None) -> dict:
    return {"next": next_url, "previous": None, "results": results}


def api_error(message: str, fields: dict | None = None) -> dict:
    return {"message": message, "extra": {"fields": fields or {}}, "request_id": "r-1"}


def requests_made(backend) -> list[tuple[str, str]]:
    return [(request.method, request.path) for request, _ in backend.log]


def query_of(backend, method: str, path: str) -> list[dict]:
    """The query parameters of each call the backend received for this method and path."""
    return [
        dict(request.args.items())
        for request, _ in backend.log
        if request.method == method and request.path == path
    ]


def json_sent(backend, method: str, path: str) -> list:
    return [
        json.loads(request.get_data())
        for request, _ in backend.log
        if request.method == method and request.path == path
    ]


def day_headings(page: str) -> list[str]:
    return re.findall(
        r'<h2 class="timeline-day-heading h6" id="timeline-day-[0-9-]+-heading">([^<]*)</h2>', page
    )


def entry_ids(page: str) -> list[str]:
    return re.findall(r'<article class="timeline-entry" id="(entry-\d+)">', page)


def input_value(page: str, element_id: str) -> str | None:
    found = re.search(rf'<input [^>]*id="{element_id}"[^>]*>', page)
    if found is None:
        return None
    value = re.search(r' value="([^"]*)"', found.group(0))
    return value.group(1) if value else ""


def textarea_text(page: str, element_id: str) -> str | None:
    found = re.search(rf'<textarea [^>]*id="{element_id}"[^>]*>\n?(.*?)</textarea>', page, re.DOTALL)
    return found.group(1) if found else None


@pytest.fixture
def suggestions(backend):
    backend.expect_request("/api/worklogs/suggestions/", method="GET").respond_with_json(SUGGESTIONS)
    return SUGGESTIONS


def signed_in_with_time_zone(client, time_zone: str):
    session = client.session
    session["user"] = {**session["user"], "time_zone": time_zone}
    session.save()
    return client


# --- quick-add: the form ----------------------------------------------------------------------------


def test_quick_add_form_is_a_fragment_with_its_own_element_ids(backend, suggestions, signed_in):
    response = signed_in.get("/entries/new/", headers=HTMX)

    assert response.status_code == 200
    page = response.content.decode()
    assert "<html" not in page
    assert page.count('<form id="quick-add-form"') == 1
    assert re.findall(r' id="(id_[^"]*)"', page) == []
    assert re.findall(r'<(?:input|textarea) [^>]*id="(quick_[^"]*)"', page) == [
        "quick_date",
        "quick_employer",
        "quick_project",
        "quick_content",
        "quick_tags",
    ]
    assert requests_made(backend) == [("GET", "/api/worklogs/suggestions/")]


def test_quick_add_form_is_pre_filled_with_today_and_the_last_employer_and_project(
    backend, suggestions, signed_in
):
    page = signed_in.get("/entries/new/", headers=HTMX).content.decode()

    assert input_value(page, "quick_date") == "2026-11-25"
    assert input_value(page, "quick_employer") == "Acme"
    assert input_value(page, "quick_project") == "Billing"
    assert input_value(page, "quick_tags") == ""
    assert textarea_text(page, "quick_content") == ""


@pytest.mark.parametrize("time_zone", ["Pacific/Kiritimati", "Pacific/Pago_Pago"])
def test_quick_add_form_dates_today_as_the_backend_counts_it_not_by_the_frontends_clock(
    backend, signed_in, time_zone
):
    # given a person far from UTC whose today the backend (which owns the rule) says is the 20th
    client = signed_in_with_time_zone(signed_in, time_zone)
    backend.expect_request("/api/worklogs/suggestions/").respond_with_json(
        {**SUGGESTIONS, "today": "2026-11-20"}
    )

    page = client.get("/entries/new/", headers=HTMX).content.decode()

    assert input_value(page, "quick_date") == "2026-11-20"
    assert requests_made(backend) == [("GET", "/api/worklogs/suggestions/")]


def test_quick_add_form_offers_the_suggestions_in_datalists(backend, suggestions, signed_in):
    page = signed_in.get("/entries/new/", headers=HTMX).content.decode()

    assert re.findall(r'<datalist id="([^"]+)">', page) == [
        "quick-employer-suggestions",
        "quick-project-suggestions",
        "quick-tag-suggestions",
    ]
    assert (
        '<datalist id="quick-employer-suggestions"><option value="Acme"><option value="Globex"></datalist>'
        in page
    )
    assert (
        '<datalist id="quick-project-suggestions"><option value="Billing"><option value="Search"></datalist>'
        in page
    )
    assert (
        '<datalist id="quick-tag-suggestions"><option value="python"><option value="release"></datalist>'
        in page
    )
    assert re.search(r'<input [^>]*list="quick-employer-suggestions"[^>]*id="quick_employer"', page)
    assert re.search(r'<input [^>]*list="quick-project-suggestions"[^>]*id="quick_project"', page)
    assert re.search(r'<input [^>]*list="quick-tag-suggestions"[^>]*id="quick_tags"', page)


def test_quick_add_form_of_a_first_time_user_has_no_employer_or_project(backend, signed_in):
    backend.expect_request("/api/worklogs/suggestions/").respond_with_json(
        {
            "employers": [],
            "projects": [],
            "tags": [],
            "last_employer": "",
            "last_project": "",
            "today": "2026-11-25",
        }
    )

    page = signed_in.get("/entries/new/", headers=HTMX).content.decode()

    assert input_value(page, "quick_employer") == ""
    assert input_value(page, "quick_project") == ""
    assert '<datalist id="quick-employer-suggestions"></datalist>' in page


def test_quick_add_form_sends_a_signed_out_visitor_to_sign_in_without_asking_the_backend(backend, client, db):
    response = client.get("/entries/new/", headers=HTMX)

    assert response.status_code == 302
    assert response["Location"] == "/signin/?next=%2Fentries%2Fnew%2F"
    assert requests_made(backend) == []


# --- quick-add: saving ------------------------------------------------------------------------------

QUICK_ADD_FORM = {
    "date": "2026-11-24",
    "content": "  Led the incident review\nand wrote the follow-ups  ",
    "employer": "Globex",
    "project": "Search",
    "tags": "incident, on-call ;  writing,,",
}
SAVED = worklog(
    id=42,
    date="2026-11-24",
    content="Led the incident review\nand wrote the follow-ups",
    employer="Globex",
    project="Search",
    tags=["incident", "on-call", "writing"],
)
# The create answer: the entry, and the suggestions as they are after it.
CREATED = {
    **SAVED,
    "suggestions": {
        "employers": ["Acme", "Globex"],
        "projects": ["Billing", "Search"],
        "tags": ["python", "release", "incident", "on-call", "writing"],
        "last_employer": "Acme",
        "last_project": "Billing",
        "today": "2026-11-25",
    },
}


@pytest.fixture
def saves_the_entry(backend):
    """The backend saves the entry; it is asked nothing else (any other call answers 500)."""
    backend.expect_request("/api/worklogs/", method="POST").respond_with_json(CREATED, status=201)
    return backend


def test_quick_add_posts_exactly_the_json_the_backend_expects(saves_the_entry, signed_in):
    signed_in.post("/entries/new/", QUICK_ADD_FORM, headers=HTMX)

    assert json_sent(saves_the_entry, "POST", "/api/worklogs/") == [
        {
            "date": "2026-11-24",
            "content": "  Led the incident review\nand wrote the follow-ups  ",
            "employer": "Globex",
            "project": "Search",
            "tags": ["incident", "on-call", "writing"],
        }
    ]
    (create_request,) = [request for request, _ in saves_the_entry.log if request.method == "POST"]
    assert create_request.headers["Content-Type"] == "application/json"
    assert create_request.headers["X-Session-Token"] == "session-token-of-ada"


def test_quick_add_answers_a_fresh_form_pre_filled_with_the_employer_and_project_just_saved(
    saves_the_entry, signed_in
):
    response = signed_in.post("/entries/new/", QUICK_ADD_FORM, headers=HTMX)

    assert response.status_code == 200
    page = response.content.decode()
    assert "<html" not in page
    assert page.count('<form id="quick-add-form"') == 1
    assert input_value(page, "quick_date") == "2026-11-24"
    assert input_value(page, "quick_employer") == "Globex"
    assert input_value(page, "quick_project") == "Search"
    assert input_value(page, "quick_tags") == ""
    assert textarea_text(page, "quick_content") == ""
    assert "invalid-feedback" not in page


def test_quick_add_answers_a_fresh_form_offering_the_suggestions_the_save_answered(
    saves_the_entry, signed_in
):
    page = signed_in.post("/entries/new/", QUICK_ADD_FORM, headers=HTMX).content.decode()

    assert re.findall(r'<datalist id="quick-tag-suggestions">(.*?)</datalist>', page) == [
        '<option value="python"><option value="release"><option value="incident">'
        '<option value="on-call"><option value="writing">'
    ]
    assert re.findall(r'<datalist id="quick-employer-suggestions">(.*?)</datalist>', page) == [
        '<option value="Acme"><option value="Globex">'
    ]


def test_quick_add_triggers_the_saved_event_and_a_toast(saves_the_entry, signed_in):
    response = signed_in.post("/entries/new/", QUICK_ADD_FORM, headers=HTMX)

    assert json.loads(response["HX-Trigger"]) == {
        "worklog-saved": {"id": 42, "date": "2026-11-24"},
        "toast": {"text": "Entry saved."},
    }


@pytest.mark.parametrize(
    "current_url",
    ["http://testserver/timeline/?search=x&tag=y", "http://testserver/", "http://testserver/profile/"],
    ids=["timeline", "dashboard", "another page"],
)
def test_saving_an_entry_costs_one_backend_call_whatever_the_page_behind_the_modal(
    saves_the_entry, signed_in, current_url
):
    response = signed_in.post(
        "/entries/new/", QUICK_ADD_FORM, headers={**HTMX, "HX-Current-URL": current_url}
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert requests_made(saves_the_entry) == [("POST", "/api/worklogs/")]
    # the answer is the fresh form alone: what the page shows is the page's to reload
    assert page.count('<form id="quick-add-form"') == 1
    assert "hx-swap-oob" not in page
    assert "timeline-entries" not in page
    assert "worklog-summary" not in page


def saved_on(day: str) -> dict:
    """The create answer for an entry of `day`."""
    return {**CREATED, "date": day}


def on_the_timeline(days: list[str], *, is_complete: bool = False) -> dict:
    """What the unfiltered timeline behind the modal adds to the quick-add form's fields."""
    declared = {"timeline": "in-place", "timeline_day": days}
    return {**declared, "timeline_complete": "1"} if is_complete else declared


def out_of_band(page: str) -> list[str]:
    return re.findall(r'<div hx-swap-oob="([^"]+)">', page)


@pytest.mark.parametrize(
    ("days", "is_complete", "entry_day", "swap"),
    [
        (["2026-11-25", "2026-11-24"], False, "2026-11-24", "afterend:#timeline-day-2026-11-24-heading"),
        (["2026-11-25", "2026-11-24"], False, "2026-11-26", "beforebegin:#timeline-day-2026-11-25"),
        (["2026-11-25", "2026-11-23"], False, "2026-11-24", "beforebegin:#timeline-day-2026-11-23"),
        (["2026-11-25", "2026-11-24"], True, "2026-11-20", "beforeend:#timeline-entries"),
    ],
    ids=["a day shown", "a newer day", "a day between two shown", "older than all of a complete timeline"],
)
def test_a_save_puts_the_entry_where_the_timeline_behind_the_modal_shows_it_with_one_backend_call(
    backend, signed_in, days, is_complete, entry_day, swap
):
    backend.expect_request("/api/worklogs/", method="POST").respond_with_json(saved_on(entry_day), status=201)

    response = signed_in.post(
        "/entries/new/",
        {**QUICK_ADD_FORM, "date": entry_day, **on_the_timeline(days, is_complete=is_complete)},
        headers=HTMX,
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert requests_made(backend) == [("POST", "/api/worklogs/")]
    assert out_of_band(page) == [swap]
    assert entry_ids(page) == ["entry-42"]
    piece = page[page.index("hx-swap-oob") :]
    assert "Led the incident review<br>and wrote the follow-ups" in piece
    # a new day comes with its heading and says it is shown; an entry goes into its day's section
    has_day = not swap.startswith("afterend:")
    assert (f'id="timeline-day-{entry_day}-heading"' in piece) is has_day
    assert (
        f'<input type="hidden" name="timeline_day" value="{entry_day}" form="quick-add-form">' in piece
    ) is has_day
    assert "hx-swap-oob" not in page[: page.index("</form>")]
    assert json.loads(response["HX-Trigger"])["worklog-saved"] == {"id": 42, "date": entry_day}


def test_a_save_older_than_every_day_shown_leaves_it_to_the_older_pages_not_loaded_yet(backend, signed_in):
    backend.expect_request("/api/worklogs/", method="POST").respond_with_json(
        saved_on("2026-11-20"), status=201
    )

    response = signed_in.post(
        "/entries/new/",
        {**QUICK_ADD_FORM, "date": "2026-11-20", **on_the_timeline(["2026-11-25", "2026-11-24"])},
        headers=HTMX,
    )

    page = response.content.decode()
    assert "hx-swap-oob" not in page
    assert entry_ids(page) == []
    assert requests_made(backend) == [("POST", "/api/worklogs/")]


def test_a_save_on_an_empty_timeline_replaces_its_invitation_with_the_entry(backend, signed_in):
    backend.expect_request("/api/worklogs/", method="POST").respond_with_json(
        saved_on("2026-11-24"), status=201
    )

    response = signed_in.post("/entries/new/", {**QUICK_ADD_FORM, "timeline": "in-place"}, headers=HTMX)

    page = response.content.decode()
    assert (
        page.count('<div id="timeline-entries" class="timeline" hx-swap-oob="true" aria-live="polite">') == 1
    )
    assert entry_ids(page) == ["entry-42"]
    assert day_headings(page) == ["Tuesday, 24 November 2026"]
    assert declared_inputs(page) == [
        ("timeline", "in-place"),
        ("timeline_day", "2026-11-24"),
        ("timeline_complete", "1"),
    ]
    assert "Your timeline is empty." not in page
    assert requests_made(backend) == [("POST", "/api/worklogs/")]


def test_a_day_declared_by_the_page_that_is_not_a_date_updates_nothing_in_place(backend, signed_in):
    backend.expect_request("/api/worklogs/", method="POST").respond_with_json(
        saved_on("2026-11-24"), status=201
    )
    forged = '2026-11-24"] , body, [id="x'

    response = signed_in.post(
        "/entries/new/", {**QUICK_ADD_FORM, **on_the_timeline(["2026-11-25", forged])}, headers=HTMX
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert "hx-swap-oob" not in page
    assert "body, [id" not in page
    assert json.loads(response["HX-Trigger"])["toast"] == {"text": "Entry saved."}


def test_quick_add_shows_the_backends_date_message_next_to_the_date_and_keeps_the_typing(
    backend, suggestions, signed_in
):
    message = "Date cannot be in the future."
    backend.expect_request("/api/worklogs/", method="POST").respond_with_json(
        api_error("Invalid input.", {"date": [message]}), status=400
    )

    response = signed_in.post("/entries/new/", {**QUICK_ADD_FORM, "date": "2031-01-01"}, headers=HTMX)

    assert response.status_code == 422
    page = response.content.decode()
    assert "<html" not in page
    assert f'<div class="invalid-feedback d-block" id="quick_date_error"><div>{message}</div>' in page
    assert page.count("invalid-feedback") == 1
    assert 'id="form-errors"' not in page
    assert re.search(r'<input [^>]*class="form-control is-invalid"[^>]*id="quick_date"', page)
    assert input_value(page, "quick_date") == "2031-01-01"
    assert textarea_text(page, "quick_content") == "  Led the incident review\nand wrote the follow-ups  "
    assert input_value(page, "quick_employer") == "Globex"
    assert input_value(page, "quick_tags") == "incident, on-call ;  writing,,"
    assert "HX-Trigger" not in response


def test_quick_add_without_content_is_refused_without_asking_the_backend_to_save(
    backend, suggestions, signed_in
):
    response = signed_in.post("/entries/new/", {**QUICK_ADD_FORM, "content": ""}, headers=HTMX)

    assert response.status_code == 422
    assert 'id="quick_content_error"><div>This field is required.</div>' in response.content.decode()
    assert requests_made(backend) == [("GET", "/api/worklogs/suggestions/")]


def test_quick_add_refused_for_too_many_attempts_says_so_above_the_form(backend, suggestions, signed_in):
    backend.expect_request("/api/worklogs/", method="POST").respond_with_json(
        api_error("Too many requests. Try again in 20 seconds."), status=429
    )

    response = signed_in.post("/entries/new/", QUICK_ADD_FORM, headers=HTMX)

    assert response.status_code == 422
    page = response.content.decode()
    assert re.search(r'id="form-errors">\s*<div>Too many requests. Try again in 20 seconds.</div>', page)
    assert textarea_text(page, "quick_content") == "  Led the incident review\nand wrote the follow-ups  "


def test_quick_add_while_the_backend_is_down_answers_503_with_the_banner(backend_down, signed_in):
    response = signed_in.post("/entries/new/", QUICK_ADD_FORM, headers=HTMX)

    assert response.status_code == 503
    page = response.content.decode()
    assert "<html" not in page
    assert 'id="backend-banner"' in page
    assert "HX-Trigger" not in response


def test_quick_add_without_htmx_redirects_to_the_saved_entry(saves_the_entry, signed_in):
    response = signed_in.post("/entries/new/", QUICK_ADD_FORM)

    assert response.status_code == 302
    assert response["Location"] == "/entries/42/"
    assert requests_made(saves_the_entry) == [("POST", "/api/worklogs/")]


def test_quick_add_without_htmx_shows_a_refusal_on_a_full_page(backend, suggestions, signed_in):
    message = "Date cannot be in the future."
    backend.expect_request("/api/worklogs/", method="POST").respond_with_json(
        api_error("Invalid input.", {"date": [message]}), status=400
    )

    response = signed_in.post("/entries/new/", QUICK_ADD_FORM)

    assert response.status_code == 422
    page = response.content.decode()
    assert "<html" in page
    assert f'id="quick_date_error"><div>{message}</div>' in page


# --- timeline ---------------------------------------------------------------------------------------

THREE_ENTRIES_OVER_TWO_DAYS = [
    worklog(id=43, date="2026-11-25", content="Reviewed the billing migration"),
    worklog(id=41, date="2026-11-25"),
    worklog(id=39, date="2026-11-24", content="Paired on the search ranking"),
]


def test_timeline_groups_the_entries_under_one_heading_per_day(backend, suggestions, signed_in):
    backend.expect_request("/api/worklogs/").respond_with_json(page_of(THREE_ENTRIES_OVER_TWO_DAYS))

    response = signed_in.get("/timeline/")

    assert response.status_code == 200
    page = response.content.decode()
    assert day_headings(page) == ["Wednesday, 25 November 2026", "Tuesday, 24 November 2026"]
    assert re.findall(
        r'<section class="timeline-day" data-day="([^"]+)"(?: id="timeline-day-[0-9-]+")?>', page
    ) == [
        "2026-11-25",
        "2026-11-24",
    ]
    assert entry_ids(page) == ["entry-43", "entry-41", "entry-39"]
    assert "Reviewed the billing migration" in page
    assert "Older entries" not in page
    assert query_of(backend, "GET", "/api/worklogs/") == [{"page_size": "25"}]


LONG_CONTENT = ("Rebuilt the invoice export. " * 358)[:10_000]


@pytest.mark.parametrize(
    "content",
    [LONG_CONTENT, "one\ntwo\nthree\nfour\nfive\nsix\nseven"],
    ids=["10,000 characters", "seven short lines"],
)
def test_a_long_entry_shows_its_first_lines_with_show_more_leading_to_the_whole_entry(
    backend, suggestions, signed_in, content
):
    backend.expect_request("/api/worklogs/").respond_with_json(page_of([worklog(content=content)]))

    page = signed_in.get("/timeline/").content.decode()

    assert '<div class="timeline-entry-content is-collapsed" id="entry-41-content">' in page
    # without JavaScript a link to the whole entry; app.js turns it into a toggle in place
    assert (
        '<a class="entry-toggle small" href="/entries/41/" data-expands="entry-41-content">Show more'
        '<span class="visually-hidden"> of the entry of Wednesday, 25 November 2026</span></a>'
    ) in page


def test_a_short_entry_is_shown_whole_without_show_more(backend, suggestions, signed_in):
    backend.expect_request("/api/worklogs/").respond_with_json(
        page_of([worklog(content="x" * 399), worklog(id=42, content="one\ntwo\nthree\nfour\nfive\nsix")])
    )

    page = signed_in.get("/timeline/").content.decode()

    assert '<div class="timeline-entry-content" id="entry-41-content">' in page
    assert '<div class="timeline-entry-content" id="entry-42-content">' in page
    assert "Show more" not in page


def test_timeline_passes_the_filters_to_the_backend_and_shows_them_in_the_inputs(
    backend, suggestions, signed_in
):
    backend.expect_request("/api/worklogs/").respond_with_json(page_of([worklog()]))

    page = signed_in.get(
        "/timeline/?search=invoice+-draft&tag=python&employer=Acme&project=Billing"
        "&date_from=2026-11-01&date_to=2026-11-30&source=manual"
    ).content.decode()

    assert query_of(backend, "GET", "/api/worklogs/") == [
        {
            "search": "invoice -draft",
            "tag": "python",
            "employer": "Acme",
            "project": "Billing",
            "date_from": "2026-11-01",
            "date_to": "2026-11-30",
            "source": "manual",
            "page_size": "25",
        }
    ]
    assert input_value(page, "id_search") == "invoice -draft"
    assert input_value(page, "id_tag") == "python"
    assert input_value(page, "id_employer") == "Acme"
    assert input_value(page, "id_date_from") == "2026-11-01"
    assert input_value(page, "id_date_to") == "2026-11-30"
    assert input_value(page, "id_project") == "Billing"


def test_timeline_offers_a_project_filter_with_suggestions_that_older_entries_keep(
    backend, suggestions, signed_in
):
    backend.expect_request("/api/worklogs/").respond_with_json(
        page_of(
            THREE_ENTRIES_OVER_TWO_DAYS,
            next_url="http://backend:8000/api/worklogs/?cursor=cD0yMDI2LTExLTI0&page_size=25&project=Billing",
        )
    )

    page = signed_in.get("/timeline/?project=Billing").content.decode()

    assert '<label class="form-label small" for="id_project">Project</label>' in page
    assert (
        '<input type="text" name="project" id="id_project" class="form-control" value="Billing" '
        'list="project-suggestions" autocomplete="off">'
    ) in page
    assert (
        '<datalist id="project-suggestions"><option value="Billing"><option value="Search"></datalist>'
        in page
    )
    assert query_of(backend, "GET", "/api/worklogs/") == [{"project": "Billing", "page_size": "25"}]
    link = "/timeline/?project=Billing&amp;cursor=cD0yMDI2LTExLTI0&amp;after_day=2026-11-24"
    assert page.count(f'href="{link}" hx-get="{link}"') == 1


def test_timeline_does_not_pass_an_invalid_date_filter_to_the_backend(backend, suggestions, signed_in):
    backend.expect_request("/api/worklogs/").respond_with_json(page_of([worklog()]))

    page = signed_in.get("/timeline/?date_from=yesterday&tag=python").content.decode()

    assert query_of(backend, "GET", "/api/worklogs/") == [{"tag": "python", "page_size": "25"}]
    assert input_value(page, "id_date_from") == ""


def test_empty_timeline_invites_to_log_the_first_entry(backend, suggestions, signed_in):
    backend.expect_request("/api/worklogs/").respond_with_json(page_of([]))

    page = signed_in.get("/timeline/").content.decode()

    assert "Your timeline is empty." in page
    assert (
        'data-bs-target="#quick-add"><i class="bi bi-plus-lg" aria-hidden="true"></i> Log your first entry'
        in page
    )
    assert "No entries match these filters." not in page
    assert day_headings(page) == []


def test_filtered_timeline_without_results_says_no_entries_match(backend, suggestions, signed_in):
    backend.expect_request("/api/worklogs/").respond_with_json(page_of([]))

    page = signed_in.get("/timeline/?search=kubernetes").content.decode()

    assert "No entries match these filters." in page
    assert "Your timeline is empty." not in page
    assert "Log your first entry" not in page


def test_older_entries_link_carries_the_cursor_the_filters_and_the_last_day_shown(
    backend, suggestions, signed_in
):
    backend.expect_request("/api/worklogs/").respond_with_json(
        page_of(
            THREE_ENTRIES_OVER_TWO_DAYS,
            next_url="http://backend:8000/api/worklogs/?cursor=cD0yMDI2LTExLTI0&page_size=25&search=migration",
        )
    )

    page = signed_in.get("/timeline/?search=migration").content.decode()

    link = "/timeline/?search=migration&amp;cursor=cD0yMDI2LTExLTI0&amp;after_day=2026-11-24"
    assert page.count(f'href="{link}" hx-get="{link}" hx-trigger="click, revealed" hx-swap="outerHTML"') == 1
    assert page.count("Older entries") == 1


def test_loading_more_with_htmx_answers_only_the_older_entries_without_repeating_a_continued_day(
    backend, signed_in
):
    backend.expect_request("/api/worklogs/").respond_with_json(
        page_of(
            [
                worklog(id=38, date="2026-11-24", content="Wrote the runbook"),
                worklog(id=35, date="2026-11-23", content="Interviewed a candidate"),
            ]
        )
    )

    response = signed_in.get("/timeline/?search=migration&cursor=cD0yMDI2&after_day=2026-11-24", headers=HTMX)

    assert response.status_code == 200
    page = response.content.decode()
    assert "<html" not in page
    assert 'id="timeline-entries"' not in page
    assert 'id="timeline-filters"' not in page
    assert re.findall(
        r'<section class="timeline-day" data-day="([^"]+)"(?: id="timeline-day-[0-9-]+")?>', page
    ) == [
        "2026-11-24",
        "2026-11-23",
    ]
    assert day_headings(page) == ["Monday, 23 November 2026"]
    assert entry_ids(page) == ["entry-38", "entry-35"]
    assert "Older entries" not in page
    assert query_of(backend, "GET", "/api/worklogs/") == [
        {"search": "migration", "cursor": "cD0yMDI2", "page_size": "25"}
    ]
    assert requests_made(backend) == [("GET", "/api/worklogs/")]


def test_loading_more_with_htmx_offers_the_next_page_when_there_is_one(backend, signed_in):
    backend.expect_request("/api/worklogs/").respond_with_json(
        page_of(
            [worklog(id=38, date="2026-11-24")],
            next_url="http://backend:8000/api/worklogs/?cursor=c2Vjb25k&page_size=25",
        )
    )

    page = signed_in.get("/timeline/?cursor=Zmlyc3Q&after_day=2026-11-25", headers=HTMX).content.decode()

    assert day_headings(page) == ["Tuesday, 24 November 2026"]
    assert page.count('href="/timeline/?cursor=c2Vjb25k&amp;after_day=2026-11-24"') == 1


def test_filtering_with_htmx_answers_only_the_entries_partial(backend, signed_in):
    backend.expect_request("/api/worklogs/").respond_with_json(page_of(THREE_ENTRIES_OVER_TWO_DAYS))

    response = signed_in.get("/timeline/?tag=python", headers={**HTMX, "HX-Target": "timeline-entries"})

    assert response.status_code == 200
    page = response.content.decode()
    assert page.lstrip().startswith(
        '<div id="timeline-entries" class="timeline" aria-live="polite" hx-get="/timeline/?tag=python" '
        'hx-trigger="worklog-saved from:body" hx-swap="outerHTML settle:0ms" hx-sync="this:replace">'
    )
    assert "<html" not in page
    assert 'id="timeline-filters"' not in page
    assert "hx-swap-oob" not in page
    assert day_headings(page) == ["Wednesday, 25 November 2026", "Tuesday, 24 November 2026"]
    assert requests_made(backend) == [("GET", "/api/worklogs/")]
    assert query_of(backend, "GET", "/api/worklogs/") == [{"tag": "python", "page_size": "25"}]


def test_a_filtered_timelines_entries_reload_themselves_with_their_filters_when_an_entry_is_saved(
    backend, suggestions, signed_in
):
    backend.expect_request("/api/worklogs/").respond_with_json(page_of([worklog()]))

    page = signed_in.get("/timeline/?search=x&tag=y&source=manual").content.decode()

    assert (
        page.count(
            '<div id="timeline-entries" class="timeline" aria-live="polite" '
            'hx-get="/timeline/?search=x&amp;tag=y&amp;source=manual" '
            # a second save while the first reload is on its way replaces it: a reload queued on an
            # element the first one's answer swapped out would land nowhere
            'hx-trigger="worklog-saved from:body" hx-swap="outerHTML settle:0ms" hx-sync="this:replace">'
        )
        == 1
    )
    # it declares nothing for an update in place: it cannot know whether a new entry matches
    assert 'form="quick-add-form"' not in page


def declared_inputs(page: str) -> list[tuple[str, str]]:
    """The hidden inputs the page's timeline gives the quick-add form (by its id), in page order."""
    return re.findall(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)" form="quick-add-form">', page)


def test_the_timeline_tells_the_quick_add_form_which_days_it_shows_and_that_there_are_older_ones(
    backend, suggestions, signed_in
):
    backend.expect_request("/api/worklogs/").respond_with_json(
        page_of(THREE_ENTRIES_OVER_TWO_DAYS, next_url="http://backend:8000/api/worklogs/?cursor=bmV4dA")
    )

    page = signed_in.get("/timeline/").content.decode()

    assert '<div id="timeline-entries" class="timeline" aria-live="polite">' in page
    assert "worklog-saved" not in page
    assert declared_inputs(page) == [
        ("timeline", "in-place"),
        ("timeline_day", "2026-11-25"),
        ("timeline_day", "2026-11-24"),
    ]
    assert page.count('<h2 class="timeline-day-heading h6" id="timeline-day-2026-11-25-heading">') == 1
    assert (
        page.count('<section class="timeline-day" data-day="2026-11-24" id="timeline-day-2026-11-24">') == 1
    )


def test_the_timeline_tells_the_quick_add_form_when_it_shows_every_entry(backend, suggestions, signed_in):
    backend.expect_request("/api/worklogs/").respond_with_json(page_of([worklog()]))

    page = signed_in.get("/timeline/").content.decode()

    assert declared_inputs(page) == [
        ("timeline", "in-place"),
        ("timeline_day", "2026-11-25"),
        ("timeline_complete", "1"),
    ]


def test_older_entries_declare_their_own_days_but_not_a_day_continued_from_the_page_before(
    backend, signed_in
):
    backend.expect_request("/api/worklogs/").respond_with_json(
        page_of([worklog(id=38, date="2026-11-24"), worklog(id=35, date="2026-11-23")])
    )

    page = signed_in.get("/timeline/?cursor=cD0yMDI2&after_day=2026-11-24", headers=HTMX).content.decode()

    assert declared_inputs(page) == [("timeline_day", "2026-11-23"), ("timeline_complete", "1")]
    assert '<section class="timeline-day" data-day="2026-11-24">' in page


def test_the_reload_after_a_save_answers_the_filtered_entries_with_one_backend_call(backend, signed_in):
    backend.expect_request("/api/worklogs/").respond_with_json(
        page_of([SAVED, worklog(id=40, date="2026-11-23")])
    )

    # what htmx sends when the entries' worklog-saved trigger fires
    response = signed_in.get("/timeline/?search=x&tag=y", headers={**HTMX, "HX-Target": "timeline-entries"})

    assert response.status_code == 200
    page = response.content.decode()
    assert "<html" not in page
    assert page.count('<div id="timeline-entries"') == 1
    assert entry_ids(page) == ["entry-42", "entry-40"]
    assert requests_made(backend) == [("GET", "/api/worklogs/")]
    assert query_of(backend, "GET", "/api/worklogs/") == [{"search": "x", "tag": "y", "page_size": "25"}]


def test_restoring_the_timeline_from_history_gets_the_full_page(backend, suggestions, signed_in):
    backend.expect_request("/api/worklogs/").respond_with_json(page_of(THREE_ENTRIES_OVER_TWO_DAYS))

    response = signed_in.get("/timeline/?tag=python", headers={**HTMX, "HX-History-Restore-Request": "true"})

    page = response.content.decode()
    assert "<html" in page
    assert 'id="timeline-filters"' in page


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["page", "htmx"])
def test_timeline_varies_on_the_htmx_request_header(backend, suggestions, signed_in, headers):
    backend.expect_request("/api/worklogs/").respond_with_json(page_of([worklog()]))

    response = signed_in.get("/timeline/", headers={**headers, "HX-Target": "timeline-entries"})

    assert [value.strip() for value in response["Vary"].split(",")] == ["HX-Request", "Cookie"]


# --- entry page, edit and delete --------------------------------------------------------------------


@pytest.fixture
def entry_41(backend, suggestions):
    backend.expect_request("/api/worklogs/41/", method="GET").respond_with_json(worklog_with_evidence())
    return backend


def test_entry_page_shows_the_entry_and_its_evidence_with_download_links(entry_41, signed_in):
    response = signed_in.get("/entries/41/")

    assert response.status_code == 200
    page = response.content.decode()
    assert '<p class="entry-content">Shipped the invoice export</p>' in page
    assert '<dt class="col-3">Employer</dt><dd class="col-9">Acme</dd>' in page
    assert '<dt class="col-3">Project</dt><dd class="col-9">Billing</dd>' in page
    assert re.findall(r'<a href="([^"]+)" class="text-break" download>([^<]+)</a>', page) == [
        ("/entries/41/evidence/7/download/", "invoice-export.pdf")
    ]
    assert '<span class="small text-body-secondary text-nowrap">51.2 KB</span>' in page
    assert 'action="/entries/41/evidence/7/delete/"' in page
    assert 'id="no-evidence"' not in page
    assert requests_made(entry_41) == [("GET", "/api/worklogs/41/")]


def test_an_entry_never_edited_does_not_say_edited(backend, suggestions, signed_in):
    # the backend stamps created and updated a few microseconds apart when it creates an entry
    backend.expect_request("/api/worklogs/41/").respond_with_json(
        worklog_with_evidence(
            created_at="2026-11-25T09:00:00.123456+00:00", updated_at="2026-11-25T09:00:00.123789+00:00"
        )
    )

    page = signed_in.get("/entries/41/").content.decode()

    assert "manual · created 2026-11-25 09:00</dd>" in page
    assert "edited" not in page


def test_an_edited_entry_says_when_it_was_edited(backend, suggestions, signed_in):
    backend.expect_request("/api/worklogs/41/").respond_with_json(
        worklog_with_evidence(
            created_at="2026-11-25T09:00:00.123456+00:00", updated_at="2026-11-26T17:30:05.000001+00:00"
        )
    )

    page = signed_in.get("/entries/41/").content.decode()

    assert "manual · created 2026-11-25 09:00 · edited 2026-11-26 17:30</dd>" in page


def test_the_entry_page_offers_one_edit_control_and_no_form_until_it_is_used(entry_41, signed_in):
    page = signed_in.get("/entries/41/").content.decode()

    assert re.findall(r">\s*(Edit[^<]*)<", page) == ["Edit"]
    assert (
        '<a class="btn btn-outline-primary btn-sm" href="?edit=1#entry-edit" id="edit-entry">Edit</a>' in page
    )
    assert 'action="/entries/41/edit/"' not in page


def test_editing_from_the_entry_page_shows_the_form_with_a_way_back(entry_41, signed_in):
    page = signed_in.get("/entries/41/?edit=1").content.decode()

    assert 'id="entry-view"' not in page
    assert '<form method="post" action="/entries/41/edit/"' in page
    assert textarea_text(page, "id_content") == "Shipped the invoice export"
    assert '<a class="btn btn-link" href="/entries/41/">Cancel</a>' in page
    assert re.findall(r">\s*(Edit[^<]*)<", page) == []


def test_entry_page_without_evidence_invites_to_attach_a_file(backend, suggestions, signed_in):
    backend.expect_request("/api/worklogs/41/").respond_with_json(
        {**worklog(), "evidence": [], "history": []}
    )

    page = signed_in.get("/entries/41/").content.decode()

    assert 'id="no-evidence"' in page
    assert 'id="evidence-list"' not in page


def test_entry_page_of_someone_elses_entry_is_not_found(backend, signed_in):
    backend.expect_request("/api/worklogs/99/").respond_with_json(api_error("Not found."), status=404)

    response = signed_in.get("/entries/99/")

    assert response.status_code == 404
    assert "Shipped the invoice export" not in response.content.decode()
    assert requests_made(backend) == [("GET", "/api/worklogs/99/")]


EDIT_FORM = {
    "date": "2026-11-24",
    "content": "Shipped the invoice export, with CSV",
    "employer": "Acme",
    "project": "Billing v2",
    "tags": "python; release, csv",
}


def test_editing_an_entry_sends_a_patch_and_goes_back_to_the_entry(backend, signed_in):
    backend.expect_request("/api/worklogs/41/", method="PATCH").respond_with_json(
        worklog(project="Billing v2")
    )

    response = signed_in.post("/entries/41/edit/", EDIT_FORM)

    assert response.status_code == 302
    assert response["Location"] == "/entries/41/"
    assert json_sent(backend, "PATCH", "/api/worklogs/41/") == [
        {
            "date": "2026-11-24",
            "content": "Shipped the invoice export, with CSV",
            "employer": "Acme",
            "project": "Billing v2",
            "tags": ["python", "release", "csv"],
        }
    ]
    assert requests_made(backend) == [("PATCH", "/api/worklogs/41/")]


def test_an_edited_entry_says_so_after_the_redirect(entry_41, signed_in):
    entry_41.expect_request("/api/worklogs/41/", method="PATCH").respond_with_json(worklog())

    response = signed_in.post("/entries/41/edit/", EDIT_FORM, follow=True)

    assert response.redirect_chain == [("/entries/41/", 302)]
    assert "Entry updated." in response.content.decode()


def test_editing_an_entry_refused_by_the_backend_shows_its_messages_and_keeps_the_typing(entry_41, signed_in):
    message = "Ensure this field has no more than 50 characters."
    entry_41.expect_request("/api/worklogs/41/", method="PATCH").respond_with_json(
        api_error("Invalid input.", {"tags": [message]}), status=400
    )

    response = signed_in.post("/entries/41/edit/", {**EDIT_FORM, "tags": "x" * 60})

    assert response.status_code == 422
    page = response.content.decode()
    assert f'<div class="invalid-feedback d-block" id="id_tags_error"><div>{message}</div>' in page
    assert input_value(page, "id_tags") == "x" * 60
    assert input_value(page, "id_project") == "Billing v2"
    assert textarea_text(page, "id_content") == "Shipped the invoice export, with CSV"
    assert '<div id="entry-edit">' in page
    assert 'id="entry-view"' not in page
    assert requests_made(entry_41) == [
        ("PATCH", "/api/worklogs/41/"),
        ("GET", "/api/worklogs/41/"),
        ("GET", "/api/worklogs/suggestions/"),
    ]


def test_a_message_for_no_particular_field_is_shown_above_the_edit_form(entry_41, signed_in):
    entry_41.expect_request("/api/worklogs/41/", method="PATCH").respond_with_json(
        api_error("This entry can no longer be edited."), status=400
    )

    response = signed_in.post("/entries/41/edit/", EDIT_FORM)

    assert response.status_code == 422
    assert re.search(
        r'id="form-errors">\s*<div>This entry can no longer be edited.</div>', response.content.decode()
    )


def test_deleting_an_entry_first_asks_for_confirmation(backend, signed_in):
    backend.expect_request("/api/worklogs/41/", method="GET").respond_with_json(worklog_with_evidence())

    response = signed_in.get("/entries/41/delete/")

    assert response.status_code == 200
    page = response.content.decode()
    assert "Delete this entry?" in page
    assert '<blockquote class="border-start ps-3">Shipped the invoice export</blockquote>' in page
    assert "The entry and its 1 evidence file will be deleted." in page
    assert '<form method="post" action="/entries/41/delete/"' in page
    assert requests_made(backend) == [("GET", "/api/worklogs/41/")]


@pytest.mark.parametrize(
    ("files", "says"),
    [
        (0, "The entry will be deleted. This cannot be undone."),
        (1, "The entry and its 1 evidence file will be deleted. This cannot be undone."),
        (2, "The entry and its 2 evidence files will be deleted. This cannot be undone."),
    ],
)
def test_the_deletion_page_counts_the_evidence_files_only_when_there_are_some(
    backend, signed_in, files, says
):
    backend.expect_request("/api/worklogs/41/").respond_with_json(
        {**worklog(), "evidence": [{**EVIDENCE, "id": number} for number in range(files)], "history": []}
    )

    page = signed_in.get("/entries/41/delete/").content.decode()

    assert f"<p>{says}</p>" in page


def test_confirming_the_deletion_deletes_the_entry_and_goes_to_the_timeline(backend, signed_in):
    backend.expect_request("/api/worklogs/41/", method="DELETE").respond_with_data("", status=204)

    response = signed_in.post("/entries/41/delete/")

    assert response.status_code == 302
    assert response["Location"] == "/timeline/"
    assert requests_made(backend) == [("DELETE", "/api/worklogs/41/")]


def test_deleting_with_htmx_redirects_the_browser_to_the_timeline(backend, signed_in):
    backend.expect_request("/api/worklogs/41/", method="DELETE").respond_with_data("", status=204)

    response = signed_in.post("/entries/41/delete/", headers=HTMX)

    assert response.status_code == 200
    assert response["HX-Redirect"] == "/timeline/"
    assert requests_made(backend) == [("DELETE", "/api/worklogs/41/")]


def test_deleting_someone_elses_entry_is_not_found(backend, signed_in):
    backend.expect_request("/api/worklogs/99/", method="DELETE").respond_with_json(
        api_error("Not found."), status=404
    )

    response = signed_in.post("/entries/99/delete/")

    assert response.status_code == 404
    assert requests_made(backend) == [("DELETE", "/api/worklogs/99/")]


def test_confirmation_page_for_someone_elses_entry_is_not_found(backend, signed_in):
    backend.expect_request("/api/worklogs/99/").respond_with_json(api_error("Not found."), status=404)

    response = signed_in.get("/entries/99/delete/")

    assert response.status_code == 404


# --- evidence ---------------------------------------------------------------------------------------


def evidence_file(content: bytes = PDF_BYTES, name: str = "invoice-export.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def test_uploading_evidence_sends_the_file_as_multipart_to_the_backend(backend, signed_in):
    backend.expect_request("/api/worklogs/41/evidence/", method="POST").respond_with_json(
        EVIDENCE, status=201
    )

    response = signed_in.post("/entries/41/evidence/", {"file": evidence_file()})

    assert response.status_code == 302
    assert response["Location"] == "/entries/41/"
    assert requests_made(backend) == [("POST", "/api/worklogs/41/evidence/")]
    ((upload_request, _),) = backend.log
    assert upload_request.headers["Content-Type"].startswith("multipart/form-data; boundary=")
    body = upload_request.get_data()
    assert b'Content-Disposition: form-data; name="file"; filename="invoice-export.pdf"' in body
    assert b"Content-Type: application/pdf" in body
    assert PDF_BYTES in body


def test_uploaded_evidence_is_confirmed_on_the_entry_page(entry_41, signed_in):
    entry_41.expect_request("/api/worklogs/41/evidence/", method="POST").respond_with_json(
        EVIDENCE, status=201
    )

    response = signed_in.post("/entries/41/evidence/", {"file": evidence_file()}, follow=True)

    assert response.redirect_chain == [("/entries/41/", 302)]
    assert re.search(r'role="status">\s*File added.', response.content.decode())


def test_evidence_refused_by_the_backend_shows_its_message(entry_41, signed_in):
    message = "Files of type application/x-msdownload are not accepted."
    entry_41.expect_request("/api/worklogs/41/evidence/", method="POST").respond_with_json(
        api_error("Invalid input.", {"file": [message]}), status=400
    )

    response = signed_in.post(
        "/entries/41/evidence/", {"file": evidence_file(b"MZ\x90\x00", "setup.exe")}, follow=True
    )

    assert response.redirect_chain == [("/entries/41/", 302)]
    page = response.content.decode()
    assert re.search(rf'role="alert">\s*{re.escape(message)}', page)
    assert "File added." not in page


def test_evidence_refused_without_field_messages_shows_the_backends_message(entry_41, signed_in):
    entry_41.expect_request("/api/worklogs/41/evidence/", method="POST").respond_with_json(
        api_error("Storage is full for this workspace."), status=400
    )

    response = signed_in.post("/entries/41/evidence/", {"file": evidence_file()}, follow=True)

    assert re.search(r'role="alert">\s*Storage is full for this workspace.', response.content.decode())


def test_an_upload_larger_than_the_limit_is_refused_without_asking_the_backend(entry_41, signed_in, settings):
    settings.EVIDENCE_MAX_MB = 1
    too_large = b"%PDF-1.7\n" + b"0" * (1024 * 1024 + 64 * 1024)

    response = signed_in.post("/entries/41/evidence/", {"file": evidence_file(too_large)}, follow=True)

    assert response.redirect_chain == [("/entries/41/", 302)]
    assert re.search(r'role="alert">\s*The file is larger than 1 MB.', response.content.decode())
    assert requests_made(entry_41) == [("GET", "/api/worklogs/41/")]


def test_an_upload_without_a_file_asks_for_one_without_asking_the_backend(entry_41, signed_in):
    response = signed_in.post("/entries/41/evidence/", {}, follow=True)

    assert re.search(r'role="alert">\s*Choose a file to upload.', response.content.decode())
    assert requests_made(entry_41) == [("GET", "/api/worklogs/41/")]


def test_deleting_evidence_asks_the_backend_and_goes_back_to_the_entry(backend, signed_in):
    backend.expect_request("/api/worklogs/41/evidence/7/", method="DELETE").respond_with_data("", status=204)

    response = signed_in.post("/entries/41/evidence/7/delete/")

    assert response.status_code == 302
    assert response["Location"] == "/entries/41/"
    assert requests_made(backend) == [("DELETE", "/api/worklogs/41/evidence/7/")]


PRESIGNED = "https://s3.example.com/evidence/3/41/7.pdf?X-Amz-Expires=300&X-Amz-Signature=abc123"


def test_downloading_evidence_stored_on_s3_redirects_to_the_presigned_link(backend, signed_in):
    backend.expect_request("/api/worklogs/41/evidence/7/download/").respond_with_response(
        Response(status=302, headers={"Location": PRESIGNED})
    )

    response = signed_in.get("/entries/41/evidence/7/download/")

    assert response.status_code == 302
    assert response["Location"] == PRESIGNED
    assert requests_made(backend) == [("GET", "/api/worklogs/41/evidence/7/download/")]


def test_downloading_evidence_stored_locally_streams_the_exact_bytes_with_safe_headers(backend, signed_in):
    backend.expect_request("/api/worklogs/41/evidence/7/download/").respond_with_response(
        Response(
            PDF_BYTES,
            status=200,
            headers={
                "Content-Type": "application/pdf",
                "Content-Disposition": DOWNLOAD_DISPOSITION,
                "Content-Length": str(len(PDF_BYTES)),
                "Set-Cookie": "backend_session=leaked",
            },
        )
    )

    response = signed_in.get("/entries/41/evidence/7/download/")

    assert response.status_code == 200
    assert response.streaming is True
    assert b"".join(response.streaming_content) == PDF_BYTES
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == DOWNLOAD_DISPOSITION
    assert response["Content-Length"] == str(len(PDF_BYTES))
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"
    assert "backend_session" not in response.cookies
    (download_request,) = [request for request, _ in backend.log]
    assert download_request.headers["X-Session-Token"] == "session-token-of-ada"


def test_downloading_someone_elses_evidence_is_not_found(backend, signed_in):
    backend.expect_request("/api/worklogs/41/evidence/8/download/").respond_with_json(
        api_error("Not found."), status=404
    )

    response = signed_in.get("/entries/41/evidence/8/download/")

    assert response.status_code == 404


# --- dashboard --------------------------------------------------------------------------------------


def test_dashboard_shows_this_weeks_entries_the_streak_the_total_and_the_recent_entries(backend, signed_in):
    backend.expect_request("/api/healthz/").respond_with_json(HEALTHY)
    backend.expect_request("/api/worklogs/stats/").respond_with_json(STATS)
    backend.expect_request("/api/worklogs/").respond_with_json(page_of(THREE_ENTRIES_OVER_TWO_DAYS))

    response = signed_in.get("/")

    assert response.status_code == 200
    page = response.content.decode()
    assert '<p class="kpi-value" id="kpi-week">4</p>' in page
    assert '<p class="kpi-value" id="kpi-streak">3 days</p>' in page
    assert '<p class="kpi-value" id="kpi-total">128</p>' in page
    assert entry_ids(page) == ["entry-43", "entry-41", "entry-39"]
    assert "hx-swap-oob" not in page
    assert query_of(backend, "GET", "/api/worklogs/") == [{"page_size": "5"}]


def test_dashboard_groups_the_recent_entries_under_one_heading_per_day(backend, signed_in):
    backend.expect_request("/api/healthz/").respond_with_json(HEALTHY)
    backend.expect_request("/api/worklogs/stats/").respond_with_json(STATS)
    backend.expect_request("/api/worklogs/").respond_with_json(page_of(THREE_ENTRIES_OVER_TWO_DAYS))

    page = signed_in.get("/").content.decode()

    recent = page[page.index('id="recent-entries"') :]
    assert re.findall(r'<h3 class="recent-day-heading[^"]*">([^<]*)</h3>', recent) == [
        "Wednesday, 25 November 2026",
        "Tuesday, 24 November 2026",
    ]
    assert page.count("Wednesday, 25 November 2026") == 1
    assert entry_ids(page) == ["entry-43", "entry-41", "entry-39"]


def test_the_dashboards_summary_reloads_itself_when_an_entry_is_saved(backend, signed_in):
    backend.expect_request("/api/healthz/").respond_with_json(HEALTHY)
    backend.expect_request("/api/worklogs/stats/").respond_with_json(STATS)
    backend.expect_request("/api/worklogs/").respond_with_json(page_of(THREE_ENTRIES_OVER_TWO_DAYS))

    page = signed_in.get("/").content.decode()

    assert (
        page.count(
            '<div id="worklog-summary" hx-get="/" hx-trigger="worklog-saved from:body" hx-swap="outerHTML settle:0ms" hx-sync="this:replace">'
        )
        == 1
    )


def test_the_dashboards_summary_reload_answers_the_fresh_counters_and_entries_alone(backend, signed_in):
    backend.expect_request("/api/worklogs/stats/").respond_with_json({**STATS, "this_week": 5})
    backend.expect_request("/api/worklogs/").respond_with_json(page_of([SAVED, worklog()]))

    # what htmx sends when the summary's worklog-saved trigger fires
    response = signed_in.get("/", headers={**HTMX, "HX-Target": "worklog-summary"})

    assert response.status_code == 200
    page = response.content.decode()
    assert page.lstrip().startswith(
        '<div id="worklog-summary" hx-get="/" hx-trigger="worklog-saved from:body" hx-swap="outerHTML settle:0ms" hx-sync="this:replace">'
    )
    assert "<html" not in page
    assert '<p class="kpi-value" id="kpi-week">5</p>' in page
    assert entry_ids(page) == ["entry-42", "entry-41"]
    assert 'id="system-title"' not in page
    assert requests_made(backend) == [("GET", "/api/worklogs/stats/"), ("GET", "/api/worklogs/")]
    assert query_of(backend, "GET", "/api/worklogs/") == [{"page_size": "5"}]


def test_the_dashboards_summary_reload_shows_dashes_when_the_backend_fails(backend, signed_in):
    backend.expect_request("/api/worklogs/stats/").respond_with_json(api_error("boom"), status=500)

    response = signed_in.get("/", headers={**HTMX, "HX-Target": "worklog-summary"})

    assert response.status_code == 200
    page = response.content.decode()
    assert '<p class="kpi-value" id="kpi-week">—</p>' in page
    assert '<p class="mb-0 text-body-secondary">—</p>' in page


def test_the_system_card_refresh_still_answers_the_system_card_alone(backend, signed_in):
    backend.expect_request("/api/healthz/").respond_with_json(HEALTHY)

    response = signed_in.get("/", headers={**HTMX, "HX-Target": "system-card"})

    page = response.content.decode()
    assert 'id="system-checks"' in page
    assert 'id="worklog-summary"' not in page
    assert requests_made(backend) == [("GET", "/api/healthz/")]


def test_dashboard_points_to_the_reserve_instead_of_promising_it(backend, no_entries_yet, signed_in):
    backend.expect_request("/api/healthz/").respond_with_json(HEALTHY)

    page = signed_in.get("/").content.decode()

    assert "the reserve arrive" not in page and "arrive in the next release" not in page
    assert (
        'extract your <a href="/skills/">skills</a> from all of them, and write a brag document, a '
        'self-assessment, resume bullets or a weekly status on the <a href="/reports/">Reports</a> page. '
        "The AI work is paid from your workspace's reserve, a prepaid balance you keep on the "
        '<a href="/billing/">Billing</a> page.'
    ) in page


def test_dashboard_streak_of_one_day_is_singular(backend, signed_in):
    backend.expect_request("/api/healthz/").respond_with_json(HEALTHY)
    backend.expect_request("/api/worklogs/stats/").respond_with_json({**STATS, "streak_days": 1})
    backend.expect_request("/api/worklogs/").respond_with_json(page_of([worklog()]))

    page = signed_in.get("/").content.decode()

    assert '<p class="kpi-value" id="kpi-streak">1 day</p>' in page


def test_dashboard_of_someone_who_logged_nothing_yet_invites_to_log(backend, no_entries_yet, signed_in):
    backend.expect_request("/api/healthz/").respond_with_json(HEALTHY)

    page = signed_in.get("/").content.decode()

    assert '<p class="kpi-value" id="kpi-week">0</p>' in page
    assert '<p class="kpi-value" id="kpi-streak">0 days</p>' in page
    assert '<p class="kpi-value" id="kpi-total">0</p>' in page
    assert 'id="recent-empty"' in page


def test_dashboard_shows_dashes_for_the_streak_and_the_recent_entries_when_the_backend_is_down(
    backend_down, signed_in
):
    response = signed_in.get("/")

    assert response.status_code == 200
    page = response.content.decode()
    assert '<p class="kpi-value" id="kpi-streak">—</p>' in page
    assert '<p class="mb-0 text-body-secondary">—</p>' in page
    assert 'id="recent-empty"' not in page
    assert 'id="recent-entries"' not in page


# --- escaping ---------------------------------------------------------------------------------------

HOSTILE = worklog(content=SCRIPT, employer=SCRIPT, project=SCRIPT, tags=[SCRIPT])


def test_hostile_text_is_escaped_on_the_timeline(backend, suggestions, signed_in):
    backend.expect_request("/api/worklogs/").respond_with_json(page_of([HOSTILE]))

    page = signed_in.get("/timeline/").content.decode()

    assert SCRIPT not in page
    assert page.count(ESCAPED_SCRIPT) == 4
    assert 'href="/timeline/?tag=%3Cscript%3Ealert%281%29%3C/script%3E"' in page


def test_hostile_text_is_escaped_on_the_entry_page(backend, suggestions, signed_in):
    backend.expect_request("/api/worklogs/41/").respond_with_json(
        {**HOSTILE, "evidence": [{**EVIDENCE, "name": SCRIPT}], "history": []}
    )

    page = signed_in.get("/entries/41/").content.decode()
    editing = signed_in.get("/entries/41/?edit=1").content.decode()

    assert SCRIPT not in page
    assert SCRIPT not in editing
    # content, employer, project and tag shown (or in the edit form's fields); the file's name as
    # link text, in the delete button's confirmation and in its label
    assert page.count(ESCAPED_SCRIPT) == 7
    assert editing.count(ESCAPED_SCRIPT) == 7


def test_hostile_text_is_escaped_on_the_dashboard(backend, signed_in):
    backend.expect_request("/api/healthz/").respond_with_json(HEALTHY)
    backend.expect_request("/api/worklogs/stats/").respond_with_json(STATS)
    backend.expect_request("/api/worklogs/").respond_with_json(page_of([HOSTILE]))

    page = signed_in.get("/").content.decode()

    assert SCRIPT not in page
    assert page.count(ESCAPED_SCRIPT) == 4


def test_hostile_text_is_escaped_in_the_quick_add_answer(backend, signed_in):
    hostile_suggestions = {**SUGGESTIONS, "employers": [SCRIPT], "projects": [SCRIPT], "tags": [SCRIPT]}
    backend.expect_request("/api/worklogs/", method="POST").respond_with_json(
        {**HOSTILE, "suggestions": hostile_suggestions}, status=201
    )

    response = signed_in.post(
        "/entries/new/",
        {"date": "2026-11-25", "content": SCRIPT, "employer": SCRIPT, "project": SCRIPT, "tags": SCRIPT},
        headers={**HTMX, "HX-Current-URL": "http://testserver/timeline/"},
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert SCRIPT not in page
    # the fresh form's employer and project, and the three datalists' options
    assert page.count(ESCAPED_SCRIPT) == 5


def test_hostile_text_is_escaped_in_the_reloaded_timeline_entries_and_dashboard_summary(backend, signed_in):
    backend.expect_request("/api/worklogs/stats/").respond_with_json(STATS)
    backend.expect_request("/api/worklogs/").respond_with_json(page_of([HOSTILE]))

    entries = signed_in.get("/timeline/", headers={**HTMX, "HX-Target": "timeline-entries"})
    summary = signed_in.get("/", headers={**HTMX, "HX-Target": "worklog-summary"})

    for page in (entries.content.decode(), summary.content.decode()):
        assert SCRIPT not in page
        # the card's content, employer, project and tag
        assert page.count(ESCAPED_SCRIPT) == 4


def test_opening_the_quick_add_address_without_javascript_gives_a_whole_page(backend, suggestions, signed_in):
    response = signed_in.get("/entries/new/")

    page = response.content.decode()
    assert response.status_code == 200
    assert "<html" in page
    assert 'id="quick-add-form"' in page
    assert "HX-Request" in response["Vary"]


def test_the_dashboard_counters_show_a_dash_when_the_backend_is_down(backend_down, signed_in):
    page = signed_in.get("/").content.decode()

    assert '<p class="kpi-value" id="kpi-week">—</p>' in page
    assert '<p class="kpi-value" id="kpi-total">—</p>' in page


def test_a_failing_part_of_the_backend_leaves_the_dashboard_counters_as_a_dash(backend, signed_in):
    failing = {**HEALTHY, "status": "failing", "failing": ["database"]}
    backend.expect_request("/api/healthz/").respond_with_json(failing, status=503)
    backend.expect_request("/api/worklogs/stats/").respond_with_json(api_error("boom"), status=500)

    response = signed_in.get("/")

    assert response.status_code == 200
    page = response.content.decode()
    assert '<p class="kpi-value" id="kpi-week">—</p>' in page
    assert 'data-check="Database"' in page


def test_an_oversized_upload_is_refused_before_the_body_is_read_and_a_normal_one_needs_csrf(
    backend, db, settings
):
    from django.test import Client

    settings.EVIDENCE_MAX_MB = 1
    client = Client(enforce_csrf_checks=True)
    session = client.session
    session["backend_session_token"] = "session-token-of-ada"
    session["user"] = {
        "email": "ada@example.com",
        "display_name": "Ada",
        "is_staff": False,
        "tenant": "",
        "role": "owner",
    }
    session.save()
    big = SimpleUploadedFile("big.txt", b"a" * (2 * 1024 * 1024), content_type="text/plain")
    small = SimpleUploadedFile("small.txt", b"notes", content_type="text/plain")

    refused = client.post("/entries/5/evidence/", {"file": big})
    forged = client.post("/entries/5/evidence/", {"file": small})

    assert refused.status_code == 302
    assert [str(message) for message in refused.wsgi_request._messages] == ["The file is larger than 1 MB."]
    assert forged.status_code == 403  # no CSRF token: the protected part refuses it
    assert backend.log == []


# --- the backend client's worklog pages -------------------------------------------------------------


def test_the_clients_worklog_page_gives_the_next_pages_cursor_read_from_the_backends_link(backend):
    backend.expect_oneshot_request("/api/worklogs/").respond_with_json(
        page_of(
            [worklog()],
            next_url="http://backend:8000/api/worklogs/?cursor=cD0yMDI2LTExLTI0&page_size=25&tag=a%26b",
        )
    )
    backend.expect_oneshot_request("/api/worklogs/").respond_with_json(page_of([worklog(id=40)]))
    client = BackendClient(session_token="session-token-of-ada")

    first = client.worklogs(tag="a&b")
    last = client.worklogs(tag="a&b", cursor="cD0yMDI2LTExLTI0")

    assert first == {"results": [worklog()], "next_cursor": "cD0yMDI2LTExLTI0"}
    assert last == {"results": [worklog(id=40)], "next_cursor": ""}
    assert query_of(backend, "GET", "/api/worklogs/") == [
        {"tag": "a&b", "page_size": "25"},
        {"tag": "a&b", "cursor": "cD0yMDI2LTExLTI0", "page_size": "25"},
    ]
