"""`complete(...)`: ask the configured provider, then record the call's usage once."""

import logging
import time
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from afterresume.billing.pricing.rates import price_usage
from afterresume.billing.pricing.usage import usage_record
from afterresume.llm import local, remote
from afterresume.llm.tokens import count_tokens

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Completion:
    text: str
    tokens_in: int
    tokens_out: int
    model: str
    duration_ms: int
    # True when the server's answer had no `usage` and the tokens are our plain count (tokens.py).
    usage_counted_locally: bool


def complete(
    *,
    tenant,
    purpose: str,
    usage_key: str,
    messages: list[dict] | None = None,
    prompt: str | None = None,
    max_tokens: int = 512,
    model: str | None = None,
    job_reference: str = "",
    local_task: str = local.SUMMARY,
) -> Completion:
    """One LLM call for `tenant` (give `messages` in the chat format, or a `prompt` sent as one user
    message). Exactly one UsageEvent is recorded per `usage_key` (the job and step: calling again
    with the same key records nothing new), priced with the rate card in force, in the caller's
    transaction when there is one. A failed call raises TransientLLMError or PermanentLLMError and
    records nothing. `purpose` names the feature asking, for the log; `job_reference` the job the
    usage belongs to (billing.cost_usage sums a job's usage by it). `local_task` is what the
    offline provider does in the model's place: an extractive summary, or the taxonomy's skills
    as one comma-separated line."""
    if (messages is None) == (prompt is None):
        raise TypeError("complete() takes either messages or prompt.")
    if messages is None:
        messages = [{"role": "user", "content": prompt}]
    started = time.monotonic()
    if settings.LLM_PROVIDER == "openai":
        model = model or settings.LLM_MODEL
        answer = remote.remote_answer(messages=messages, model=model, max_tokens=max_tokens)
        text, tokens_in, tokens_out = answer.text, answer.tokens_in, answer.tokens_out
        counted_locally = answer.usage_counted_locally
    else:
        model = local.MODEL
        user_text = next((m["content"] for m in reversed(messages) if m.get("role") == "user"), "")
        text = local.local_answer(user_text, max_tokens=max_tokens, task=local_task)
        tokens_in = sum(count_tokens(str(message.get("content", ""))) for message in messages)
        tokens_out = count_tokens(text)
        counted_locally = True
    duration_ms = round((time.monotonic() - started) * 1000)
    usage_record(
        tenant=tenant,
        model=model,
        tokens_in=tokens_in,
        tokens_out=tokens_out,
        idempotency_key=usage_key,
        duration_ms=duration_ms,
        job_reference=job_reference,
        tokens_counted_locally=counted_locally,
    )
    logger.info(
        "LLM call for %s: %s, %d tokens in, %d out, %d ms", purpose, model, tokens_in, tokens_out, duration_ms
    )
    return Completion(text, tokens_in, tokens_out, model, duration_ms, counted_locally)


def model_in_use() -> str:
    """The model calls go to (and are priced under): LLM_MODEL with `openai`, "local" otherwise."""
    return settings.LLM_MODEL if settings.LLM_PROVIDER == "openai" else local.MODEL


def estimate(*, tenant, calls: list[tuple[str, str]], max_tokens: int) -> int:
    """What `calls` (each an instruction and a text, asked with `max_tokens`) would cost at most,
    with the pricing function the charge uses (the rate card in force, the model in use): the
    plain token count of what is sent, the whole budget for what comes back. 0 for no calls."""
    if not calls:
        return 0
    tokens_in = sum(count_tokens(instructions) + count_tokens(text) for instructions, text in calls)
    return price_usage(
        plan=tenant.plan,
        model=model_in_use(),
        quantities={"tokens_in": tokens_in, "tokens_out": len(calls) * max_tokens},
        at=timezone.now(),
    )
