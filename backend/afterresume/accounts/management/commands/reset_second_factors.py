from django.core.management.base import BaseCommand, CommandError

from afterresume.accounts.models import User
from afterresume.accounts.second_factors import second_factors_reset

NAMES = {"totp": "authenticator app", "recovery_codes": "recovery codes", "webauthn": "security keys"}


class Command(BaseCommand):
    help = (
        "Remove a person's second factors (authenticator app, security keys, recovery codes) after "
        "they lost them and you checked who they are: they sign in with the password alone again."
    )

    def add_arguments(self, parser):
        parser.add_argument("email", help="The person's sign-in e-mail address.")
        parser.add_argument(
            "--reason", required=True, help="Why, for the audit log (e.g. 'lost phone, ticket 123')."
        )

    def handle(self, *args, email: str, reason: str, **options):
        user = User.objects.filter(email__iexact=email.strip()).first()
        if user is None:
            raise CommandError(f"No account with the e-mail address {email}.")
        removed = second_factors_reset(user=user, reason=reason)
        if not removed:
            self.stdout.write(f"{user.email} has no second factor; nothing changed.")
            return
        listed = ", ".join(sorted(f"{NAMES.get(kind, kind)} ({count})" for kind, count in removed.items()))
        self.stdout.write(f"Removed from {user.email}: {listed}. They now sign in with their password alone.")
