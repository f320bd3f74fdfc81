"""Skills in the frontend: the list (sort and the hidden toggle in the address, pages, the empty
state), extracting skills as a job (the estimate first, then the start, a refusal for funds in
place), adding a skill by hand, and a skill's page (its entries, rename, hide, merge, unlink,
delete, and the backend's refusals in place), against a fake backend at the HTTP boundary (with and
without HX-Request)."""

import re

import pytest

from webapp.tests.test_jobs import (  # noqa: F401 (strict_client is a fixture)
    FUNDS,
    csrf_token_of,
    job_detail,
    json_sent,
    page_of,
    strict_client,
    text_of,
)

HTMX = {"HX-Request": "true"}
HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'
ESCAPED_HOSTILE = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;"


def skill_out(**overrides) -> dict:
    return {
        "id": 3,
        "name": "PostgreSQL",
        "aliases": ["Postgres"],
        "is_hidden": False,
        "entry_count": 2,
        "first_seen": "2026-10-01",
        "last_seen": "2026-11-25",
        **overrides,
    }


def skill_entry(**overrides) -> dict:
    return {
        "id": 41,
        "date": "2026-11-25",
        "content": "Tuned the invoice queries on PostgreSQL",
        "employer": "Acme",
        "project": "Billing",
        "evidence_count": 2,
        "linked": "extracted",
        **overrides,
    }


KUBERNETES = skill_out(id=5, name="Kubernetes", aliases=["k8s"], entry_count=1)
ESTIMATE = {
    "kind": "skills.extract",
    "params": {"full": False},
    "estimate_micros": 4_321,
    "estimate_dollars": "0.004321",
    "available_micros": 12_500_000,
    "policy": "block",
    "would_be_refused": False,
}


def api_error(message: str, fields: dict | None = None) -> dict:
    return {"message": message, "extra": {"fields": fields or {}}, "request_id": "r-1"}


def list_queries(backend) -> list[dict]:
    return [dict(request.args.items()) for request, _ in backend.log if request.path == "/api/skills/"]


def skills_listed(backend, skills: list, **page) -> None:
    backend.expect_request("/api/skills/", method="GET").respond_with_json(page_of(skills, **page))


@pytest.fixture
def skill_3(backend):
    """Skill 3's page: the skill, its entries, and the person's skills for the merge select."""
    backend.expect_request("/api/skills/3/", method="GET").respond_with_json(skill_out())
    backend.expect_request("/api/skills/3/entries/", method="GET").respond_with_json(
        page_of(
            [
                skill_entry(),
                skill_entry(
                    id=40, date="2026-10-01", linked="manual", evidence_count=0, employer="", project=""
                ),
            ]
        )
    )
    skills_listed(backend, [skill_out(), KUBERNETES])
    return backend


# --- the list ---------------------------------------------------------------------------------------


def test_the_list_shows_each_skill_with_its_entries_and_dates_most_entries_first(backend, signed_in):
    skills_listed(backend, [skill_out(), KUBERNETES])

    page = signed_in.get("/skills/").content.decode()

    assert list_queries(backend) == [{"ordering": "-count", "page": "1", "page_size": "25"}]
    row = text_of(re.search(r'<tr id="skill-row-3">.*?</tr>', page, re.DOTALL).group(0))
    assert row == "PostgreSQL 2 2026-10-01 2026-11-25"
    assert '<a href="/skills/3/">PostgreSQL</a>' in page
    assert "2 skills" in page
    assert '<a class="nav-link active" aria-current="page" href="/skills/">' in page


def test_the_sort_links_keep_the_hidden_toggle_and_mark_the_current_column(backend, signed_in):
    skills_listed(backend, [skill_out()])

    page = signed_in.get("/skills/?ordering=name&hidden=1").content.decode()

    assert list_queries(backend) == [
        {"ordering": "name", "include_hidden": "true", "page": "1", "page_size": "25"}
    ]
    assert re.findall(r'<a href="([^"]+)" id="sort-([a-z-]+)"', page) == [
        ("?hidden=1&amp;ordering=name", "name"),
        ("?hidden=1&amp;ordering=-count", "count"),
        ("?hidden=1&amp;ordering=first_seen", "first-seen"),
        ("?hidden=1&amp;ordering=-last_seen", "last-seen"),
    ]
    assert (
        '<th scope="col" aria-sort="ascending"><a href="?hidden=1&amp;ordering=name" id="sort-name" aria-current="true">'
        in page
    )
    assert page.count('aria-current="true"') == 1


def test_the_hidden_toggle_keeps_the_sort_and_says_what_it_does(backend, signed_in):
    skills_listed(backend, [skill_out(is_hidden=True)])

    shown = signed_in.get("/skills/?ordering=-last_seen").content.decode()
    with_hidden = signed_in.get("/skills/?ordering=-last_seen&hidden=1").content.decode()

    assert re.search(
        r'href="\?hidden=1&amp;ordering=-last_seen" id="skills-hidden-toggle" aria-pressed="false"', shown
    )
    assert "Show hidden skills" in shown
    assert re.search(
        r'href="\?ordering=-last_seen" id="skills-hidden-toggle" aria-pressed="true"', with_hidden
    )
    assert "Leave out hidden skills" in with_hidden
    assert '<span class="badge text-bg-light border">hidden</span>' in with_hidden


def test_an_unknown_sort_is_not_sent_to_the_backend(backend, signed_in):
    skills_listed(backend, [])

    signed_in.get("/skills/?ordering=password&page=x")

    assert list_queries(backend) == [{"ordering": "-count", "page": "1", "page_size": "25"}]


def test_the_list_pages_keep_the_sort_and_the_toggle(backend, signed_in):
    skills_listed(
        backend,
        [skill_out()],
        count=60,
        next_url="http://backend/api/skills/?page=3",
        previous_url="http://backend/api/skills/?page=1",
    )

    page = signed_in.get("/skills/?ordering=name&hidden=1&page=2").content.decode()

    assert (
        '<a class="page-link" href="?ordering=name&amp;hidden=1&amp;page=1" rel="prev">Previous</a>' in page
    )
    assert '<a class="page-link" href="?ordering=name&amp;hidden=1&amp;page=3" rel="next">Next</a>' in page
    assert "Page 2" in page


def test_an_empty_list_explains_where_skills_come_from(backend, signed_in):
    skills_listed(backend, [])

    page = signed_in.get("/skills/").content.decode()

    empty = text_of(re.search(r'<div id="skills-empty">.*?</div>', page, re.DOTALL).group(0))
    assert empty.startswith("No skills yet. Skills come from your entries: Extract skills reads the entries")
    assert "Hidden skills are left out here: show them ." in empty
    assert 'id="skills-table"' not in page


def test_hostile_skill_names_are_escaped_in_the_list(backend, signed_in):
    skills_listed(backend, [skill_out(name=HOSTILE)])

    page = signed_in.get("/skills/").content.decode()

    assert HOSTILE not in page
    assert ESCAPED_HOSTILE in page


# --- extracting -------------------------------------------------------------------------------------


def test_extract_shows_the_estimate_with_start_and_cancel_before_anything_runs(backend, signed_in):
    backend.expect_request("/api/jobs/estimate/", method="POST").respond_with_json(ESTIMATE)

    response = signed_in.get("/skills/extract/?extract=1", headers=HTMX)

    fragment = response.content.decode()
    assert fragment.lstrip().startswith('<div id="extract"')
    assert "This will hold at most $0.004321 from your reserve (available $12.50)." in text_of(fragment)
    assert 'id="extract-start"' in fragment and 'id="extract-cancel"' in fragment
    assert 'name="full"' not in fragment
    assert json_sent(backend, "POST", "/api/jobs/estimate/") == [
        {"kind": "skills.extract", "params": {"full": False}}
    ]
    assert json_sent(backend, "POST", "/api/jobs/") == []


def test_extract_all_entries_again_estimates_and_starts_the_full_extraction(backend, signed_in):
    backend.expect_request("/api/jobs/estimate/", method="POST").respond_with_json(
        {**ESTIMATE, "params": {"full": True}}
    )
    backend.expect_request("/api/jobs/", method="POST").respond_with_json(
        job_detail(
            id=9, kind="skills.extract", params={"full": True}, status="queued", started_at=None, steps=[]
        ),
        status=202,
    )

    fragment = signed_in.get("/skills/extract/?extract=1&full=1", headers=HTMX).content.decode()
    started = signed_in.post("/skills/extract/", {"full": "1"}, headers=HTMX)

    assert '<input type="hidden" name="full" value="1">' in fragment
    assert started["HX-Redirect"] == "/jobs/9/"
    assert json_sent(backend, "POST", "/api/jobs/") == [{"kind": "skills.extract", "params": {"full": True}}]


def test_extract_without_javascript_shows_the_estimate_in_the_page(backend, signed_in):
    skills_listed(backend, [])
    backend.expect_request("/api/jobs/estimate/", method="POST").respond_with_json(ESTIMATE)

    redirected = signed_in.get("/skills/extract/?extract=1")
    page = signed_in.get("/skills/?extract=1").content.decode()

    assert redirected["Location"] == "/skills/?extract=1#extract"
    assert 'id="extract-estimate"' in page and 'id="extract-start"' in page


def test_a_start_the_reserve_cannot_cover_shows_the_amount_and_a_top_up_in_place(backend, signed_in):
    backend.expect_request("/api/jobs/", method="POST").respond_with_json(FUNDS, status=402)

    response = signed_in.post("/skills/extract/", headers=HTMX)

    fragment = response.content.decode()
    assert response.status_code == 200  # swapped in place (htmx swaps no 4xx)
    assert "The reserve cannot cover this: top up at least 0.64 USD." in fragment
    assert '<a class="btn btn-primary btn-sm" href="/billing/" id="extract-topup">Top up</a>' in fragment
    assert 'id="extract-start"' not in fragment
    assert "HX-Redirect" not in response


def test_an_estimate_the_reserve_cannot_cover_offers_a_top_up_instead_of_start(backend, signed_in):
    backend.expect_request("/api/jobs/estimate/", method="POST").respond_with_json(
        {**ESTIMATE, "available_micros": 0, "would_be_refused": True}
    )

    fragment = signed_in.get("/skills/extract/?extract=1", headers=HTMX).content.decode()

    assert "Your reserve cannot cover this estimate: top it up first." in fragment
    assert 'id="extract-topup"' in fragment and 'id="extract-start"' not in fragment


def test_starting_an_extraction_needs_the_csrf_token(backend, strict_client):  # noqa: F811
    backend.expect_request("/api/jobs/estimate/", method="POST").respond_with_json(ESTIMATE)
    backend.expect_request("/api/jobs/", method="POST").respond_with_json(
        job_detail(kind="skills.extract", params={"full": False}, status="queued", started_at=None, steps=[]),
        status=202,
    )
    fragment = strict_client.get("/skills/extract/?extract=1", headers=HTMX).content.decode()

    refused = strict_client.post("/skills/extract/", headers=HTMX)
    started = strict_client.post(
        "/skills/extract/", {"csrfmiddlewaretoken": csrf_token_of(fragment)}, headers=HTMX
    )

    assert refused.status_code == 403
    assert started["HX-Redirect"] == "/jobs/7/"
    assert len(json_sent(backend, "POST", "/api/jobs/")) == 1


# --- adding by hand ---------------------------------------------------------------------------------


def test_adding_a_skill_posts_its_name_and_goes_to_its_page(backend, signed_in):
    backend.expect_request("/api/skills/", method="POST").respond_with_json(
        skill_out(id=8, name="Terraform", aliases=[], entry_count=0, first_seen=None, last_seen=None),
        status=201,
    )

    response = signed_in.post("/skills/add/", {"name": "Terraform"}, headers=HTMX)

    assert response["HX-Redirect"] == "/skills/8/"
    assert json_sent(backend, "POST", "/api/skills/") == [{"name": "Terraform"}]


def test_adding_a_taken_name_shows_the_backends_message_next_to_the_name(backend, signed_in):
    message = "You already have a skill named PostgreSQL (or with that alias): merge into it instead."
    backend.expect_request("/api/skills/", method="POST").respond_with_json(
        api_error(f"name: {message}", {"name": [message]}), status=400
    )

    response = signed_in.post("/skills/add/", {"name": "postgres"}, headers=HTMX)

    fragment = response.content.decode()
    assert response.status_code == 422
    assert fragment.lstrip().startswith('<div id="skill-add">')
    assert f'<div class="invalid-feedback d-block" id="add_name_error"><div>{message}</div></div>' in fragment
    assert 'value="postgres"' in fragment


# --- one skill --------------------------------------------------------------------------------------


def test_the_skill_page_shows_its_names_counts_and_entries(skill_3, signed_in):
    page = signed_in.get("/skills/3/").content.decode()

    assert text_of(
        re.search(r'<dl class="row small mb-0" id="skill-facts">.*?</dl>', page, re.DOTALL).group(0)
    ) == ("Also called Postgres Entries 2 First seen 2026-10-01 Last seen 2026-11-25")
    first = text_of(
        re.search(r'<li class="list-group-item px-0" id="skill-entry-41">.*?</li>', page, re.DOTALL).group(0)
    )
    assert (
        first
        == "2026-11-25 Acme · Billing extracted Tuned the invoice queries on PostgreSQL 2 evidence files Unlink"
    )
    assert '<a href="/entries/41/#evidence-title">' in page
    second = text_of(
        re.search(r'<li class="list-group-item px-0" id="skill-entry-40">.*?</li>', page, re.DOTALL).group(0)
    )
    assert (
        second == "2026-10-01 linked by hand Tuned the invoice queries on PostgreSQL No evidence files Unlink"
    )
    # The merge select offers the other skills only.
    assert re.findall(r'<option value="(\d*)"', page) == ["", "5"]


def test_a_skill_with_a_hostile_name_and_entry_text_is_escaped(backend, signed_in):
    backend.expect_request("/api/skills/3/", method="GET").respond_with_json(
        skill_out(name=HOSTILE, aliases=[HOSTILE])
    )
    backend.expect_request("/api/skills/3/entries/", method="GET").respond_with_json(
        page_of([skill_entry(content=HOSTILE, employer=HOSTILE)])
    )
    skills_listed(backend, [skill_out(name=HOSTILE), skill_out(id=6, name=HOSTILE)])

    page = signed_in.get("/skills/3/").content.decode()

    assert HOSTILE not in page
    assert "<script>alert" not in page
    assert ESCAPED_HOSTILE in page


def test_someone_elses_skill_is_the_sites_404_page(backend, signed_in):
    backend.expect_request("/api/skills/99/", method="GET").respond_with_json(
        api_error("Not found."), status=404
    )

    response = signed_in.get("/skills/99/")

    assert response.status_code == 404
    assert "There is nothing at this address." in response.content.decode()


def test_renaming_posts_with_csrf_and_reloads_the_page(skill_3, strict_client):  # noqa: F811
    skill_3.expect_request("/api/skills/3/", method="PATCH").respond_with_json(skill_out(name="Postgres SQL"))
    page = strict_client.get("/skills/3/").content.decode()

    refused = strict_client.post("/skills/3/rename/", {"name": "Postgres SQL"}, headers=HTMX)
    renamed = strict_client.post(
        "/skills/3/rename/",
        {"name": "Postgres SQL", "csrfmiddlewaretoken": csrf_token_of(page)},
        headers=HTMX,
    )

    assert refused.status_code == 403
    assert renamed["HX-Redirect"] == "/skills/3/"
    assert json_sent(skill_3, "PATCH", "/api/skills/3/") == [{"name": "Postgres SQL"}]


def test_a_rename_to_a_taken_name_shows_the_backends_message_in_place(skill_3, signed_in):
    message = "You already have a skill named Kubernetes (or with that alias): merge into it instead."
    skill_3.expect_request("/api/skills/3/", method="PATCH").respond_with_json(
        api_error(f"name: {message}", {"name": [message]}), status=400
    )

    response = signed_in.post("/skills/3/rename/", {"name": "k8s"}, headers=HTMX)

    fragment = response.content.decode()
    assert response.status_code == 422
    assert fragment.lstrip().startswith('<div id="skill-manage">')
    assert (
        f'<div class="invalid-feedback d-block" id="rename_name_error"><div>{message}</div></div>' in fragment
    )
    assert 'value="k8s"' in fragment


def test_hiding_and_showing_send_is_hidden(skill_3, signed_in):
    skill_3.expect_request("/api/skills/3/", method="PATCH").respond_with_json(skill_out(is_hidden=True))

    hidden = signed_in.post("/skills/3/visibility/", {"is_hidden": "1"})
    shown = signed_in.post("/skills/3/visibility/", {"is_hidden": "0"})

    assert hidden["Location"] == shown["Location"] == "/skills/3/"
    assert json_sent(skill_3, "PATCH", "/api/skills/3/") == [{"is_hidden": True}, {"is_hidden": False}]


def test_the_page_of_a_hidden_skill_offers_to_show_it(backend, signed_in):
    backend.expect_request("/api/skills/3/", method="GET").respond_with_json(skill_out(is_hidden=True))
    backend.expect_request("/api/skills/3/entries/", method="GET").respond_with_json(page_of([]))
    skills_listed(backend, [skill_out(is_hidden=True)])

    page = signed_in.get("/skills/3/").content.decode()

    assert '<input type="hidden" name="is_hidden" value="0">' in page
    assert "Show it again" in page
    assert 'id="skill-no-entries"' in page
    assert 'id="merge-none"' in page


def test_merging_posts_the_skill_chosen_and_goes_to_it(skill_3, signed_in):
    skill_3.expect_request("/api/skills/3/merge/", method="POST").respond_with_json(
        {**KUBERNETES, "aliases": ["k8s", "PostgreSQL", "Postgres"], "entry_count": 3}
    )

    response = signed_in.post("/skills/3/merge/", {"into": "5"}, headers=HTMX)

    assert response["HX-Redirect"] == "/skills/5/"
    assert json_sent(skill_3, "POST", "/api/skills/3/merge/") == [{"into": 5}]


def test_a_merge_the_backend_refuses_shows_its_message_in_place(skill_3, signed_in):
    skill_3.expect_request("/api/skills/3/merge/", method="POST").respond_with_json(
        api_error(
            "into: Choose another skill than this one.", {"into": ["Choose another skill than this one."]}
        ),
        status=400,
    )

    response = signed_in.post("/skills/3/merge/", {"into": "5"}, headers=HTMX)

    assert response.status_code == 422
    assert "Choose another skill than this one." in response.content.decode()


def test_a_merge_into_a_skill_not_offered_is_not_sent(skill_3, signed_in):
    response = signed_in.post("/skills/3/merge/", {"into": "3"}, headers=HTMX)

    assert response.status_code == 422
    assert json_sent(skill_3, "POST", "/api/skills/3/merge/") == []


def test_unlinking_an_entry_posts_with_csrf_and_reloads_the_page(skill_3, strict_client):  # noqa: F811
    skill_3.expect_request("/api/skills/3/entries/41/", method="DELETE").respond_with_data("", status=204)
    page = strict_client.get("/skills/3/").content.decode()

    refused = strict_client.post("/skills/3/entries/41/unlink/")
    unlinked = strict_client.post(
        "/skills/3/entries/41/unlink/", {"csrfmiddlewaretoken": csrf_token_of(page)}
    )

    assert refused.status_code == 403
    assert unlinked["Location"] == "/skills/3/"
    assert [
        request.method + " " + request.path for request, _ in skill_3.log if request.method == "DELETE"
    ] == ["DELETE /api/skills/3/entries/41/"]


def test_deleting_asks_for_confirmation_posts_with_csrf_and_goes_to_the_list(skill_3, strict_client):  # noqa: F811
    skill_3.expect_request("/api/skills/3/", method="DELETE").respond_with_data("", status=204)
    page = strict_client.get("/skills/3/").content.decode()

    refused = strict_client.post("/skills/3/delete/")
    deleted = strict_client.post("/skills/3/delete/", {"csrfmiddlewaretoken": csrf_token_of(page)})

    assert 'data-confirm="Delete the skill PostgreSQL? Its entries stay."' in page
    assert refused.status_code == 403
    assert deleted["Location"] == "/skills/"
    assert [request.path for request, _ in skill_3.log if request.method == "DELETE"] == ["/api/skills/3/"]


def test_the_skill_forms_are_no_inline_scripts(skill_3, signed_in):
    page = signed_in.get("/skills/3/").content.decode()

    assert "hx-on" not in page
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page)
    assert " on" + "click=" not in page


def test_the_skills_page_loads_its_focus_handling_from_a_static_file_not_inline(backend, signed_in):
    skills_listed(backend, [skill_out()])

    page = signed_in.get("/skills/").content.decode()

    assert '<script src="/static/skills/skills.js" defer></script>' in page
    assert "hx-on" not in page
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page)


def dashboard_with_skills(backend, skills: list) -> None:
    from webapp.tests.test_jobs import dashboard_backend

    dashboard_backend(backend, [])
    backend.expect_request("/api/skills/", method="GET").respond_with_json(page_of(skills))


def test_the_dashboard_lists_my_top_skills_by_entries_with_links(backend, signed_in):
    top = [
        skill_out(id=7, name="Python", entry_count=12),
        skill_out(id=3, name="PostgreSQL", entry_count=4),
        skill_out(id=5, name=HOSTILE, entry_count=1),
    ]
    dashboard_with_skills(backend, top)

    page = signed_in.get("/").content.decode()

    listed = re.search(r'<ol class="list-unstyled mb-0" id="top-skills">(.*?)</ol>', page, re.S).group(1)
    assert re.findall(r'href="/skills/(\d+)/"', listed) == ["7", "3", "5"]
    assert [" ".join(text_of(item).split()) for item in re.findall(r"<li.*?</li>", listed, re.S)] == [
        "Python 12 entries",
        "PostgreSQL 4 entries",
        f"{ESCAPED_HOSTILE} 1 entry",
    ]
    assert ESCAPED_HOSTILE in listed and HOSTILE not in listed
    assert [dict(request.args.items()) for request, _ in backend.log if request.path == "/api/skills/"] == [
        {"ordering": "-count", "page": "1", "page_size": "5"}
    ]


def test_the_dashboard_says_how_to_get_skills_before_there_are_any(backend, signed_in):
    dashboard_with_skills(backend, [])

    page = signed_in.get("/").content.decode()

    assert 'id="top-skills"' not in page
    empty = re.search(r'<p class="mb-0" id="top-skills-empty">(.*?)</p>', page, re.S).group(1)
    assert "No skills yet." in text_of(empty) and 'href="/skills/"' in empty


def test_a_failing_skills_list_leaves_the_card_blank_and_the_dashboard_up(backend, signed_in):
    from webapp.tests.test_jobs import dashboard_backend

    dashboard_backend(backend, [])
    backend.expect_request("/api/skills/", method="GET").respond_with_json(
        {"message": "Something went wrong on our side.", "extra": {}, "request_id": "r-1"}, status=500
    )

    response = signed_in.get("/")

    assert response.status_code == 200
    card = re.search(r'id="top-skills-title">.*?</section>', response.content.decode(), re.S).group(0)
    assert 'id="top-skills"' not in card and 'id="top-skills-empty"' not in card and "—" in card


def test_the_dashboard_shows_the_reserve_balance_linked_to_billing_and_warns_when_low(backend, signed_in):
    dashboard_with_skills(backend, [])
    backend.expect_request("/api/status/bar/").respond_with_json(
        {
            "reserve_balance_micros": 3_456_789,
            "reserve_balance_cents": 345,
            "reserve_balance_dollars": "3.45",
            "is_low_balance": True,
            "jobs_running": 0,
            "tokens_in": 0,
            "tokens_out": 0,
            "updated_at": "2026-11-25T10:00:00+00:00",
        }
    )

    page = signed_in.get("/").content.decode()

    card = re.search(
        r'<div class="col-6 col-lg-3" id="kpi-balance-card" hx-preserve="true">(.*?)</section>', page, re.S
    )
    assert card is not None
    assert '<p class="kpi-value text-warning-emphasis" id="kpi-balance">' in card.group(1)
    assert 'href="/billing/"' in card.group(1) and text_of(card.group(1)) == "Balance $3.45"
