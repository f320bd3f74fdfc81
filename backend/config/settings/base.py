"""Settings shared by every environment. Everything that differs between machines comes from the
environment (see .env.example at the repository root); a bad value stops the start-up."""

import ipaddress
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured
from environs import ValidationError, validate

from .environment import BASE_DIR, REDIS_URL, REPO_ROOT, RUN_DIR, env  # noqa: F401 (settings)

SECRET_KEY = env.str("DJANGO_SECRET_KEY", "")
# The frontend's address, for links in e-mails (password reset).
FRONTEND_URL = env.str("FRONTEND_URL", "http://localhost:3000").rstrip("/")
DEBUG = env.bool("DJANGO_DEBUG", False)


def _ip_networks(values: list[str]) -> None:
    for value in values:
        try:
            ipaddress.ip_network(value.strip(), strict=False)
        except ValueError as error:
            raise ValidationError(str(error)) from None


# Proxies whose X-Forwarded-For is believed (addresses or networks: the frontend's, a TLS proxy's).
# From one of them, the first address from the right that is no trusted proxy is the client; any
# other caller is known by the address it connects from (core.client_ip). Rate limits and the
# audit log use it. Default: loopback, where the run command starts the frontend (so there, a
# script on the same machine can still forward any address).
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", ["127.0.0.1", "::1"], validate=_ip_networks)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",  # full-text search types; inert on SQLite
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_results",
    "allauth",
    "allauth.account",
    "allauth.headless",
    "allauth.mfa",
    "afterresume.core",
    "afterresume.accounts",
    "afterresume.tenants",
    "afterresume.audit",
    "afterresume.invites",
    "afterresume.worklogs",
    "afterresume.skills",
    "afterresume.reports",
    "afterresume.billing",
    "afterresume.jobs",
    "afterresume.exports",
    "afterresume.metrics",
    "afterresume.ops",
]

MIDDLEWARE = [
    # Request counts and latency for /metrics: the first middleware and the last, timing all between.
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "afterresume.core.request_id.RequestIdMiddleware",
    # Under /api/ errors answer JSON even with DEBUG on (Django would answer HTML pages).
    "afterresume.core.middleware.ApiErrorsInJsonMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # allauth's endpoints parse JSON themselves: too deep or a lone surrogate is a 400 there too.
    "afterresume.core.json_input.AllauthJsonMiddleware",
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
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- database -------------------------------------------------------------------------------
DATABASES = {
    "default": env.dj_db_url("DATABASE_URL", f"sqlite:///{RUN_DIR / 'backend.sqlite3'}"),
}
# Persistent connections: a new connection per request costs ~7.6x (docs/decisions.md).
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", 60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web process and the Celery worker write to one SQLite file: wait for locks, take the
    # write lock up front and use WAL so that readers never block the writer.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- cache, broker --------------------------------------------------------------------------
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    # Shared by the web process and the worker without a server.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(RUN_DIR / "cache"),
        }
    }

# --- jobs, Celery and beat: config/settings/jobs.py -------------------------------------------
from .jobs import *  # noqa: E402, F403

# --- identity (django-allauth, headless, app client) -------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
HEADLESS_ONLY = True
HEADLESS_CLIENTS = ("app",)
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = env.str("ACCOUNT_EMAIL_VERIFICATION", "none")
ACCOUNT_SIGNUP_FORM_CLASS = "afterresume.accounts.forms.SignupForm"
ACCOUNT_ADAPTER = "afterresume.accounts.adapter.AccountAdapter"
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED = False
HEADLESS_FRONTEND_URLS = {
    "account_reset_password": f"{FRONTEND_URL}/password/reset/",
    "account_reset_password_from_key": f"{FRONTEND_URL}/password/reset/{{key}}/",
    "account_signup": f"{FRONTEND_URL}/signup/",
}
# Second factors and security keys (allauth's MFA, headless). A person may add an authenticator
# app (TOTP, with recovery codes) and security keys (WebAuthn; the product never calls them
# "passkeys", that word is the invite's). A security key signs in on its own (it checks a PIN or a
# fingerprint) or after the password; an authenticator app's code after the password. Personal API
# tokens are unaffected; /api/auth/token/ refuses accounts with a second factor.
MFA_ADAPTER = "afterresume.accounts.mfa_adapter.MfaAdapter"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
MFA_PASSKEY_LOGIN_ENABLED = True
MFA_TOTP_ISSUER = "AfterResume"
# allauth lets only people with a verified e-mail address add a second factor; without e-mail
# verification (the development default) nobody's is, so there it lets everyone.
MFA_ALLOW_UNVERIFIED_EMAIL = env.bool("MFA_ALLOW_UNVERIFIED_EMAIL", ACCOUNT_EMAIL_VERIFICATION == "none")
# Recovery codes are shown once, when made; a person who lost them makes new ones.
MFA_RECOVERY_CODES_SHOW_ONCE = True
# Security keys belong to one site: the host name in the browser's address bar on the frontend
# (the relying party id). Default: FRONTEND_URL's host name. Browsers accept it over https, or on
# http://localhost in development; an IP address is never a valid one.
WEBAUTHN_RP_ID = env.str("WEBAUTHN_RP_ID", "") or (urlsplit(FRONTEND_URL).hostname or "localhost")
# Changing second factors asks for the password again unless the person signed in or confirmed it
# within this many seconds. Wrong codes at the second step count against the sign-in failure limit
# (RATE_LIMIT_SIGNIN_FAILED, per account).
ACCOUNT_REAUTHENTICATION_TIMEOUT = env.int("ACCOUNT_REAUTHENTICATION_TIMEOUT", 300)

# allauth reads the client address through the account adapter, i.e. core.client_ip: its own
# ALLAUTH_TRUSTED_PROXY_COUNT would believe a forwarded address from anyone, so it stays unset.

# Rate limits (docs/api.md), each overridable from the environment. allauth's syntax:
# "<count>/<period><s|m|h|d>/<ip|key|user>", several separated by commas.
RATE_LIMIT_SIGNIN = env.str("RATE_LIMIT_SIGNIN", "20/m/ip")
RATE_LIMIT_SIGNIN_FAILED = env.str("RATE_LIMIT_SIGNIN_FAILED", "20/m/ip,5/300s/key")
RATE_LIMIT_SIGNUP = env.str("RATE_LIMIT_SIGNUP", "10/h/ip")
RATE_LIMIT_PASSWORD_RESET = env.str("RATE_LIMIT_PASSWORD_RESET", "20/h/ip,5/h/key")
# django-ratelimit's syntax: "<count>/<period>" (period s, m, h, d, or e.g. 300s).
RATE_LIMIT_PASSKEY_FAILURES = env.str("RATE_LIMIT_PASSKEY_FAILURES", "10/h")
RATE_LIMIT_TOKEN_CREATE = env.str("RATE_LIMIT_TOKEN_CREATE", "10/h")
# Writes (POST/PUT/PATCH/DELETE) under /api/ per token, DRF's syntax: "<count>/<s|m|h|d>".
RATE_LIMIT_API_WRITES = env.str("RATE_LIMIT_API_WRITES", "120/m")
ACCOUNT_RATE_LIMITS = {
    "login": RATE_LIMIT_SIGNIN,
    "login_failed": RATE_LIMIT_SIGNIN_FAILED,
    "signup": RATE_LIMIT_SIGNUP,
    "reset_password": RATE_LIMIT_PASSWORD_RESET,
    "reset_password_from_key": "20/m/ip",
    "change_password": "5/m/user",
}
RATELIMIT_VIEW = "afterresume.core.errors.ratelimited"
RATELIMIT_IP_META_KEY = "afterresume.core.client_ip.client_ip_for_ratelimit"

INVITE_PASSKEY_DEFAULT_DAYS = env.int("INVITE_PASSKEY_DEFAULT_DAYS", 14)
API_TOKEN_DEFAULT_DAYS = env.int("API_TOKEN_DEFAULT_DAYS", 90)

# E-mail: printed to the console in development; SMTP from the environment in production.
SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"


def mailers(backend: str) -> dict:
    mailer = {"BACKEND": backend}
    if backend == SMTP_BACKEND:
        mailer["OPTIONS"] = {
            "host": env.str("EMAIL_HOST", "localhost"),
            "port": env.int("EMAIL_PORT", 587),
            "username": env.str("EMAIL_HOST_USER", ""),
            "password": env.str("EMAIL_HOST_PASSWORD", ""),
            "use_tls": env.bool("EMAIL_USE_TLS", True),
            "timeout": 10,
        }
    return {"default": mailer}


MAILERS = mailers(env.str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", "AfterResume <no-reply@afterresume.local>")
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- API --------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    # The first class's scheme goes into WWW-Authenticate: anonymous calls get 401, not 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "afterresume.accounts.authentication.ApiTokenAuthentication",
        "allauth.headless.contrib.rest_framework.authentication.XSessionTokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # DRF's, except that JSON too deep to follow or with a lone surrogate is a 400, never a 500.
    "DEFAULT_PARSER_CLASSES": ["afterresume.core.json_input.JSONParser"],
    # drf-spectacular's, plus the error answers each operation can give (one error shape).
    "DEFAULT_SCHEMA_CLASS": "afterresume.core.schema.AutoSchema",
    "EXCEPTION_HANDLER": "afterresume.core.errors.api_exception_handler",
    "DEFAULT_THROTTLE_CLASSES": ["afterresume.core.throttles.ApiWriteThrottle"],
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "AfterResume API",
    "DESCRIPTION": "Worklogs, evidence, skills, reports and the prepaid reserve.",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # A job's status and kind appear in the list's and the detail's answers: one named enum each.
    "ENUM_NAME_OVERRIDES": {
        "JobStatusEnum": "afterresume.jobs.models.JobStatus",
        "JobKindEnum": "afterresume.jobs.models.JobKind",
        "ReportKindEnum": "afterresume.reports.models.ReportKind",
        "ReportStatusEnum": "afterresume.reports.models.ReportStatus",
    },
}

# --- static, i18n -----------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = RUN_DIR / "media"

# --- payments (docs/money.md) ---------------------------------------------------------------------
STRIPE_SECRET_KEY = env.str("STRIPE_SECRET_KEY", "")
STRIPE_WEBHOOK_SECRET = env.str("STRIPE_WEBHOOK_SECRET", "")
# Where the stripe library sends API calls (tests point it at a local server; empty: Stripe).
STRIPE_API_BASE = env.str("STRIPE_API_BASE", "")
# Simulated mode (development only): no Stripe keys; a local checkout page and signed events
# delivered by a Celery task to the real webhook endpoint. Production refuses it.
# Both ends (the delivering task and the webhook) are this backend; without STRIPE_WEBHOOK_SECRET
# they share a secret made per installation (dev.py) or per test run (test.py).
STRIPE_SIMULATED = env.bool("STRIPE_SIMULATED", not STRIPE_SECRET_KEY)
# Where the simulated deliveries reach this backend's webhook.
BACKEND_INTERNAL_URL = env.str("BACKEND_INTERNAL_URL", "http://127.0.0.1:8000").rstrip("/")
BACKEND_PUBLIC_URL = env.str("BACKEND_PUBLIC_URL", "http://localhost:8000").rstrip("/")
TOPUP_PRESETS_DOLLARS = env.list("TOPUP_PRESETS_DOLLARS", [10, 25, 50, 100], subcast=int)
TOPUP_MIN_DOLLARS = env.int("TOPUP_MIN_DOLLARS", 5)
TOPUP_MAX_DOLLARS = env.int("TOPUP_MAX_DOLLARS", 500)

# --- LLM (docs/architecture.md, "One LLM entry point") -----------------------------------------------
# local: deterministic and offline (the default); openai: any OpenAI-compatible chat-completions
# server at LLM_BASE_URL (empty: OpenAI's own) with LLM_API_KEY, asking for LLM_MODEL.
LLM_PROVIDER = env.str("LLM_PROVIDER", "local", validate=validate.OneOf(["local", "openai"]))
LLM_BASE_URL = env.str("LLM_BASE_URL", "")
LLM_API_KEY = env.str("LLM_API_KEY", "")
# Required with openai (the model the server is asked for, and priced by the rate card under).
LLM_MODEL = env.str("LLM_MODEL", validate=validate.Length(min=1)) if LLM_PROVIDER == "openai" else "local"
LLM_TIMEOUT_SECONDS = env.float(
    "LLM_TIMEOUT_SECONDS", 60.0, validate=validate.Range(min=0, min_inclusive=False)
)
# What the provider charges us, per model, in micro-dollars per million tokens, for the metrics'
# margin (docs/metrics.md): {"gpt-4o-mini": {"tokens_in": 150000, "tokens_out": 600000}}. A model
# not named costs nothing (the local provider).
LLM_PROVIDER_COSTS = env.json("LLM_PROVIDER_COSTS", {})
if not (
    isinstance(LLM_PROVIDER_COSTS, dict)
    and all(
        isinstance(prices, dict)
        and set(prices) <= {"tokens_in", "tokens_out"}
        and all(isinstance(value, int) and value >= 0 for value in prices.values())
        for prices in LLM_PROVIDER_COSTS.values()
    )
):
    raise ImproperlyConfigured(
        'LLM_PROVIDER_COSTS: expected {"<model>": {"tokens_in": <µ$ per million>, "tokens_out": <µ$ per million>}}'
    )

# --- evidence files ------------------------------------------------------------------------------
EVIDENCE_MAX_BYTES = env.int("EVIDENCE_MAX_MB", 10) * 1024 * 1024
EVIDENCE_MAX_FILES = env.int("EVIDENCE_MAX_FILES", 10)
# Any S3 (AWS, MinIO) when a bucket is configured; the local filesystem otherwise.
S3_BUCKET = env.str("S3_BUCKET", "")
if S3_BUCKET:
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": S3_BUCKET,
            "endpoint_url": env.str("S3_ENDPOINT_URL", "") or None,
            "access_key": env.str("S3_ACCESS_KEY_ID", ""),
            "secret_key": env.str("S3_SECRET_ACCESS_KEY", ""),
            "region_name": env.str("S3_REGION", "us-east-1"),
            "signature_version": "s3v4",
            "addressing_style": env.str("S3_ADDRESSING_STYLE", "path"),
            "default_acl": None,
            "file_overwrite": False,
            "querystring_auth": True,
            # Download links live this long (seconds): short, they are made per click.
            "querystring_expire": env.int("S3_URL_EXPIRE_SECONDS", 120),
        },
    }
# Where browsers reach the bucket, if not at S3_ENDPOINT_URL (e.g. MinIO inside docker compose):
# download links are signed for this address.
S3_PUBLIC_ENDPOINT_URL = env.str("S3_PUBLIC_ENDPOINT_URL", "")
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- security (the production module tightens the transport-level ones) ----------------------
from django.utils.csp import CSP  # noqa: E402

SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    # The hash admits the one fixed <style> block of drf-spectacular's Swagger UI page.
    "style-src": [CSP.SELF, "'sha256-MMpT0iDxyjALd9PdfepImGX3DBfJPXZ4IlDWdPAgtn0='"],
    "img-src": [CSP.SELF, "data:"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True

# --- monitoring (runbook, "Monitoring: Prometheus and Sentry") -----------------------------------
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
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=SENTRY_DSN,
        environment=SENTRY_ENVIRONMENT,
        traces_sample_rate=SENTRY_TRACES_SAMPLE_RATE,
        send_default_pii=False,  # no user ids, e-mails, cookies or request bodies leave the service
        integrations=[DjangoIntegration(), CeleryIntegration()],
    )

# --- logging: every line carries the request id -------------------------------------------------
LOG_LEVEL = env.log_level("LOG_LEVEL", "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "afterresume.core.request_id.RequestIdLogFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["request_id"]},
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}
