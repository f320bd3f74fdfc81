"""Frontend view tests: the backend is faked at the HTTP boundary (pytest-httpserver)."""

from .base import *  # noqa: F403

SECRET_KEY = "test-key-not-secret"  # noqa: S105
DEBUG = False
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
BACKEND_CONNECT_TIMEOUT = 0.5
BACKEND_READ_TIMEOUT = 1.0
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True
