"""`skills.extract` (docs/skills.md): the skills a person's entries show, linked to those entries.

    select -> chord(group(chunk.0 .. chunk.3), merge)

`select` fixes the entries: those changed since the person's last extraction, up to the moment the
job was started (all of them with `full`). Each chunk asks the model for the skills of a quarter of
them, one call per entry (its usage key names the entry); `merge` records what they found. The
estimate prices one call per selected entry at its token budget with the rate card in force."""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.utils import timezone

from afterresume import llm
from afterresume.accounts.models import User
from afterresume.jobs.dag import QUEUE_DEFAULT, QUEUE_LLM, Chain, Chord, Group, Step
from afterresume.jobs.definitions import JobDefinition, StepContext, chunk_of
from afterresume.jobs.kinds.enhance import SKILLS_BUDGET, SKILLS_INSTRUCTIONS, parse_skills
from afterresume.jobs.models import JobKind
from afterresume.jobs.services import job_result_set
from afterresume.llm import complete
from afterresume.llm.local import SKILLS
from afterresume.skills.selectors import entries_to_extract, extraction_through
from afterresume.skills.services import skills_record_extraction
from afterresume.tenants.models import Tenant

CHUNKS = 4


def clean_params(tenant: Tenant, author: User, params: dict) -> dict:
    full = params.get("full", False) if isinstance(params, dict) else None
    if not isinstance(full, bool):
        raise ValidationError(
            {"full": "full is true (every entry again) or false (only entries changed since)."}
        )
    since = None if full else extraction_through(author=author)
    return {
        "full": full,
        "since": since.isoformat() if since else None,
        "through": timezone.now().isoformat(),
    }


def _window(params: dict) -> tuple[datetime | None, datetime]:
    since = params["since"]
    return (datetime.fromisoformat(since) if since else None), datetime.fromisoformat(params["through"])


def _selected(job) -> list:
    since, through = _window(job.params)
    return list(entries_to_extract(tenant=job.tenant, author=job.author, since=since, through=through))


def estimate(tenant: Tenant, author: User, params: dict) -> int:
    since, through = _window(params)
    entries = entries_to_extract(tenant=tenant, author=author, since=since, through=through)
    calls = [(SKILLS_INSTRUCTIONS, content) for content in entries.values_list("content", flat=True)]
    return llm.estimate(tenant=tenant, calls=calls, max_tokens=SKILLS_BUDGET)


def select(context: StepContext) -> dict:
    return {"entry_ids": [entry.pk for entry in _selected(context.job)]}


def chunk(context: StepContext) -> dict:
    number = int(context.step.name.rsplit(".", 1)[1])
    mine = set(chunk_of(context.result_of("select")["entry_ids"], number, CHUNKS))
    found = {}
    for entry in _selected(context.job):
        if entry.pk not in mine:
            continue
        answer = complete(
            tenant=context.job.tenant,
            purpose=JobKind.SKILLS_EXTRACT,
            usage_key=context.usage_key(entry.pk),
            job_reference=context.job_reference,
            messages=[
                {"role": "system", "content": SKILLS_INSTRUCTIONS},
                {"role": "user", "content": entry.content},
            ],
            max_tokens=SKILLS_BUDGET,
            local_task=SKILLS,
        )
        found[str(entry.pk)] = parse_skills(answer.text)
    return {"found": found}


def merge(context: StepContext) -> dict:
    found: dict[int, list[str]] = {}
    for number in range(CHUNKS):
        found.update(
            {int(key): names for key, names in context.result_of(f"chunk.{number}")["found"].items()}
        )
    _, through = _window(context.job.params)
    outcome = skills_record_extraction(
        tenant=context.job.tenant, author=context.job.author, found=found, through=through
    )
    job_result_set(job=context.job, result=outcome)
    return outcome


SKILLS_EXTRACT = JobDefinition(
    kind=JobKind.SKILLS_EXTRACT,
    clean_params=clean_params,
    estimate=estimate,
    work=Chain(
        (
            Step("select", QUEUE_DEFAULT),
            Chord(
                header=Group(tuple(Step(f"chunk.{n}", QUEUE_LLM) for n in range(CHUNKS))),
                body=Step("merge", QUEUE_DEFAULT),
            ),
        )
    ),
    steps={"select": select, **{f"chunk.{n}": chunk for n in range(CHUNKS)}, "merge": merge},
)
