import os
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from afterresume.billing.money import dollars_to_micros
from afterresume.invites.selectors import passkey_unused_get
from afterresume.invites.services import passkey_create
from afterresume.tenants.models import Tenant


class Command(BaseCommand):
    help = "Create an invite passkey and print its raw key (shown once; only its hash is stored)."

    def add_arguments(self, parser):
        parser.add_argument("--note", default="", help="Who it is for, e.g. 'Ada, design team'.")
        parser.add_argument(
            "--days", type=int, default=settings.INVITE_PASSKEY_DEFAULT_DAYS, help="Days until it expires."
        )
        parser.add_argument("--max-uses", type=int, default=1)
        parser.add_argument(
            "--tenant", type=int, default=None, help="Invite into this existing workspace (id)."
        )
        parser.add_argument(
            "--credit", default="0", help="Starter credit for the new workspace, in USD (e.g. 5)."
        )
        parser.add_argument("--quiet", action="store_true", help="Print only the key.")
        parser.add_argument(
            "--keep-in",
            metavar="FILE",
            default=None,
            help=(
                "Keep the raw key in FILE (readable by its owner only); while that key is valid and "
                "unused, print it again instead of creating another passkey (the run command does this)."
            ),
        )

    def handle(self, *args, note, days, max_uses, tenant, credit, quiet, keep_in, **options):
        kept_in = Path(keep_in) if keep_in else None
        if kept_in is not None:
            kept_key = kept_in.read_text().strip() if kept_in.is_file() else ""
            passkey = passkey_unused_get(raw_key=kept_key)
            if passkey is not None:
                self._print(passkey, kept_key, quiet=quiet, note="not used yet, printed again")
                return
        try:
            credit_micros = dollars_to_micros(credit)
        except ValueError:
            raise CommandError(
                "--credit must be an amount in USD with at most 6 decimal places, e.g. 5 or 2.50."
            ) from None
        if credit_micros < 0:
            raise CommandError("--credit cannot be negative.")
        if days < 1 or max_uses < 1:
            raise CommandError("--days and --max-uses must be at least 1.")
        target = None
        if tenant is not None:
            target = Tenant.objects.filter(pk=tenant).first()
            if target is None:
                raise CommandError(f"There is no workspace with id {tenant}.")
        passkey, raw_key = passkey_create(
            created_by=None,
            note=note or "created from the command line",
            expires_at=timezone.now() + timedelta(days=days),
            max_uses=max_uses,
            target_tenant=target,
            starter_credit_micros=credit_micros,
        )
        if kept_in is not None:
            kept_in.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            descriptor = os.open(kept_in, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(descriptor, "w") as file:
                file.write(raw_key + "\n")
        self._print(
            passkey,
            raw_key,
            quiet=quiet,
            note="shown once" if kept_in is None else "printed at each start until used",
        )

    def _print(self, passkey, raw_key: str, *, quiet: bool, note: str) -> None:
        if quiet:
            self.stdout.write(raw_key)
            return
        self.stdout.write(f"  Invite passkey: {raw_key}")
        self.stdout.write(
            f"                  expires {passkey.expires_at:%Y-%m-%d %H:%M} UTC, {passkey.max_uses} use(s); {note}"
        )
