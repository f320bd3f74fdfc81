"""Production: every secret from the environment; refuses to start unsafe."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import SMTP_BACKEND, STRIPE_SECRET_KEY, STRIPE_WEBHOOK_SECRET, env, mailers

if env.bool("DJANGO_DEBUG", False):
    raise ImproperlyConfigured("DJANGO_DEBUG must be off in production.")
DEBUG = False

SECRET_KEY = env.str("DJANGO_SECRET_KEY", "")
_KNOWN_DEFAULTS = {"", "change-me", "changeme", "dev-insecure-key-do-not-use-in-production"}
_looks_default = SECRET_KEY in _KNOWN_DEFAULTS or SECRET_KEY.startswith("django-insecure")
if _looks_default or len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5:
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY must be set to a random value of at least 50 characters in production."
    )

STORAGES = {
    **STORAGES,  # noqa: F405 (default: S3 when S3_BUCKET is set)
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", True)
# Health probes and Prometheus's scrapes come over plain HTTP from inside the cluster.
SECURE_REDIRECT_EXEMPT = [r"^api/healthz/$", r"^metrics$"]
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

MAILERS = mailers(env.str("EMAIL_BACKEND", SMTP_BACKEND))

# Simulated payments are for development only; without Stripe keys, top-ups are unavailable.
if env.bool("STRIPE_SIMULATED", False):
    raise ImproperlyConfigured("STRIPE_SIMULATED is for development only: set STRIPE_SECRET_KEY instead.")
STRIPE_SIMULATED = False
# Without it every Stripe delivery is refused: payments would be taken and never credited.
if STRIPE_SECRET_KEY and not STRIPE_WEBHOOK_SECRET:
    raise ImproperlyConfigured("STRIPE_WEBHOOK_SECRET must be set along with STRIPE_SECRET_KEY.")
