import json
import re
import urllib.request

from playwright.sync_api import Page, expect

from conftest import printed_admin_credentials


def test_backend_health_reports_every_check_ok(system):
    with urllib.request.urlopen(f"{system.backend_url}/api/healthz/", timeout=5) as response:  # noqa: S310
        body = json.load(response)

    assert response.status == 200
    assert body["failing"] == []
    assert {name: check["ok"] for name, check in body["checks"].items()} == {
        "database": True,
        "cache": True,
        "broker": True,
    }
    assert body["checks"]["database"]["detail"] == "sqlite"  # the embedded default


def test_the_shell_renders_in_a_real_browser_without_console_errors(
    system, operator_page: Page, console_errors
):
    page = operator_page
    page.goto(system.frontend_url + "/")

    expect(page).to_have_title("Dashboard · AfterResume")
    expect(page.get_by_role("navigation", name="Main navigation")).to_be_visible()
    expect(page.get_by_role("link", name="Dashboard")).to_have_attribute("aria-current", "page")
    expect(page.get_by_role("heading", name="Dashboard", level=1)).to_be_visible()
    expect(page.locator("#status-bar")).to_contain_text("Connected")
    expect(page.get_by_role("contentinfo")).to_contain_text("AfterResume")
    expect(page.locator("#backend-banner")).to_have_count(0)
    # Bootstrap's stylesheet really applied (served by whitenoise from the pinned package).
    assert page.evaluate("getComputedStyle(document.querySelector('.card')).borderRadius") != "0px"
    assert page.evaluate("typeof window.htmx") == "object"
    assert page.evaluate("typeof window.bootstrap") == "object"
    assert console_errors == []


def test_the_demo_task_result_is_visible_on_the_dashboard(system, operator_page: Page):
    page = operator_page
    page.goto(system.frontend_url + "/")

    # The run command queued a ping at start; the card refreshes itself every 15 s.
    expect(page.locator("#worker-ping")).to_contain_text("Background worker answered", timeout=45_000)
    expect(page.locator("#worker-ping")).to_contain_text("celery@")


def test_on_a_phone_the_navigation_opens_from_the_menu_button(system, operator_page: Page):
    page = operator_page
    page.set_viewport_size({"width": 390, "height": 800})
    page.goto(system.frontend_url + "/")
    navigation = page.locator("#sidebar")
    expect(navigation).to_be_hidden()

    page.get_by_role("button", name="Open navigation").click()

    # Opened, Bootstrap presents it as a modal dialog with the same name.
    expect(page.get_by_role("dialog", name="Main navigation")).to_be_visible()
    expect(navigation.get_by_role("link", name="Dashboard")).to_be_visible()
    expect(navigation).to_have_class(re.compile(r"(^|\s)show(\s|$)"))  # opening animation done
    page.keyboard.press("Escape")
    expect(navigation).to_be_hidden()


def test_signed_out_visitors_are_sent_to_the_sign_in_page_and_back(system, page: Page):
    email, password = printed_admin_credentials(system.log())

    page.goto(system.frontend_url + "/profile/")
    expect(page).to_have_url(re.compile(r"/signin/\?next=%2Fprofile%2F$"))
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()

    expect(page).to_have_url(system.frontend_url + "/profile/")
    expect(page.locator("#profile-email")).to_have_text(email)


def test_the_printed_admin_login_signs_in_to_the_backend_admin(system, page: Page):
    email, password = printed_admin_credentials(system.log())

    page.goto(system.backend_url + "/admin/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()

    expect(page.get_by_role("heading", name="Site administration")).to_be_visible()


def test_the_api_documentation_renders_from_local_assets(system, page: Page, console_errors):
    requested = []
    page.on("request", lambda request: requested.append(request.url))

    page.goto(system.backend_url + "/api/docs/")

    expect(page.get_by_text("/api/healthz/")).to_be_visible()
    assert all(url.startswith(system.backend_url) for url in requested), requested
    assert console_errors == []
