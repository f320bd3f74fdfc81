"""`worklog.enhance` (docs/jobs.md): an impact-focused rewrite of one entry and the skills it
shows, proposed beside the original; the entry changes only when its author accepts.

    chord(group(rewrite, skills), propose)

Two LLM calls side by side, then the proposal. The estimate prices both calls at their token
budgets with the rate card in force: the charge can only be lower (the local provider answers
within its budget; a remote server's own token count may differ, which the capture records as an
overrun)."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from afterresume import llm
from afterresume.accounts.models import User
from afterresume.core.exceptions import DomainError
from afterresume.jobs.dag import QUEUE_DEFAULT, QUEUE_LLM, Chord, Group, Step
from afterresume.jobs.definitions import JobDefinition, StepContext
from afterresume.jobs.models import Job, JobKind
from afterresume.jobs.services import job_result_set
from afterresume.llm import complete
from afterresume.llm.local import IMPACT, SKILLS
from afterresume.llm.tokens import count_tokens
from afterresume.tenants.models import Tenant
from afterresume.worklogs.models import WorkLog
from afterresume.worklogs.selectors import worklog_get
from afterresume.worklogs.services import worklog_revise

MAX_SKILLS = 10
REWRITE_INSTRUCTIONS = (
    "Rewrite this work log entry so that it leads with the impact of the work: what changed, for "
    "whom, by how much. Use only facts stated in the entry; never invent numbers, names or results. "
    "Answer with the rewritten entry only, in the same language."
)
SKILLS_INSTRUCTIONS = (
    "List the professional skills this work log entry shows, as canonical names (e.g. Kubernetes, "
    "PostgreSQL, Incident response), comma-separated on one line, at most ten. Only skills the "
    "entry itself shows; answer with the list only."
)


def rewrite_budget(content: str) -> int:
    """Tokens the rewrite may use: room to say the same again, and more."""
    return min(2 * count_tokens(content) + 50, 1000)


SKILLS_BUDGET = 80


def _messages(instructions: str, content: str) -> list[dict]:
    return [{"role": "system", "content": instructions}, {"role": "user", "content": content}]


def _entry(tenant: Tenant, author: User, worklog_id) -> WorkLog:
    entry = worklog_get(tenant=tenant, author=author, worklog_id=worklog_id)
    if entry is None:
        raise ValidationError({"worklog_id": "No entry of yours has this id."})
    return entry


def clean_params(tenant: Tenant, author: User, params: dict) -> dict:
    worklog_id = params.get("worklog_id") if isinstance(params, dict) else None
    if isinstance(worklog_id, bool) or not isinstance(worklog_id, int) or worklog_id < 1:
        raise ValidationError({"worklog_id": "Give the id of the entry to enhance (a positive integer)."})
    _entry(tenant, author, worklog_id)
    return {"worklog_id": worklog_id}


def estimate(tenant: Tenant, author: User, params: dict) -> int:
    content = _entry(tenant, author, params["worklog_id"]).content
    return llm.estimate(
        tenant=tenant, calls=[(REWRITE_INSTRUCTIONS, content)], max_tokens=rewrite_budget(content)
    ) + llm.estimate(tenant=tenant, calls=[(SKILLS_INSTRUCTIONS, content)], max_tokens=SKILLS_BUDGET)


def _job_entry(context: StepContext) -> WorkLog:
    try:
        return _entry(context.job.tenant, context.job.author, context.job.params["worklog_id"])
    except ValidationError as error:
        raise ValidationError("The entry was deleted: there is nothing to enhance.") from error


def rewrite(context: StepContext) -> dict:
    entry = _job_entry(context)
    answer = complete(
        tenant=context.job.tenant,
        purpose=JobKind.WORKLOG_ENHANCE,
        usage_key=context.usage_key(),
        job_reference=context.job_reference,
        messages=_messages(REWRITE_INSTRUCTIONS, entry.content),
        max_tokens=rewrite_budget(entry.content),
        local_task=IMPACT,
    )
    return {"original": entry.content, "content": answer.text.strip()}


def parse_skills(text: str) -> list[str]:
    """The model's comma-separated list: trimmed, de-duplicated (case aside), at most ten."""
    names: list[str] = []
    for part in text.replace("\n", ",").split(","):
        name = " ".join(part.strip(" -*•.").split())[:50]
        if name and name.lower() not in {known.lower() for known in names}:
            names.append(name)
    return names[:MAX_SKILLS]


def skills(context: StepContext) -> dict:
    entry = _job_entry(context)
    answer = complete(
        tenant=context.job.tenant,
        purpose=JobKind.WORKLOG_ENHANCE,
        usage_key=context.usage_key(),
        job_reference=context.job_reference,
        messages=_messages(SKILLS_INSTRUCTIONS, entry.content),
        max_tokens=SKILLS_BUDGET,
        local_task=SKILLS,
    )
    return {"skills": parse_skills(answer.text)}


def propose(context: StepContext) -> dict:
    rewritten = context.result_of("rewrite")
    if not rewritten.get("content"):
        raise ValidationError("The model answered with no text: there is nothing to propose.")
    proposal = {
        "worklog_id": context.job.params["worklog_id"],
        "original": rewritten["original"],
        "content": rewritten["content"],
        "skills": context.result_of("skills")["skills"],
        "decision": None,
        "decided_at": None,
    }
    job_result_set(job=context.job, result=proposal)
    return {"proposed": True}


class ProposalConflict(DomainError):
    status_code = 409


@transaction.atomic
def proposal_decide(*, job: Job, accept: bool) -> Job:
    """The author's answer to an enhancement: accepted, the entry takes the proposed text (the old
    one goes to its history) and the suggested skills as tags; rejected, nothing changes. Decided
    once. Raises ProposalConflict when there is no proposal to decide, WorkLogChanged when the entry
    was edited since the proposal was made."""
    job = Job.objects.select_for_update().get(pk=job.pk)
    proposal = job.result
    if job.kind != JobKind.WORKLOG_ENHANCE or job.status != Job.Status.SUCCEEDED or "content" not in proposal:
        raise ProposalConflict("This job has no proposal to accept or reject.")
    if proposal.get("decision"):
        raise ProposalConflict(f"This proposal was {proposal['decision']} already.")
    if accept:
        entry = worklog_get(tenant=job.tenant, author=job.author, worklog_id=proposal["worklog_id"])
        if entry is None:
            raise ProposalConflict("The entry was deleted: there is nothing to change.")
        worklog_revise(
            entry=entry,
            expected_content=proposal["original"],
            content=proposal["content"],
            add_tags=proposal["skills"],
            reason=f"enhancement accepted (job {job.pk})",
        )
    return job_result_set(
        job=job,
        result={
            **proposal,
            "decision": "accepted" if accept else "rejected",
            "decided_at": timezone.now().isoformat(),
        },
    )


ENHANCE = JobDefinition(
    kind=JobKind.WORKLOG_ENHANCE,
    clean_params=clean_params,
    estimate=estimate,
    work=Chord(
        header=Group((Step("rewrite", QUEUE_LLM), Step("skills", QUEUE_LLM))),
        body=Step("propose", QUEUE_DEFAULT),
    ),
    steps={"rewrite": rewrite, "skills": skills, "propose": propose},
)
