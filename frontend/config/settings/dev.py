"""Development: the run command's embedded defaults."""

from .base import *  # noqa: F403
from .base import RUN_DIR, env
from .local_secrets import local_secret

DEBUG = env.bool("DJANGO_DEBUG", True)
# Unless set, made once per installation and kept in its run folder: a key written in this
# repository would let anyone forge what a reachable development frontend signs.
SECRET_KEY = env.str("DJANGO_SECRET_KEY", "") or local_secret(RUN_DIR, "frontend-secret-key")
# Static files straight from the apps and node_modules (collectstatic is for production).
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True
