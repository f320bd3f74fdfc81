"""What a kind of job is (docs/jobs.md): how its parameters are checked, how much it is estimated
to cost (with the same pricing function the charge uses), the DAG of its own steps and the
function each step runs. The engine adds the costing and the finish to every job's DAG."""

from collections.abc import Callable
from dataclasses import dataclass, field

from afterresume.accounts.models import User
from afterresume.jobs.dag import Node
from afterresume.jobs.models import Job, JobStep
from afterresume.tenants.models import Tenant


@dataclass
class StepContext:
    """What a step function gets: its job, its step row, and the means to name its LLM calls."""

    job: Job
    step: JobStep

    @property
    def job_reference(self) -> str:
        return job_reference(self.job.pk)

    def usage_key(self, call: int = 0) -> str:
        """The idempotency key of this step's `call`-th LLM call: the same on every attempt, so
        that a step run twice records its usage once."""
        return f"job:{self.job.pk}:{self.step.name}:{call}"

    def result_of(self, name: str) -> dict:
        """What an earlier step of this job stored."""
        return JobStep.objects.get(job=self.job, name=name).result


def chunk_of(ids: list[int], number: int, chunks: int) -> list[int]:
    """The `number`-th of `chunks` nearly equal consecutive slices of `ids` (a group's share)."""
    size = -(-len(ids) // chunks)
    return ids[number * size : (number + 1) * size]


def job_reference(job_id: int) -> str:
    """How a job is named on its hold and usage events (billing knows no jobs)."""
    return f"job:{job_id}"


@dataclass(frozen=True)
class JobDefinition:
    kind: str
    # (tenant, author, params) -> the cleaned params; raises ValidationError for bad ones.
    clean_params: Callable[[Tenant, User, dict], dict]
    # (tenant, author, params) -> the estimate in micro-dollars (the pricing function, rate card in
    # force).
    estimate: Callable[[Tenant, User, dict], int]
    work: Node
    steps: dict[str, Callable[[StepContext], dict]] = field(default_factory=dict)
    # Called by the finish step with the ended job, whatever its end (e.g. a report marked failed).
    on_finish: Callable[[Job], None] | None = None
    # A job that calls no model (an import, an export) costs nothing: no hold is placed, so it runs
    # even on an empty reserve, and its DAG has no costing (docs/jobs.md).
    free: bool = False
