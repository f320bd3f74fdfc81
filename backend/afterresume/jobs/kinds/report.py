"""`report.generate` (docs/reports.md): a report over a date range and the timeline's filters.

    select -> chord(group(summarize.0 .. summarize.3), compose) -> render -> store

`select` fixes the entries; each summarize step asks the model for one bullet per entry of its
quarter (one call per entry: the bullet cites exactly that entry); `compose` lays the bullets out
for the report's kind; `render` makes the sanitized HTML; `store` writes the files. A job that
fails or is canceled leaves the report `failed` with the reason. The local provider is extractive
(a bullet is the entry's own most informative sentences); the openai prompt forbids anything the
entry does not state."""

from django.conf import settings
from django.core.exceptions import ValidationError

from afterresume import llm
from afterresume.accounts.models import User
from afterresume.jobs.dag import QUEUE_DEFAULT, QUEUE_LLM, Chain, Chord, Group, Step
from afterresume.jobs.definitions import JobDefinition, StepContext, chunk_of
from afterresume.jobs.models import Job, JobKind
from afterresume.llm import complete
from afterresume.llm.local import SUMMARY
from afterresume.reports.compose import Bullet, compose, to_html
from afterresume.reports.models import Report
from afterresume.reports.selectors import report_entries
from afterresume.reports.services import report_compose, report_fail, report_store
from afterresume.tenants.models import Tenant

CHUNKS = 4
BULLET_BUDGET = 60
BULLET_INSTRUCTIONS = (
    "Turn this work log entry into one résumé-style bullet of at most two sentences, leading with "
    "the impact. Use only what the entry states: no number, name, tool or result it does not "
    "mention. Answer with the bullet only."
)


def _report(tenant: Tenant, author: User, report_id) -> Report:
    report = Report.objects.private_to(tenant=tenant, author=author).filter(pk=report_id).first()
    if report is None:
        raise ValidationError({"report_id": "No report of yours has this id."})
    return report


def clean_params(tenant: Tenant, author: User, params: dict) -> dict:
    report_id = params.get("report_id") if isinstance(params, dict) else None
    if isinstance(report_id, bool) or not isinstance(report_id, int):
        raise ValidationError({"report_id": "Give the id of the report to write."})
    if _report(tenant, author, report_id).status != Report.Status.PENDING:
        raise ValidationError({"report_id": "This report has been written already: create a new one."})
    return {"report_id": report_id}


def estimate(tenant: Tenant, author: User, params: dict) -> int:
    return report_estimate(report=_report(tenant, author, params["report_id"]))


def report_estimate(*, report: Report) -> int:
    """What writing `report` (saved or not yet) would hold: one call per entry at its budget."""
    contents = report_entries(report=report).values_list("content", flat=True)
    calls = [(BULLET_INSTRUCTIONS, content) for content in contents]
    return llm.estimate(tenant=report.tenant, calls=calls, max_tokens=BULLET_BUDGET)


def _job_report(context: StepContext) -> Report:
    return _report(context.job.tenant, context.job.author, context.job.params["report_id"])


def select(context: StepContext) -> dict:
    return {"entry_ids": list(report_entries(report=_job_report(context)).values_list("id", flat=True))}


def summarize(context: StepContext) -> dict:
    number = int(context.step.name.rsplit(".", 1)[1])
    mine = chunk_of(context.result_of("select")["entry_ids"], number, CHUNKS)
    bullets = {}
    for entry in report_entries(report=_job_report(context)).filter(pk__in=mine):
        answer = complete(
            tenant=context.job.tenant,
            purpose=JobKind.REPORT_GENERATE,
            usage_key=context.usage_key(entry.pk),
            job_reference=context.job_reference,
            messages=[
                {"role": "system", "content": BULLET_INSTRUCTIONS},
                {"role": "user", "content": entry.content},
            ],
            max_tokens=BULLET_BUDGET,
            local_task=SUMMARY,
        )
        text = " ".join(answer.text.split()).lstrip("-*• ")
        if text:
            bullets[str(entry.pk)] = text
    return {"bullets": bullets}


def compose_step(context: StepContext) -> dict:
    report = _job_report(context)
    texts: dict[str, str] = {}
    for number in range(CHUNKS):
        texts.update(context.result_of(f"summarize.{number}")["bullets"])
    entries = report_entries(report=report).filter(pk__in=[int(key) for key in texts])
    bullets = [Bullet(entry.pk, entry.date, entry.project, texts[str(entry.pk)]) for entry in entries]
    base = settings.FRONTEND_URL
    text, citations, outline = compose(
        kind=report.kind,
        title=report.title,
        bullets=bullets,
        entry_url=lambda entry_id: f"{base}/entries/{entry_id}/",
    )
    report_compose(report=report, text=text, citations=citations, outline=outline)
    return {"bullets": len(bullets)}


def render(context: StepContext) -> dict:
    report = _job_report(context)
    return {"html_bytes": len(to_html(title=report.title, text=report.markdown).encode())}


def store(context: StepContext) -> dict:
    report = report_store(report=_job_report(context))
    return {"artifacts": sorted(report.artifacts.values_list("format", flat=True))}


def on_finish(job: Job) -> None:
    if job.status != Job.Status.SUCCEEDED:
        report_fail(report_id=job.params["report_id"], error=job.error or f"The job was {job.status}.")


REPORT_GENERATE = JobDefinition(
    kind=JobKind.REPORT_GENERATE,
    clean_params=clean_params,
    estimate=estimate,
    work=Chain(
        (
            Step("select", QUEUE_DEFAULT),
            Chord(
                header=Group(tuple(Step(f"summarize.{n}", QUEUE_LLM) for n in range(CHUNKS))),
                body=Step("compose", QUEUE_DEFAULT),
            ),
            Step("render", QUEUE_DEFAULT),
            Step("store", QUEUE_DEFAULT),
        )
    ),
    steps={
        "select": select,
        **{f"summarize.{n}": summarize for n in range(CHUNKS)},
        "compose": compose_step,
        "render": render,
        "store": store,
    },
    on_finish=on_finish,
)
