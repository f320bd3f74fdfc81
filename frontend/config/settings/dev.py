"""Development: the run command's embedded defaults."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DJANGO_DEBUG", True)
# Development only: a fixed key is harmless here, and production refuses it.
SECRET_KEY = env.str("DJANGO_SECRET_KEY", "dev-insecure-key-do-not-use-in-production")
# Static files straight from the apps and node_modules (collectstatic is for production).
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True
