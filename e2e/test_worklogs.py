"""Logging work in a real browser: the quick-add modal, the timeline, evidence files."""

import contextlib
import hashlib
import re
import time
from datetime import date, timedelta
from pathlib import Path

from playwright.sync_api import Page, expect


def open_quick_add(page: Page) -> None:
    page.keyboard.press("n")
    expect(page.locator("#quick-add textarea[name=content]")).to_be_focused()


def test_pressing_n_typing_and_saving_shows_the_entry_without_a_reload(system, member_page: Page):
    page = member_page
    page.goto(system.frontend_url + "/timeline/")
    expect(page.locator("#timeline-empty")).to_be_visible()
    page.evaluate("window.loadedOnce = 'yes'")  # gone if the page reloads

    # when the person presses n, types and saves with Ctrl+Enter
    open_quick_add(page)
    page.keyboard.type("Led the incident review for the payments outage")
    modal = page.locator("#quick-add")
    modal.get_by_label("Employer").fill("Acme")
    modal.get_by_label("Project").fill("Payments")
    modal.get_by_label("Tags").fill("incident, leadership")
    modal.get_by_label("What did you do?").focus()
    started = time.perf_counter()
    page.keyboard.press("Control+Enter")

    # then the entry is in the timeline, the modal closed, a toast said so, and no reload happened
    entry = page.locator("#timeline-entries .timeline-entry").first
    expect(entry).to_contain_text("Led the incident review for the payments outage")
    elapsed_ms = (time.perf_counter() - started) * 1000
    print(f"\nquick-add: save keystroke -> entry visible in the timeline: {elapsed_ms:.0f} ms")
    expect(modal).to_be_hidden()
    expect(page.locator("#toast-area")).to_contain_text("Entry saved.")
    assert page.evaluate("window.loadedOnce") == "yes"
    expect(entry.locator(".badge")).to_have_text(["incident", "leadership"])

    # and the next quick-add is pre-filled with the employer and project just used
    open_quick_add(page)
    expect(modal.get_by_label("Employer")).to_have_value("Acme")
    expect(modal.get_by_label("Project")).to_have_value("Payments")


def test_saving_on_the_dashboard_updates_its_counters_and_recent_entries_without_a_reload(
    system, member_page: Page
):
    # given the dashboard of someone who logged nothing yet
    page = member_page
    page.goto(system.frontend_url + "/")
    expect(page.locator("#kpi-total")).to_have_text("0")
    expect(page.locator("#recent-empty")).to_be_visible()
    balance = page.locator("#kpi-balance").inner_text()
    assert balance.startswith("$")
    page.evaluate("window.loadedOnce = 'yes'")  # gone if the page reloads

    # when they log an entry from the quick-add modal
    open_quick_add(page)
    page.keyboard.type("Wrote the on-call handbook")
    page.keyboard.press("Control+Enter")

    # then the counters and the recent entries show it, and the page did not reload
    expect(page.locator("#recent-entries")).to_contain_text("Wrote the on-call handbook")
    expect(page.locator("#kpi-total")).to_have_text("1")
    expect(page.locator("#kpi-week")).to_have_text("1")
    expect(page.locator("#kpi-streak")).to_have_text("1 day")
    expect(page.locator("#kpi-balance")).to_have_text(balance)  # kept across the summary's reload
    expect(page.locator("#quick-add")).to_be_hidden()
    expect(page.locator("#toast-area")).to_contain_text("Entry saved.")
    assert page.evaluate("window.loadedOnce") == "yes"


def test_entries_saved_for_other_days_take_their_place_in_the_timeline_without_a_reload(
    system, member_page: Page
):
    page = member_page
    page.goto(system.frontend_url + "/timeline/")
    page.evaluate("window.loadedOnce = 'yes'")  # gone if the page reloads
    today = date.fromisoformat(page.locator("#quick-add").get_by_label("Date").input_value())

    # when entries are saved for today, three days ago, then one day ago (between the two)
    for days_ago, content in ((0, "Released 3.0"), (3, "Planned 3.0"), (1, "Fixed a 3.0 regression")):
        open_quick_add(page)
        modal = page.locator("#quick-add")
        modal.get_by_label("Date").fill((today - timedelta(days=days_ago)).isoformat())
        modal.get_by_label("What did you do?").fill(content)
        page.keyboard.press("Control+Enter")
        expect(page.locator("#timeline-entries")).to_contain_text(content)

    # then each is under its own day, newest day first, and the page never reloaded
    days = page.locator("#timeline-entries .timeline-day")
    expect(days).to_have_count(3)
    expect(days.locator(".timeline-entry-content")).to_have_text(
        ["Released 3.0", "Fixed a 3.0 regression", "Planned 3.0"]
    )
    expect(days.locator(".timeline-day-heading")).to_have_count(3)
    assert page.evaluate("window.loadedOnce") == "yes"


def test_saving_on_a_filtered_timeline_shows_the_entry_only_if_it_matches_the_filters(
    system, member_page: Page
):
    # given a timeline filtered by a tag
    page = member_page
    page.goto(system.frontend_url + "/timeline/?tag=release")
    expect(page.locator("#timeline-empty")).to_contain_text("No entries match these filters.")
    entries = page.locator("#timeline-entries .timeline-entry")

    # when an entry without that tag is saved, then one with it
    add_entry(page, "Tidied the backlog", "planning", shown=False)
    expect(page.locator("#toast-area")).to_contain_text("Entry saved.")
    add_entry(page, "Cut the 2.4 release", "release")

    # then only the matching one is listed, and the filter is still the page's
    expect(entries).to_have_count(1)
    expect(entries.first).to_contain_text("Cut the 2.4 release")
    expect(page.get_by_label("Tag", exact=True)).to_have_value("release")
    expect(page).to_have_url(re.compile(r"/timeline/\?tag=release$"))


def test_a_save_answered_while_the_filtered_timeline_is_being_replaced_still_reloads_it(
    system, member_page: Page
):
    # given a filtered timeline whose reload after a first save is held back by the network until
    # the second save's answer is in, then both answers arrive back to back: the second save's
    # event lands while the reloaded entries are still being put in place
    page = member_page
    page.goto(system.frontend_url + "/timeline/?tag=release")
    expect(page.locator("#timeline-empty")).to_be_visible()
    held: list = []
    reloads: list = []

    def hold_the_first_reload(route):
        reloads.append(route.request.url)
        if len(reloads) == 1 and route.request.headers.get("hx-request"):
            held.append((route, route.fetch()))
        else:
            route.continue_()

    def release_both_at_once(route):
        if held and route.request.method == "POST":
            answer = route.fetch()
            first, first_answer = held.pop()
            first.fulfill(response=first_answer)
            route.fulfill(response=answer)
        else:
            route.continue_()

    page.route(re.compile(r"/timeline/\?tag=release$"), hold_the_first_reload)
    add_entry(page, "Tidied the backlog", "planning", shown=False)
    expect(page.locator("#toast-area")).to_contain_text("Entry saved.")
    page.route(re.compile(r"/entries/new/$"), release_both_at_once)

    # when a matching entry is saved, then the timeline reloads once more and lists it
    add_entry(page, "Cut the 2.4 release", "release")
    assert not held
    assert len(reloads) == 2


def test_a_refused_entry_keeps_what_was_typed_inside_the_modal(system, member_page: Page):
    page = member_page
    open_quick_add(page)
    modal = page.locator("#quick-add")
    modal.get_by_label("Date").fill("2099-01-01")
    modal.get_by_label("What did you do?").fill("Planned work that has not happened")
    modal.get_by_role("button", name="Save entry").click()

    expect(modal.get_by_text("The date is too far in the future")).to_be_visible()
    expect(modal.get_by_label("What did you do?")).to_have_value("Planned work that has not happened")
    expect(modal).to_be_visible()


def add_entry(page: Page, content: str, tags: str, *, shown: bool = True) -> None:
    open_quick_add(page)
    page.keyboard.type(content)
    page.locator("#quick-add").get_by_label("Tags").fill(tags)
    page.keyboard.press("Control+Enter")
    expect(page.locator("#quick-add")).to_be_hidden()
    if shown:
        # the timeline behind the modal reloads its entries when told an entry was saved
        expect(page.locator("#timeline-entries")).to_contain_text(content, timeout=15_000)


def test_search_and_tag_filters_narrow_the_timeline_and_survive_a_reload(system, member_page: Page):
    page = member_page
    page.goto(system.frontend_url + "/timeline/")
    add_entry(page, "Migrated the billing database to PostgreSQL", "database")
    add_entry(page, "Mentored two new engineers", "mentoring")
    add_entry(page, "Tuned the database connection pool", "performance")
    entries = page.locator("#timeline-entries .timeline-entry")
    expect(entries).to_have_count(3)

    # search
    page.get_by_label("Search").fill("database")
    page.get_by_role("button", name="Apply").click()
    expect(entries).to_have_count(2)
    expect(page).to_have_url(re.compile(r"search=database"))

    # plus a tag
    page.get_by_label("Tag", exact=True).fill("performance")
    page.get_by_role("button", name="Apply").click()
    expect(entries).to_have_count(1)
    expect(entries.first).to_contain_text("Tuned the database connection pool")

    # the state lives in the URL: a reload shows the same, and back goes one step back
    page.reload()
    expect(entries).to_have_count(1)
    expect(page.get_by_label("Search")).to_have_value("database")
    expect(page.get_by_label("Tag", exact=True)).to_have_value("performance")
    page.go_back()
    expect(entries).to_have_count(2)


def test_an_evidence_file_is_uploaded_and_downloaded_intact(system, member_page: Page, tmp_path):
    page = member_page
    page.goto(system.frontend_url + "/timeline/")
    add_entry(page, "Wrote the capacity plan", "planning")
    page.locator("#timeline-entries .timeline-entry").first.get_by_role(
        "link", name=re.compile("Open")
    ).click()

    document = tmp_path / "capacity-plan.csv"
    document.write_text("quarter,requests_per_second\nQ1,1200\nQ2,1850\n")
    page.get_by_label("Add a file").set_input_files(str(document))
    page.get_by_role("button", name="Upload").click()
    expect(page.get_by_text("File added.")).to_be_visible()

    with page.expect_download() as download_info:
        page.get_by_role("link", name="capacity-plan.csv").click()
    downloaded = download_info.value
    assert downloaded.suggested_filename == "capacity-plan.csv"
    assert (
        hashlib.sha256(Path(downloaded.path()).read_bytes()).hexdigest()
        == hashlib.sha256(document.read_bytes()).hexdigest()
    )


def test_a_file_that_is_not_an_allowed_type_is_refused_with_a_message(system, member_page: Page, tmp_path):
    page = member_page
    page.goto(system.frontend_url + "/timeline/")
    add_entry(page, "Tried to attach a program", "test")
    page.locator("#timeline-entries .timeline-entry").first.get_by_role(
        "link", name=re.compile("Open")
    ).click()

    program = tmp_path / "tool.png"
    program.write_bytes(b"MZ\x90\x00" + b"\x00" * 200)
    page.get_by_label("Add a file").set_input_files(str(program))
    page.get_by_role("button", name="Upload").click()

    expect(page.get_by_text("This type of file is not accepted.")).to_be_visible()
    expect(page.locator("#no-evidence")).to_be_visible()


def test_two_saves_while_a_filtered_timeline_is_still_reloading_both_show(system, member_page: Page):
    """On a slow connection the first save's reload is still on its way when the second save asks
    for another: the second replaces it, and the timeline shows both entries (a reload queued
    behind the first would run on the element the first one's answer swapped out, and be lost)."""
    page = member_page
    page.goto(system.frontend_url + "/timeline/?tag=release")
    expect(page.locator("#timeline-empty")).to_be_visible()
    held = []

    def hold_the_first_reload(route):
        if route.request.headers.get("hx-target") != "timeline-entries" or held:
            route.continue_()
            return
        held.append((route, route.fetch()))  # answered now (one entry), delivered later

    page.route(re.compile(r"/timeline/\?tag=release$"), hold_the_first_reload)
    add_entry(page, "Cut the 2.5 release", "release", shown=False)
    for _ in range(200):  # the save's reload reaches the route (events run while the page waits)
        if held:
            break
        page.wait_for_timeout(50)
    assert held, "the first save did not reload the filtered timeline"
    add_entry(page, "Cut the 2.6 release", "release", shown=False)
    route, answer = held[0]
    with contextlib.suppress(Exception):  # the page may have dropped that request meanwhile
        route.fulfill(response=answer)

    entries = page.locator("#timeline-entries .timeline-entry")
    expect(entries).to_have_count(2, timeout=15_000)
    expect(entries).to_contain_text(["Cut the 2.6 release", "Cut the 2.5 release"])


def test_saving_again_before_the_fresh_form_has_settled_still_saves_in_place(system, member_page: Page):
    """Ctrl+Enter pressed on the fresh form before htmx has settled it (slow settling, as on a busy
    machine) saves in place, like any other save: no page load."""
    page = member_page
    page.goto(system.frontend_url + "/timeline/")
    page.evaluate("htmx.config.defaultSettleDelay = 3000; window.loadedOnce = 'yes'")

    open_quick_add(page)
    page.keyboard.type("Planned the 3.1 release")
    page.keyboard.press("Control+Enter")
    expect(page.locator("#timeline-entries")).to_contain_text("Planned the 3.1 release")
    page.keyboard.press("n")
    page.locator("#quick-add textarea[name=content]").fill("Shipped the 3.1 release")
    page.locator("#quick-add textarea[name=content]").press("Control+Enter")

    expect(page.locator("#timeline-entries")).to_contain_text("Shipped the 3.1 release")
    assert page.evaluate("window.loadedOnce") == "yes"
    assert page.url.endswith("/timeline/")
