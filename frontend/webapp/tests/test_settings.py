import os
import stat
import subprocess
import sys
from pathlib import Path

FRONTEND_DIR = Path(__file__).resolve().parents[2]
STRONG_SECRET = "test-only-9b1e4c7a2f6d8035e1c4b9a7d2f6e8013c5a7b9d1e3f5a7c"


def run_manage(*args: str, **env_overrides: str) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "AFTERRESUME_IGNORE_DOTENV": "1",
        "DJANGO_SECRET_KEY": STRONG_SECRET,
        "DJANGO_DEBUG": "false",
        **env_overrides,
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=FRONTEND_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_check_deploy_without_warnings():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING")

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_with_debug_on():
    result = run_manage("check", DJANGO_DEBUG="true")

    assert result.returncode != 0
    assert "DJANGO_DEBUG must be off in production" in result.stderr


def test_production_refuses_to_start_with_the_development_secret():
    result = run_manage("check", DJANGO_SECRET_KEY="dev-insecure-key-do-not-use-in-production")

    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def development_secret_key(run_dir: Path) -> str:
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_SECRET_KEY"}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.dev",
        AFTERRESUME_IGNORE_DOTENV="1",
        AFTERRESUME_RUN_DIR=str(run_dir),
    )
    shown = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings; print(settings.SECRET_KEY)",
        ],
        cwd=FRONTEND_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return shown.stdout.strip()


def test_each_installation_gets_its_own_development_secret_key_and_keeps_it(tmp_path):
    first_start = development_secret_key(tmp_path / "one")
    second_start = development_secret_key(tmp_path / "one")
    other_installation = development_secret_key(tmp_path / "two")

    assert second_start == first_start
    assert other_installation != first_start
    assert "dev-insecure-key-do-not-use-in-production" not in {first_start, other_installation}
    assert len(first_start) >= 50
    kept = tmp_path / "one" / "secrets" / "frontend-secret-key"
    assert kept.read_text() == first_start + "\n"
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
