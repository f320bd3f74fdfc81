"""allauth's MFA as AfterResume needs it: security keys (WebAuthn) are bound to the frontend's
address, not to the backend's host that the frontend calls."""

from allauth.mfa.adapter import DefaultMFAAdapter
from django.conf import settings

from afterresume.accounts.adapter import PRODUCT_NAME


class MfaAdapter(DefaultMFAAdapter):
    def _get_site_name(self) -> str:
        # The issuer an authenticator app shows next to the code, and the security key's site name.
        return PRODUCT_NAME

    def get_public_key_credential_rp_entity(self) -> dict[str, str]:
        # The browser runs the ceremony on the frontend's page, so the relying party is the
        # frontend's host name (WEBAUTHN_RP_ID); allauth's default, the host of the request, would
        # be the backend's internal address. fido2 then accepts an origin on that host (or below
        # it) over https, or http://localhost in development.
        return {"id": settings.WEBAUTHN_RP_ID, "name": PRODUCT_NAME}
