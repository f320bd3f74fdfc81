"""The `openai` provider: any OpenAI-compatible chat-completions server (OpenAI, OpenRouter, vLLM,
Ollama) through the official `openai` package. One attempt per call (max_retries=0): retrying is
the job engine's business; the SDK's errors become TransientLLMError or PermanentLLMError."""

from dataclasses import dataclass

import openai
from django.conf import settings

from afterresume.llm.errors import PermanentLLMError, TransientLLMError
from afterresume.llm.tokens import count_tokens

# Statuses worth another attempt besides 5xx: request timeout, conflict, rate limit.
TRANSIENT_STATUSES = {408, 409, 429}


@dataclass(frozen=True)
class RemoteAnswer:
    text: str
    tokens_in: int
    tokens_out: int
    usage_counted_locally: bool


def retry_after_seconds(response) -> float | None:
    value = response.headers.get("retry-after")
    try:
        return max(float(value), 0.0) if value is not None else None
    except ValueError:  # an HTTP date: the caller's own back-off decides
        return None


def remote_answer(*, messages: list[dict], model: str, max_tokens: int) -> RemoteAnswer:
    where = settings.LLM_BASE_URL or "api.openai.com"
    client = openai.OpenAI(
        base_url=settings.LLM_BASE_URL or None,
        # Servers without keys (Ollama, vLLM) accept any; the SDK insists on one.
        api_key=settings.LLM_API_KEY or "no-key",
        timeout=settings.LLM_TIMEOUT_SECONDS,
        max_retries=0,
    )
    try:
        with client:
            answer = client.chat.completions.create(model=model, messages=messages, max_tokens=max_tokens)
    except openai.APITimeoutError as error:
        raise TransientLLMError(
            f"The LLM server at {where} did not answer within {settings.LLM_TIMEOUT_SECONDS} s."
        ) from error
    except openai.APIConnectionError as error:
        raise TransientLLMError(f"The LLM server at {where} could not be reached: {error}") from error
    except openai.APIStatusError as error:
        raise status_error(error, where=where, model=model) from error
    text = (answer.choices[0].message.content or "") if answer.choices else ""
    if answer.usage is None:
        prompt = "\n".join(str(message.get("content", "")) for message in messages)
        return RemoteAnswer(text, count_tokens(prompt), count_tokens(text), usage_counted_locally=True)
    return RemoteAnswer(
        text, answer.usage.prompt_tokens, answer.usage.completion_tokens, usage_counted_locally=False
    )


def server_message(error: openai.APIStatusError) -> str:
    """The server's own words: the error object's message when it sent one."""
    body = error.body
    if isinstance(body, dict) and isinstance(body.get("message"), str):
        return body["message"]
    return error.message


def status_error(error: openai.APIStatusError, *, where: str, model: str) -> Exception:
    status = error.status_code
    message = server_message(error)
    if status == 429:
        delay = retry_after_seconds(error.response)
        after = f" (retry after {delay:g} s)" if delay is not None else ""
        return TransientLLMError(
            f"The LLM server at {where} is rate limiting (429){after}.", retry_after=delay
        )
    if status >= 500 or status in TRANSIENT_STATUSES:
        return TransientLLMError(f"The LLM server at {where} failed ({status}): {message}")
    reasons = {
        400: f"refused the request as malformed (400): {message}",
        401: "refused the API key (401): check LLM_API_KEY",
        403: "denied access with this API key (403): check the key's permissions",
        404: f"does not know the model {model!r} or the address (404): check LLM_MODEL and LLM_BASE_URL",
    }
    reason = reasons.get(status, f"refused the request ({status}): {message}")
    return PermanentLLMError(f"The LLM server at {where} {reason}.")
