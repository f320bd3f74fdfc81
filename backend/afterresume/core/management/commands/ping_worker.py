from django.core.management.base import BaseCommand, CommandError

from afterresume.core.tasks import ping


class Command(BaseCommand):
    help = "Queue the demo `ping` task; with --wait, wait for a worker to answer it."

    def add_arguments(self, parser):
        parser.add_argument("--wait", type=float, default=0, help="Seconds to wait for the answer.")

    def handle(self, *args, wait, **options):
        result = ping.delay()
        if not wait:
            self.stdout.write(f"ping queued ({result.id})")
            return
        try:
            answer = result.get(timeout=wait)
        except Exception as error:
            raise CommandError(f"no worker answered within {wait:g} s ({type(error).__name__})") from error
        self.stdout.write(f"pong from {answer['hostname']} at {answer['at']}")
