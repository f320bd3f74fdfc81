import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

BACKEND_DIR = Path(__file__).resolve().parents[3]
STRONG_SECRET = "test-only-4f9c2a7e1b8d6053f2c9a1e7b4d8062c5f3a9e1d7b2c8f40"


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
        cwd=BACKEND_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_backend_tests_run_on_postgresql(db):
    assert connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version_num")
        assert int(cursor.fetchone()[0]) >= 150000


def test_database_connections_are_persistent():
    assert settings.DATABASES["default"]["CONN_MAX_AGE"] >= 60
    assert settings.DATABASES["default"]["CONN_HEALTH_CHECKS"] is True


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


def test_production_refuses_to_start_without_a_secret():
    result = run_manage("check", DJANGO_SECRET_KEY="")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_a_malformed_setting_stops_the_start_up_with_its_name():
    result = run_manage("check", DATABASE_CONN_MAX_AGE="sixty")
    assert result.returncode != 0
    assert "DATABASE_CONN_MAX_AGE" in result.stderr


def test_a_trusted_proxy_that_is_no_address_stops_the_start_up_with_its_name():
    result = run_manage("check", TRUSTED_PROXIES="10.0.0.0/8,frontend")
    assert result.returncode != 0
    assert "TRUSTED_PROXIES" in result.stderr
    assert "'frontend' does not appear to be an IPv4 or IPv6 network" in result.stderr


@pytest.mark.parametrize(
    "value", ["[1]", '{"gpt-x": {"tokens_in": "cheap"}}', '{"gpt-x": {"per_call": 5}}', "{oops"]
)
def test_provider_costs_of_the_wrong_shape_stop_the_start_up_with_their_name(value):
    result = run_manage("check", LLM_PROVIDER_COSTS=value)
    assert result.returncode != 0
    assert "LLM_PROVIDER_COSTS" in result.stderr
