"""The development settings make their secrets per installation (per run folder): nothing a
stranger could compute from this repository signs sessions or simulated Stripe events."""

import hashlib
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

BACKEND_DIR = Path(__file__).resolve().parents[2]
# What the development settings used before: a fixed key, and a webhook secret derived from the key
# as the base settings saw it (empty) — the same on every machine.
FORMER_SECRET_KEY = "dev-insecure-key-do-not-use-in-production"
FORMER_WEBHOOK_SECRETS = {
    "whsec_sim_" + hashlib.sha256(f"{key}:stripe".encode()).hexdigest()[:32]
    for key in ("", FORMER_SECRET_KEY)
}


def development_settings(run_dir: Path, **env_overrides: str) -> dict:
    """SECRET_KEY and STRIPE_WEBHOOK_SECRET as a process of the installation in `run_dir` sees them."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key
        not in {
            "DATABASE_URL",
            "REDIS_URL",
            "DJANGO_SECRET_KEY",
            "STRIPE_SECRET_KEY",
            "STRIPE_WEBHOOK_SECRET",
        }
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.dev",
        AFTERRESUME_IGNORE_DOTENV="1",
        AFTERRESUME_RUN_DIR=str(run_dir),
        **env_overrides,
    )
    shown = subprocess.run(
        [
            sys.executable,
            "-c",
            "import json, django; django.setup(); from django.conf import settings; "
            "print(json.dumps([settings.SECRET_KEY, settings.STRIPE_WEBHOOK_SECRET]))",
        ],
        cwd=BACKEND_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    secret_key, webhook_secret = json.loads(shown.stdout)
    return {"SECRET_KEY": secret_key, "STRIPE_WEBHOOK_SECRET": webhook_secret}


def test_two_installations_get_different_secrets_that_each_keeps(tmp_path):
    first_start = development_settings(tmp_path / "one")
    second_start = development_settings(tmp_path / "one")
    other_installation = development_settings(tmp_path / "two")

    assert second_start == first_start
    assert other_installation["SECRET_KEY"] != first_start["SECRET_KEY"]
    assert other_installation["STRIPE_WEBHOOK_SECRET"] != first_start["STRIPE_WEBHOOK_SECRET"]
    for seen in (first_start, other_installation):
        assert len(seen["SECRET_KEY"]) >= 50
        assert seen["SECRET_KEY"] != FORMER_SECRET_KEY
        assert seen["STRIPE_WEBHOOK_SECRET"].startswith("whsec_")
        assert len(seen["STRIPE_WEBHOOK_SECRET"]) >= 50
        assert seen["STRIPE_WEBHOOK_SECRET"] not in FORMER_WEBHOOK_SECRETS


def test_the_secrets_are_kept_in_the_run_folder_readable_by_their_owner_only(tmp_path):
    seen = development_settings(tmp_path / "run")

    folder = tmp_path / "run" / "secrets"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert (folder / "backend-secret-key").read_text() == seen["SECRET_KEY"] + "\n"
    assert (folder / "stripe-webhook-secret").read_text() == seen["STRIPE_WEBHOOK_SECRET"] + "\n"
    assert {stat.S_IMODE(kept.stat().st_mode) for kept in folder.iterdir()} == {0o600}


def test_secrets_set_in_the_environment_win_and_nothing_is_made(tmp_path):
    seen = development_settings(
        tmp_path / "run", DJANGO_SECRET_KEY="chosen-" * 8, STRIPE_WEBHOOK_SECRET="whsec_chosen"
    )

    assert seen == {"SECRET_KEY": "chosen-" * 8, "STRIPE_WEBHOOK_SECRET": "whsec_chosen"}
    assert not (tmp_path / "run" / "secrets").exists()


def test_production_refuses_stripe_keys_without_a_webhook_secret(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "AFTERRESUME_IGNORE_DOTENV": "1",
        "AFTERRESUME_RUN_DIR": str(tmp_path),
        "DJANGO_SECRET_KEY": "production-" + "4f9c2a7e1b8d6053f2c9a1e7b4d8062c5f3a9e1d",
        "STRIPE_SECRET_KEY": "sk_test_configured",
        "STRIPE_WEBHOOK_SECRET": "",
    }

    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=BACKEND_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode != 0
    assert "STRIPE_WEBHOOK_SECRET must be set along with STRIPE_SECRET_KEY." in result.stderr
