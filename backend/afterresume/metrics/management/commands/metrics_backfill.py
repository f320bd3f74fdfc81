"""Computes metrics.compute again for a range of days (docs/metrics.md), on the workers or here."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from afterresume.metrics.services import MetricsRunConflict, metrics_backfill


class Command(BaseCommand):
    help = (
        "Compute the metric snapshots of every day from --from to --to again (each day's rows are replaced)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--from", dest="date_from", required=True, type=date.fromisoformat, help="YYYY-MM-DD"
        )
        parser.add_argument("--to", dest="date_to", required=True, type=date.fromisoformat, help="YYYY-MM-DD")
        parser.add_argument(
            "--here",
            action="store_true",
            help="Compute in this process and wait, instead of sending the runs to the workers.",
        )

    def handle(self, *args, date_from, date_to, here, **options):
        try:
            runs = metrics_backfill(date_from=date_from, date_to=date_to, here=here)
        except (ValueError, MetricsRunConflict) as error:
            raise CommandError(str(error)) from error
        for run in runs:
            outcome = run.status if here else "sent to the workers"
            self.stdout.write(f"{run.day}: run {run.pk} {outcome}{': ' + run.error if run.error else ''}")
