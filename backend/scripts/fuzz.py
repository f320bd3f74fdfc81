"""Fuzz the API from its own OpenAPI schema (schemathesis), the way an outsider would meet it.

    python scripts/fuzz.py [schemathesis run options]      (./dev fuzz -- --max-examples 200)

Starts the backend on production settings (gunicorn, a throwaway PostgreSQL and Redis, Stripe
configured against a small local Stripe-format server), creates two workspaces with data in both
and a token for each of their owners (the first is an operator too, so that the admin operations
are reached), then runs schemathesis over every operation once with each token. Checks: no server
error, only documented status codes and content types, every answer matches its documented schema.
Exits non-zero when any run found a failure. The backend's log and the reports stay in .run/fuzz/.

Write limits are raised for the run (the fuzzer would otherwise spend most requests on 429)."""

import logging
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from with_services import ServiceError, free_port, stop_process, throwaway_services

BACKEND = Path(__file__).resolve().parents[1]
REPO = BACKEND.parent
BIN = Path(sys.executable).parent
OUTPUT = REPO / ".run" / "fuzz"
sys.path.insert(0, str(BACKEND))  # the backend's packages, for seeding its database
CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"
# Used when no options are given: ~2 minutes per token on 2 cores.
DEFAULT_OPTIONS = ["--max-examples", "100"]
PASSWORD = secrets.token_urlsafe(16)
UNLIMITED = "100000/m"


def backend_environment(services, run_dir: Path, stripe_url: str) -> dict:
    return {
        **os.environ,
        "AFTERRESUME_IGNORE_DOTENV": "1",
        "AFTERRESUME_RUN_DIR": str(run_dir),
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATABASE_URL": services.database_url,
        "REDIS_URL": services.redis_url,
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "STRIPE_SECRET_KEY": "sk_test_fuzz",
        "STRIPE_WEBHOOK_SECRET": "whsec_" + secrets.token_hex(16),
        "STRIPE_API_BASE": stripe_url,
        "RATE_LIMIT_API_WRITES": UNLIMITED,
        "RATE_LIMIT_TOKEN_CREATE": UNLIMITED,
        "RATE_LIMIT_SIGNUP": "100000/m/ip",
        "RATE_LIMIT_SIGNIN_FAILED": "100000/m/ip",
        "RATE_LIMIT_PASSKEY_FAILURES": UNLIMITED,
        "LOG_LEVEL": "WARNING",
    }


def start_stripe_server():
    """Answers the three Stripe calls the API makes (customer, Checkout, customer portal) in
    Stripe's format, so that top-ups and the portal answer as they do with real keys."""
    from pytest_httpserver import HTTPServer

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per Stripe call

    server = HTTPServer(host="127.0.0.1", port=free_port())
    counter = iter(range(1, 10**9))

    def answer(kind: str, url: str = ""):
        def handler(request):
            from werkzeug import Response

            number = next(counter)
            body = {"id": f"{kind}_fuzz{number}", "object": kind, "livemode": False}
            if url:
                body["url"] = f"{url}{number}"
            import json

            return Response(json.dumps(body), content_type="application/json")

        return handler

    server.expect_request("/v1/customers", method="POST").respond_with_handler(answer("cus"))
    server.expect_request("/v1/checkout/sessions", method="POST").respond_with_handler(
        answer("cs", "https://checkout.stripe.com/c/pay/cs_fuzz")
    )
    server.expect_request("/v1/billing_portal/sessions", method="POST").respond_with_handler(
        answer("bps", "https://billing.stripe.com/p/session/fuzz")
    )
    server.start()
    return server


def seed() -> list[dict]:
    """Two workspaces with entries, evidence, ledger entries and an invite each; a token for each
    owner. Runs in this process on the backend's database (Django set up from the environment)."""
    import django

    django.setup()
    from datetime import date, timedelta

    from django.core.files.uploadedfile import SimpleUploadedFile

    from afterresume.accounts.models import User
    from afterresume.accounts.tokens import api_token_create
    from afterresume.billing.ledger.posting import ledger_post
    from afterresume.billing.models import LedgerEntry
    from afterresume.invites.services import passkey_create
    from afterresume.tenants.services import tenant_create_with_owner
    from afterresume.worklogs.services import evidence_add, worklog_create

    personas = []
    for name, is_staff in (("operator", True), ("owner", False)):
        user = User.objects.create_user(f"fuzz-{name}@example.com", PASSWORD, is_staff=is_staff)
        tenant = tenant_create_with_owner(owner=user, name=f"Fuzz {name}'s workspace")
        for day in range(5):
            entry = worklog_create(
                tenant=tenant,
                author=user,
                date=date.today() - timedelta(days=day),
                content=f"Entry {day} of {name}",
                employer="Acme",
                project="Fuzz",
                tags=["fuzz", name],
            )
            evidence_add(
                entry=entry,
                author=user,
                upload=SimpleUploadedFile("notes.txt", b"evidence\n", content_type="text/plain"),
            )
        ledger_post(
            account_id=tenant.reserve.pk,
            kind=LedgerEntry.Kind.GRANT,
            amount_micros=25_000_000,
            idempotency_key=f"fuzz:grant:{name}",
            memo="Starter credit",
        )
        if is_staff:
            passkey_create(created_by=user, note="for the fuzzer")
        token, key = api_token_create(user=user, name="fuzzer", expires_at=None)
        personas.append({"name": name, "user_id": user.pk, "token_id": token.pk, "key": key})
    return personas


def restore(personas: list[dict]) -> None:
    """Undo what one run may have done to the other persona: deactivated, made staff or not."""
    from afterresume.accounts.models import ApiToken, User

    for persona, is_staff in zip(personas, (True, False), strict=True):
        User.objects.filter(pk=persona["user_id"]).update(is_active=True, is_staff=is_staff)
        ApiToken.objects.filter(pk=persona["token_id"]).update(revoked_at=None)


def wait_for(url: str, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ServiceError("the backend exited while starting (see its log)")
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:  # noqa: S310 (our own loopback server)
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise ServiceError(f"the backend did not answer {url} within {timeout:.0f} s")


def main(options: list[str]) -> int:
    if options[:1] == ["--"]:
        options = options[1:]
    options = options or DEFAULT_OPTIONS
    shutil.rmtree(OUTPUT, ignore_errors=True)
    OUTPUT.mkdir(parents=True)
    run_dir = Path(tempfile.mkdtemp(prefix="afterresume-fuzz-"))
    stripe = start_stripe_server()
    backend = None
    try:
        with throwaway_services() as services:
            env = backend_environment(services, run_dir, stripe.url_for("").rstrip("/"))
            os.environ.update(env)
            subprocess.run(
                [sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=BACKEND, env=env, check=True
            )
            personas = seed()
            port = free_port()
            log = (OUTPUT / "backend.log").open("w")
            backend = subprocess.Popen(
                [
                    str(BIN / "gunicorn"),
                    "config.wsgi",
                    "-b",
                    f"127.0.0.1:{port}",
                    "-w",
                    "2",
                    "--timeout",
                    "60",
                ],
                cwd=BACKEND,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            base = f"http://127.0.0.1:{port}"
            wait_for(f"{base}/api/healthz/", backend)
            print(
                f"fuzz: backend (production settings) on {base}, log in {OUTPUT / 'backend.log'}", flush=True
            )
            outcomes = {}
            for persona in personas:
                restore(personas)
                print(f"\nfuzz: every operation with the {persona['name']}'s token", flush=True)
                command = [
                    str(BIN / "schemathesis"),
                    "run",
                    f"{base}/api/schema/",
                    "--header",
                    f"Authorization: Token {persona['key']}",
                    "--checks",
                    CHECKS,
                    "--report",
                    "junit",
                    "--report-dir",
                    str(OUTPUT / persona["name"]),
                    *options,
                ]
                hooks_env = {
                    **env,
                    # The hooks keep the fuzzer from revoking the very token it fuzzes with.
                    "SCHEMATHESIS_HOOKS": "fuzz_hooks",
                    "PYTHONPATH": str(Path(__file__).parent),
                    "FUZZ_OWN_TOKEN_ID": str(persona["token_id"]),
                }
                outcomes[persona["name"]] = subprocess.call(command, cwd=OUTPUT, env=hooks_env)
            print(
                "\nfuzz: "
                + ", ".join(
                    f"{name}: {'passed' if code == 0 else 'FAILED'}" for name, code in outcomes.items()
                )
            )
            return 0 if not any(outcomes.values()) else 1
    except ServiceError as error:
        print(f"fuzz: {error}", file=sys.stderr)
        return 2
    finally:
        if backend is not None:
            stop_process(backend)
        stripe.stop()
        shutil.rmtree(run_dir, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
