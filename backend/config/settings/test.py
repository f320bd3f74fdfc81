"""Tests: PostgreSQL and Redis from the environment, started by scripts/with_services.py."""

import secrets
import tempfile

from .base import *  # noqa: F403
from .base import STRIPE_WEBHOOK_SECRET, env

SECRET_KEY = "test-key-not-secret"  # noqa: S105
STRIPE_WEBHOOK_SECRET = STRIPE_WEBHOOK_SECRET or "whsec_test_" + secrets.token_hex(16)
DEBUG = False
if not env.str("DATABASE_URL", ""):
    raise RuntimeError("Backend tests need DATABASE_URL (run them through `./dev test`).")
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast, tests only

# Static files straight from the apps (no collectstatic outside production).
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
# Uploaded evidence goes to a throwaway folder (S3 tests point the storage at a local S3 server).
MEDIA_ROOT = tempfile.mkdtemp(prefix="afterresume-test-media-")
# The test client connects from 127.0.0.1 and plays the frontend: it is the trusted proxy.
TRUSTED_PROXIES = ["127.0.0.1", "::1"]
