"""Security keys and two-step sign-in in Chromium against both real services: a security key
(Chromium's virtual authenticator, over CDP) added on the Security page signs in on its own; an
authenticator app (its code computed from the secret the page shows) is asked for after the
password; a recovery code works once."""

import base64
import hashlib
import hmac
import struct
import time

from playwright.sync_api import Page, expect

from conftest import NEW_PASSWORD


def totp_code(secret: str) -> str:
    """RFC 6238 (SHA-1, 30 s, 6 digits), as an authenticator app computes it."""
    counter = int(time.time() // 30)
    digest = hmac.new(base64.b32decode(secret.upper()), struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    return f"{(struct.unpack('>I', digest[offset : offset + 4])[0] & 0x7FFFFFFF) % 1_000_000:06d}"


def add_virtual_security_key(page: Page) -> None:
    """A platform authenticator that keeps credentials on the "device" and checks the user (PIN or
    fingerprint), as a laptop's own does."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    page.cdp_session = cdp  # kept alive with the page


def confirm_password(page: Page) -> None:
    expect(page.get_by_role("heading", name="Confirm your password", level=1)).to_be_visible()
    page.get_by_label("Password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Confirm").click()


def signed_out(page: Page, base_url: str) -> None:
    page.goto(base_url + "/")
    page.locator("#user-menu").click()
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{base_url}/signin/")


def password_step(page: Page, base_url: str, email: str) -> None:
    page.goto(base_url + "/signin/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base_url}/signin/second-step/")


def member_email(page: Page, base_url: str) -> str:
    page.goto(base_url + "/profile/")
    return page.locator("#profile-email").inner_text().strip()


def test_a_security_key_added_on_the_security_page_signs_in_on_its_own(system, member_page, console_errors):
    page, base = member_page, system.frontend_url
    add_virtual_security_key(page)
    member_email(page, base)

    # when the person adds a security key (confirming the password first)
    page.get_by_role("link", name="Security…").click()
    expect(page.get_by_text("No security keys yet.")).to_be_visible()
    page.get_by_role("link", name="Add a security key").click()
    confirm_password(page)
    page.get_by_role("textbox", name="Name").fill("Laptop key")
    page.get_by_role("button", name="Add security key").click()

    # then it is listed, with recovery codes shown once
    page.wait_for_url(f"{base}/profile/security/")
    expect(page.locator("#security-keys")).to_contain_text("Laptop key")
    expect(page.locator("#new-recovery-codes li")).to_have_count(10)
    assert "passkey" not in page.content().lower()

    # when they sign out and sign in with the security key alone
    signed_out(page, base)
    page.get_by_role("button", name="Use a security key").click()

    # then they are in
    page.wait_for_url(f"{base}/")
    expect(page.locator("body")).to_contain_text(page.member_name)
    assert console_errors == []


def test_an_authenticator_app_is_asked_for_after_the_password_and_a_recovery_code_works_once(
    system, member_page
):
    page, base = member_page, system.frontend_url
    email = member_email(page, base)

    # when the person sets up an authenticator app with the key the page shows
    page.goto(base + "/profile/security/")
    page.get_by_role("link", name="Set up an authenticator app").click()
    confirm_password(page)
    expect(page.get_by_role("img", name="QR code for your authenticator app")).to_be_visible()
    secret = page.locator("#totp-secret").inner_text().strip()
    page.get_by_role("textbox", name="Code").fill(totp_code(secret))
    page.get_by_role("button", name="Turn on").click()
    page.wait_for_url(f"{base}/profile/security/")
    expect(page.locator("#totp-status")).to_contain_text("On")
    codes = [item.strip() for item in page.locator("#new-recovery-codes li").all_inner_texts()]
    assert len(codes) == 10

    # then signing in with the password asks for the code
    signed_out(page, base)
    password_step(page, base, email)
    page.get_by_role("textbox", name="Code").fill(totp_code(secret))
    page.get_by_role("button", name="Verify").click()
    page.wait_for_url(f"{base}/")

    # and a recovery code signs in once
    signed_out(page, base)
    password_step(page, base, email)
    page.get_by_role("textbox", name="Code").fill(codes[0])
    page.get_by_role("button", name="Verify").click()
    page.wait_for_url(f"{base}/")
    signed_out(page, base)
    password_step(page, base, email)
    page.get_by_role("textbox", name="Code").fill(codes[0])
    page.get_by_role("button", name="Verify").click()
    expect(page.locator("#id_code_error")).to_contain_text("Incorrect code.")
    assert page.url == f"{base}/signin/second-step/"
