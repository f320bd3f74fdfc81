"""The backend's part of the run command's set-up (`./dev up`, scripts/up.py), in one process:
Django starts once for all the steps instead of once per step. Applies migrations (nothing to do
costs ~0.1 s), makes sure the operator account exists, prints the invite passkey (the one printed
before, while it is still valid and unused) and queues the worker's first ping."""

import os
import sys
from pathlib import Path

BACKEND_DIR = Path(__file__).resolve().parents[1]


def main() -> int:
    sys.path.insert(0, str(BACKEND_DIR))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import CommandError, call_command

    try:
        call_command("migrate", interactive=False, verbosity=0)
        call_command("createadmin")
        call_command(
            "create_passkey",
            note="printed by ./dev up",
            keep_in=str(settings.RUN_DIR / "secrets" / "invite-passkey"),
        )
        call_command("ping_worker")
    except CommandError as error:
        print(f"dev up: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
