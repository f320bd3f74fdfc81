"""The `openai` provider against a local HTTP server speaking the chat-completions format (never
a patched SDK): answers with and without `usage`, 429 with Retry-After, 500, 401, a slow answer."""

import json
import socket
import time
from datetime import timedelta

import pytest
from django.utils import timezone
from werkzeug import Response

from afterresume.billing.models import UsageEvent
from afterresume.billing.pricing.rate_cards import rate_card_version_create
from afterresume.billing.pricing.rates import price_usage
from afterresume.llm import PermanentLLMError, TransientLLMError, complete
from afterresume.llm.tokens import count_tokens

MODEL = "gpt-test"
PROMPT = "Rewrite: migrated 14 services to Kubernetes."
REWRITE = "Cut deploy time 85% by moving 14 services to Kubernetes."


def chat_answer(*, usage: bool = True) -> dict:
    answer = {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 1_800_000_000,
        "model": MODEL,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": REWRITE},
                "finish_reason": "stop",
            }
        ],
    }
    if usage:
        answer["usage"] = {"prompt_tokens": 1200, "completion_tokens": 345, "total_tokens": 1545}
    return answer


def error_answer(status: int, message: str, headers: dict | None = None) -> Response:
    body = {"error": {"message": message, "type": "error", "code": None}}
    return Response(json.dumps(body), status=status, headers=headers, content_type="application/json")


@pytest.fixture
def openai_server(httpserver, settings, owner):
    """The provider pointed at the local server, and the plan's prices for its model."""
    settings.LLM_PROVIDER = "openai"
    settings.LLM_BASE_URL = httpserver.url_for("/v1")
    settings.LLM_API_KEY = "sk-test"
    settings.LLM_MODEL = MODEL
    settings.LLM_TIMEOUT_SECONDS = 1.0
    rate_card_version_create(
        plan=owner.membership.tenant.plan,
        effective_from=timezone.now() - timedelta(seconds=30),
        items=[
            {"meter": "tokens_in", "model": MODEL, "price_micros": 2_500_000},
            {"meter": "tokens_out", "model": MODEL, "price_micros": 10_000_000},
        ],
    )
    return httpserver


def ask(owner, key: str = "job-1:step-1"):
    return complete(tenant=owner.membership.tenant, purpose="test", prompt=PROMPT, usage_key=key)


def test_an_answer_with_usage_records_its_tokens_priced_with_the_rate_card_in_force(openai_server, owner):
    openai_server.expect_request(
        "/v1/chat/completions", method="POST", headers={"Authorization": "Bearer sk-test"}
    ).respond_with_json(chat_answer())

    result = ask(owner)

    assert (result.text, result.model) == (REWRITE, MODEL)
    assert (result.tokens_in, result.tokens_out, result.usage_counted_locally) == (1200, 345, False)
    sent = json.loads(openai_server.log[0][0].get_data())
    assert (sent["model"], sent["messages"]) == (MODEL, [{"role": "user", "content": PROMPT}])
    event = UsageEvent.objects.get()
    assert (event.model, event.tokens_in, event.tokens_out) == (MODEL, 1200, 345)
    assert event.duration_ms == result.duration_ms
    expected = price_usage(
        plan=owner.membership.tenant.plan,
        model=MODEL,
        quantities={"tokens_in": 1200, "tokens_out": 345},
        at=event.occurred_at,
    )
    # 1,200 in at $2.50 / 1M and 345 out at $10 / 1M: 3,000 + 3,450 µ$
    assert event.cost_micros == expected == 6450


def test_the_same_usage_key_records_one_event(openai_server, owner):
    openai_server.expect_request("/v1/chat/completions").respond_with_json(chat_answer())

    ask(owner)
    ask(owner)

    assert UsageEvent.objects.count() == 1


def test_an_answer_without_usage_is_counted_locally_and_says_so(openai_server, owner):
    openai_server.expect_request("/v1/chat/completions").respond_with_json(chat_answer(usage=False))

    result = ask(owner)

    assert result.usage_counted_locally is True
    assert (result.tokens_in, result.tokens_out) == (count_tokens(PROMPT), count_tokens(REWRITE))
    event = UsageEvent.objects.get()
    assert (event.tokens_in, event.tokens_out) == (8, 12)


def test_429_is_transient_and_carries_the_retry_after_delay(openai_server, owner):
    openai_server.expect_request("/v1/chat/completions").respond_with_response(
        error_answer(429, "Rate limit reached", {"Retry-After": "7"})
    )

    with pytest.raises(TransientLLMError) as raised:
        ask(owner)

    assert raised.value.retry_after == 7.0
    assert "rate limiting (429) (retry after 7 s)" in str(raised.value)
    assert len(openai_server.log) == 1  # one attempt: retrying is the job engine's business
    assert not UsageEvent.objects.exists()


def test_500_is_transient(openai_server, owner):
    openai_server.expect_request("/v1/chat/completions").respond_with_response(
        error_answer(500, "The server had an error")
    )

    with pytest.raises(TransientLLMError) as raised:
        ask(owner)

    assert raised.value.retry_after is None
    assert "failed (500): The server had an error" in str(raised.value)
    assert len(openai_server.log) == 1
    assert not UsageEvent.objects.exists()


def test_401_is_permanent_with_a_clear_message_and_records_nothing(openai_server, owner):
    openai_server.expect_request("/v1/chat/completions").respond_with_response(
        error_answer(401, "Incorrect API key provided")
    )

    with pytest.raises(PermanentLLMError) as raised:
        ask(owner)

    assert str(raised.value) == (
        f"The LLM server at {openai_server.url_for('/v1')} refused the API key (401): check LLM_API_KEY."
    )
    assert not UsageEvent.objects.exists()


@pytest.mark.parametrize(
    ("status", "reason"),
    [
        (400, "refused the request as malformed (400): max_tokens is too large"),
        (403, "denied access with this API key (403): check the key's permissions"),
    ],
)
def test_400_and_403_are_permanent_and_say_why(openai_server, owner, status, reason):
    openai_server.expect_request("/v1/chat/completions").respond_with_response(
        error_answer(status, "max_tokens is too large")
    )

    with pytest.raises(PermanentLLMError) as raised:
        ask(owner)

    assert str(raised.value) == f"The LLM server at {openai_server.url_for('/v1')} {reason}."
    assert not UsageEvent.objects.exists()


def test_a_server_that_cannot_be_reached_is_transient(openai_server, owner, settings):
    with socket.socket() as probe:  # a port nothing listens on once it is closed
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.LLM_BASE_URL = f"http://127.0.0.1:{port}/v1"

    with pytest.raises(TransientLLMError, match="could not be reached"):
        ask(owner)

    assert not UsageEvent.objects.exists()


def test_an_unknown_model_is_permanent_and_names_the_model(openai_server, owner):
    openai_server.expect_request("/v1/chat/completions").respond_with_response(
        error_answer(404, "The model does not exist")
    )

    with pytest.raises(PermanentLLMError, match="does not know the model 'gpt-test'"):
        ask(owner)


def test_an_answer_slower_than_the_timeout_is_transient(openai_server, owner, settings):
    settings.LLM_TIMEOUT_SECONDS = 0.3

    def slow(request):
        time.sleep(1.0)
        return Response(json.dumps(chat_answer()), content_type="application/json")

    openai_server.expect_request("/v1/chat/completions").respond_with_handler(slow)

    with pytest.raises(TransientLLMError, match=r"did not answer within 0\.3 s"):
        ask(owner)

    assert not UsageEvent.objects.exists()
