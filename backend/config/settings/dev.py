"""Development: the run command's embedded defaults (SQLite, filesystem broker, local media)."""

from .base import *  # noqa: F403
from .base import RUN_DIR, STRIPE_SIMULATED, STRIPE_WEBHOOK_SECRET, env
from .local_secrets import local_secret

DEBUG = env.bool("DJANGO_DEBUG", True)
# Unless set, made once per installation and kept in its run folder: a key written in this
# repository would let anyone forge what a reachable development backend signs.
SECRET_KEY = env.str("DJANGO_SECRET_KEY", "") or local_secret(RUN_DIR, "backend-secret-key")
# Simulated payments: the worker signs the events it delivers to the webhook with this secret; a
# stranger who cannot read the run folder cannot credit a reserve.
if STRIPE_SIMULATED and not STRIPE_WEBHOOK_SECRET:
    STRIPE_WEBHOOK_SECRET = local_secret(RUN_DIR, "stripe-webhook-secret", prefix="whsec_")

# Static files straight from the apps (no collectstatic outside production).
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True
