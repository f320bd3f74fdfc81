"""Development secrets made once per installation, never a constant anyone could compute: random,
kept in <run folder>/secrets/ (git-ignored, readable by its owner only) and read by every process
of the installation (web, worker, beat, management commands). Production sets its own."""

import os
import secrets
from pathlib import Path


def local_secret(run_dir: Path, name: str, *, prefix: str = "") -> str:
    """This installation's secret `name`, made on first use."""
    folder = run_dir / "secrets"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    kept = folder / name
    if not kept.exists():
        # Written aside, then linked into place: of two processes starting at once, one wins and
        # both read its value.
        aside = folder / f".{name}.{os.getpid()}"
        descriptor = os.open(aside, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as file:
            file.write(prefix + secrets.token_urlsafe(48) + "\n")
        try:
            os.link(aside, kept)
        except FileExistsError:
            pass
        finally:
            aside.unlink()
    return kept.read_text().strip()
