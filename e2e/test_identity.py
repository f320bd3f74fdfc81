"""Sign-up with an invite passkey in a real browser: an operator invites, a newcomer signs up with the invite
passkey, signs out and in again; the same passkey cannot be used twice; admin pages stay closed to
everyone else."""

import re

from playwright.sync_api import Browser, Page, expect

from conftest import NEW_PASSWORD, create_passkey_in_dashboard, sign_in, sign_up


def test_an_invited_person_signs_up_signs_out_and_signs_in_again(
    system, operator_page: Page, browser: Browser
):
    # given an operator creates an invite passkey in the admin dashboard
    passkey = create_passkey_in_dashboard(operator_page, system.frontend_url, "Nora, e2e")

    # when the newcomer signs up with it in a fresh browser context
    newcomer = browser.new_context().new_page()
    sign_up(newcomer, system.frontend_url, passkey, "nora@example.com")

    # then they land signed in on their dashboard
    expect(newcomer).to_have_url(system.frontend_url + "/")
    expect(newcomer.get_by_role("heading", name="Welcome, Nora Newcomer")).to_be_visible()
    expect(newcomer.get_by_text("Welcome to AfterResume, Nora Newcomer!")).to_be_visible()

    # and can sign out and back in
    newcomer.get_by_role("button", name=re.compile("Nora Newcomer")).click()
    newcomer.get_by_role("button", name="Sign out").click()
    expect(newcomer).to_have_url(re.compile(r"/signin/$"))
    expect(newcomer.get_by_text("You are signed out.")).to_be_visible()
    newcomer.goto(system.frontend_url + "/")
    expect(newcomer).to_have_url(re.compile(r"/signin/"))
    sign_in(newcomer, system.frontend_url, "nora@example.com", NEW_PASSWORD)
    expect(newcomer.get_by_role("heading", name="Welcome, Nora Newcomer")).to_be_visible()

    # and the operator sees the redemption
    operator_page.goto(system.frontend_url + "/admin/passkeys/?status=used")
    operator_page.get_by_role("link", name=re.compile(re.escape(passkey[:12]))).click()
    expect(operator_page.locator("#redemptions")).to_contain_text("nora@example.com")


def test_a_used_passkey_is_refused_with_its_message_and_the_form_keeps_what_was_typed(
    system, operator_page: Page, browser: Browser
):
    passkey = create_passkey_in_dashboard(operator_page, system.frontend_url, "single use, e2e")
    first = browser.new_context().new_page()
    sign_up(first, system.frontend_url, passkey, "first@example.com")
    expect(first).to_have_url(system.frontend_url + "/")

    second = browser.new_context().new_page()
    sign_up(second, system.frontend_url, passkey, "second@example.com")

    expect(second.get_by_text("This invite passkey has already been used.")).to_be_visible()
    expect(second.get_by_label("Email")).to_have_value("second@example.com")
    expect(second.get_by_label("Invite passkey")).to_have_value(passkey)
    expect(second.get_by_label("Password")).to_have_value("")


def test_people_who_are_not_operators_cannot_see_or_open_admin_pages(
    system, operator_page: Page, browser: Browser
):
    passkey = create_passkey_in_dashboard(operator_page, system.frontend_url, "no admin, e2e")
    member = browser.new_context().new_page()
    sign_up(member, system.frontend_url, passkey, "member@example.com")
    expect(member).to_have_url(system.frontend_url + "/")

    expect(member.get_by_role("link", name="Invite passkeys")).to_have_count(0)
    expect(member.get_by_text("Admin", exact=True)).to_have_count(0)
    for path in ("/admin/passkeys/", "/admin/users/", "/admin/audit/"):
        response = member.goto(system.frontend_url + path)
        assert response.status == 403, path
        expect(member.locator("#forbidden")).to_be_visible()

    # the operator sees the admin section
    operator_page.goto(system.frontend_url + "/")
    expect(operator_page.get_by_role("link", name="Invite passkeys")).to_be_visible()
