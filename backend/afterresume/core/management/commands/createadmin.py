import os

from django.core.management.base import BaseCommand, CommandError

from afterresume.accounts.services import generate_password, operator_create_or_update


class Command(BaseCommand):
    help = (
        "Create the operator account (staff) if it does not exist. The password comes from "
        "--password, else from ADMIN_PASSWORD, else it is random and printed once. There is no "
        "fixed default."
    )

    def add_arguments(self, parser):
        parser.add_argument("--email", default=os.environ.get("ADMIN_EMAIL", "admin@afterresume.local"))
        parser.add_argument("--password", default=None, help="Defaults to ADMIN_PASSWORD if set.")
        parser.add_argument(
            "--reset", action="store_true", help="Give an existing operator a new random password."
        )

    def handle(self, *args, email, password, reset, **options):
        password = password or os.environ.get("ADMIN_PASSWORD") or None
        if password is not None and len(password) < 12:
            raise CommandError("The admin password must be at least 12 characters long.")
        if reset and not password:
            password = generate_password()
            user, _, created = operator_create_or_update(email=email, password=password)
            shown = password
        else:
            user, shown, created = operator_create_or_update(email=email, password=password)

        self.stdout.write(f"  Admin login:    {user.email}")
        if shown:
            self.stdout.write(f"  Admin password: {shown}   (shown once: store it now)")
        elif created or password:
            self.stdout.write("  Admin password: the one you set (ADMIN_PASSWORD / --password)")
        else:
            self.stdout.write(
                "  Admin password: unchanged (shown at first start; `./dev createadmin -- --reset` makes a new one)"
            )
