"""The test command removes the temporary files it makes: the backend's tests run with a private
temporary folder (media uploads, pytest's folders, anything made with tempfile) that goes with the
throwaway PostgreSQL and Redis when the run ends."""

import os
import subprocess
import sys
import tempfile
from pathlib import Path

BACKEND_DIR = Path(__file__).resolve().parents[2]
# What a backend test run leaves in the temporary folder: the test settings' media folder and a
# file made with tempfile, as a test would.
MAKES_TEMPORARY_FILES = (
    "import tempfile; from config.settings import test; "
    "open(tempfile.mkstemp()[1], 'w').close(); print(test.MEDIA_ROOT)"
)


def test_nothing_the_backend_tests_make_outlives_the_run():
    # Near the root: the nested PostgreSQL's socket path must stay under 108 characters. As root,
    # that PostgreSQL runs as `postgres` and must reach its folder in here.
    with tempfile.TemporaryDirectory(prefix="ar-", dir="/tmp") as outer:
        os.chmod(outer, 0o755)  # noqa: S103
        env = {**os.environ, "TMPDIR": outer, "AFTERRESUME_IGNORE_DOTENV": "1"}

        run = subprocess.run(
            [sys.executable, "scripts/with_services.py", "--", sys.executable, "-c", MAKES_TEMPORARY_FILES],
            cwd=BACKEND_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )

        assert run.returncode == 0, run.stderr
        assert "afterresume-test-media-" in run.stdout
        assert os.listdir(outer) == []
