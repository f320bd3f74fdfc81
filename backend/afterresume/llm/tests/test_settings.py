"""The LLM settings are strict: a bad value stops the start-up with the variable's name."""

import os
import subprocess
import sys
from pathlib import Path

BACKEND_DIR = Path(__file__).resolve().parents[3]


def start_up(**env_overrides: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "AFTERRESUME_IGNORE_DOTENV": "1", **env_overrides}
    for name in ("LLM_PROVIDER", "LLM_MODEL", "LLM_TIMEOUT_SECONDS"):
        if name not in env_overrides:
            env.pop(name, None)
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=BACKEND_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_an_unknown_provider_stops_the_start_up():
    result = start_up(LLM_PROVIDER="anthropic")

    assert result.returncode != 0
    assert 'Environment variable "LLM_PROVIDER" invalid' in result.stderr


def test_the_openai_provider_without_a_model_stops_the_start_up():
    result = start_up(LLM_PROVIDER="openai")

    assert result.returncode != 0
    assert 'Environment variable "LLM_MODEL" not set' in result.stderr


def test_a_timeout_of_zero_stops_the_start_up():
    result = start_up(LLM_TIMEOUT_SECONDS="0")

    assert result.returncode != 0
    assert 'Environment variable "LLM_TIMEOUT_SECONDS" invalid' in result.stderr


def test_the_local_provider_needs_nothing():
    result = start_up()

    assert result.returncode == 0, result.stderr
