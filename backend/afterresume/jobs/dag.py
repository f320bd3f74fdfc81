"""A job's DAG, declared in code and compiled to Celery canvas (docs/jobs.md): `Step` is one node
(one task message naming the job and the step: ids only), `Chain` runs its parts one after another,
`Group` side by side, `Chord` runs a group and then one step with all of it done. Celery runs the
graph; nothing here schedules or polls."""

from dataclasses import dataclass, field

from celery import chain, chord, group, signature
from celery.canvas import Signature

# The one task that runs every step (jobs.tasks.run_step), named so that this module needs no
# import of the engine.
RUN_STEP_TASK = "afterresume.jobs.tasks.run_step"

# Queues (docs/jobs.md): an operator runs more workers where the load is.
QUEUE_LLM = "llm"
QUEUE_BILLING = "billing"
QUEUE_DEFAULT = "celery"
QUEUES = (QUEUE_DEFAULT, QUEUE_LLM, QUEUE_BILLING)


@dataclass(frozen=True)
class Step:
    name: str
    queue: str = QUEUE_DEFAULT
    # Runs even when the job has failed or was canceled (the costing that settles its hold).
    always: bool = False


@dataclass(frozen=True)
class Chain:
    parts: tuple = field(default_factory=tuple)


@dataclass(frozen=True)
class Group:
    parts: tuple = field(default_factory=tuple)


@dataclass(frozen=True)
class Chord:
    header: Group
    body: Step


Node = Step | Chain | Group | Chord


def compile_dag(node: Node, *, job_id: int) -> Signature:
    """The canvas for `node`. Steps are immutable signatures: a step reads what earlier steps
    stored in the database, never the return value of the task before it."""
    if isinstance(node, Step):
        return signature(RUN_STEP_TASK, args=(job_id, node.name), immutable=True, queue=node.queue)
    if isinstance(node, Chain):
        return chain(*(compile_dag(part, job_id=job_id) for part in node.parts))
    if isinstance(node, Group):
        return group(*(compile_dag(part, job_id=job_id) for part in node.parts))
    if isinstance(node, Chord):
        return chord(
            [compile_dag(part, job_id=job_id) for part in node.header.parts],
            compile_dag(node.body, job_id=job_id),
        )
    raise TypeError(f"Not a DAG node: {node!r}")


def dag_steps(node: Node) -> list[Step]:
    """Every step of the DAG, in declaration order."""
    if isinstance(node, Step):
        return [node]
    if isinstance(node, Chord):
        return [*dag_steps(node.header), node.body]
    return [step for part in node.parts for step in dag_steps(part)]
