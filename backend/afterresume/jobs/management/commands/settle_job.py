"""Settle a stuck job by hand (ADMIN_GUIDE_RUNBOOK.md, "A stuck or failed job"): a job whose
messages were lost (a broker wiped, the embedded broker's worker killed) never reaches its costing.
This ends it as failed (when it has not ended), then runs its costing and finish steps here, in
this process, through the engine: what it used is captured once, the rest of its hold released.
Safe to run twice, and safe while a worker still runs it (every step runs once in effect)."""

from django.core.management.base import BaseCommand, CommandError

from afterresume.jobs.engine import COST_CHUNKS, job_settle_by_hand
from afterresume.jobs.models import Job


class Command(BaseCommand):
    help = "Fail a stuck job (if it has not ended) and settle its hold with what it really used."

    def add_arguments(self, parser):
        parser.add_argument("job_id", type=int)
        parser.add_argument("--reason", default="Stopped by an operator: its work was lost.")

    def handle(self, *args, job_id: int, reason: str, **options):
        job = Job.objects.filter(pk=job_id).first()
        if job is None:
            raise CommandError(f"There is no job {job_id}.")
        job = job_settle_by_hand(job=job, reason=reason)
        self.stdout.write(
            f"job {job.pk} ({job.kind}) is {job.status}; charged {job.actual_cost_micros} micro-dollars "
            f"for its usage, summed in {COST_CHUNKS} chunks; hold {job.hold.status if job.hold else 'none'}."
        )
