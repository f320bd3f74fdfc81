"""Settings shared by every environment; what differs between machines comes from the
environment (see .env.example). The frontend has no domain data: its only tables are sessions."""

import ipaddress
from pathlib import Path

from django.utils.csp import CSP
from environs import Env, ValidationError, validate

BASE_DIR = Path(__file__).resolve().parents[2]
REPO_ROOT = BASE_DIR.parent

env = Env()
if not env.bool("AFTERRESUME_IGNORE_DOTENV", False):
    env.read_env(str(REPO_ROOT / ".env"), recurse=False, override=False)

RUN_DIR = Path(env.path("AFTERRESUME_RUN_DIR", REPO_ROOT / ".run")).resolve()
RUN_DIR.mkdir(parents=True, exist_ok=True)

SECRET_KEY = env.str("DJANGO_SECRET_KEY", "")
DEBUG = env.bool("DJANGO_DEBUG", False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])

INSTALLED_APPS = [
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "webapp.core",
    "webapp.dashboard",
    "webapp.accounts",
    "webapp.staff",
    "webapp.worklogs",
    "webapp.billing",
    "webapp.jobs",
    "webapp.skills",
    "webapp.reports",
    "webapp.data",
    "webapp.team",
]

MIDDLEWARE = [
    # Request counts and latency for /metrics: the first middleware and the last, timing all between.
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "webapp.core.request_id.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "webapp.backend.middleware.BackendMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csrf",
                "django.template.context_processors.csp",
                "django.contrib.messages.context_processors.messages",
                "webapp.core.context_processors.shell",
            ],
            "builtins": ["django_htmx.templatetags.django_htmx", "webapp.core.templatetags.webapp"],
        },
    },
]

# Sessions only (server-side: the backend token never reaches the browser).
DATABASES = {"default": env.dj_db_url("DATABASE_URL", f"sqlite:///{RUN_DIR / 'frontend.sqlite3'}")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", 60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_AGE = 60 * 60 * 24 * 14
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

# --- the backend ----------------------------------------------------------------------------
BACKEND_URL = env.str("BACKEND_URL", "http://127.0.0.1:8000").rstrip("/")
BACKEND_CONNECT_TIMEOUT = env.float("BACKEND_CONNECT_TIMEOUT", 2.0)
BACKEND_READ_TIMEOUT = env.float("BACKEND_READ_TIMEOUT", 10.0)
# Reverse proxies in front of the frontend (e.g. a TLS terminator), each appending to
# X-Forwarded-For. The browser's address, found that many hops back, is forwarded to the backend.
TRUSTED_PROXY_HOPS = env.int("TRUSTED_PROXY_HOPS", 0)
# Where people open the API documentation (the backend's, served from local assets).
BACKEND_PUBLIC_URL = env.str("BACKEND_PUBLIC_URL", BACKEND_URL).rstrip("/")

# Evidence uploads: refused here already when larger than this (the backend checks again).
EVIDENCE_MAX_MB = env.int("EVIDENCE_MAX_MB", 10)

# --- static files: our own plus the pinned npm packages installed at set-up time -------------
NODE_MODULES = BASE_DIR / "node_modules"
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [
    ("vendor/bootstrap", NODE_MODULES / "bootstrap" / "dist"),
    ("vendor/bootstrap-icons", NODE_MODULES / "bootstrap-icons" / "font"),
    ("vendor/chart.js", NODE_MODULES / "chart.js" / "dist"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- security: strict CSP, no inline scripts (handlers live in static JS files) ---------------
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    # A top-up form answers with a redirect to the checkout page: Stripe's (or the backend's own in
    # simulated mode); form-action applies to where such a redirect leads.
    "form-action": [
        CSP.SELF,
        BACKEND_PUBLIC_URL,
        "https://checkout.stripe.com",
        "https://billing.stripe.com",
    ],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# --- monitoring (runbook, "Monitoring: Prometheus and Sentry") -----------------------------------


def _ip_networks(values: list[str]) -> None:
    for value in values:
        try:
            ipaddress.ip_network(value.strip(), strict=False)
        except ValueError as error:
            raise ValidationError(str(error)) from None


# /metrics answers a peer in these networks (its connecting address; X-Forwarded-For is not
# believed) or a request with `Authorization: Bearer <METRICS_TOKEN>` when a token is set; anyone
# else gets a 404.
METRICS_ALLOWED_NETWORKS = [
    ipaddress.ip_network(network.strip(), strict=False)
    for network in env.list("METRICS_ALLOWED_NETWORKS", ["127.0.0.1/32", "::1/128"], validate=_ip_networks)
]
METRICS_TOKEN = env.str("METRICS_TOKEN", "")
# Errors (and, if sampled, traces) to Sentry, only with a DSN: without one nothing is sent anywhere.
SENTRY_DSN = env.str("SENTRY_DSN", "")
SENTRY_ENVIRONMENT = env.str("SENTRY_ENVIRONMENT", "production")
SENTRY_TRACES_SAMPLE_RATE = env.float("SENTRY_TRACES_SAMPLE_RATE", 0.0, validate=validate.Range(min=0, max=1))
if SENTRY_DSN:
    import sentry_sdk
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=SENTRY_DSN,
        environment=SENTRY_ENVIRONMENT,
        traces_sample_rate=SENTRY_TRACES_SAMPLE_RATE,
        send_default_pii=False,  # no user ids, e-mails, cookies or form fields leave the service
        integrations=[DjangoIntegration()],
    )

LOG_LEVEL = env.log_level("LOG_LEVEL", "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "webapp.core.request_id.RequestIdLogFilter"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["request_id"]},
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
}
