"""The `local` provider (the default): deterministic, offline, a plain token count, and one
usage event per call priced with the seeded "standard" card (local: $0.50 / 1M in, $1.50 / 1M out)."""

import pytest
from django.db import transaction

from afterresume.billing.models import UsageEvent
from afterresume.llm import complete
from afterresume.llm.local import local_answer
from afterresume.llm.tokens import count_tokens

ENTRY = (
    "I  was on the team.   Migrated 14 services to Kubernetes, cutting deploy time from 40 to 6 minutes. "
    "It was fine. Led the on-call rotation redesign that reduced pages by 70% across three teams!"
)


def test_the_token_count_is_words_and_punctuation():
    assert count_tokens("Cut costs by 30%, twice.") == 8  # Cut costs by 30 % , twice .
    assert count_tokens("  ") == 0
    assert count_tokens("don't") == 3  # don ' t


def test_the_local_answer_keeps_the_most_informative_sentences_in_order_within_the_budget():
    answer = local_answer(ENTRY, max_tokens=40)

    assert answer == (
        "Migrated 14 services to Kubernetes, cutting deploy time from 40 to 6 minutes. "
        "Led the on-call rotation redesign that reduced pages by 70% across three teams!"
    )
    assert count_tokens(answer) <= 40
    assert local_answer(ENTRY, max_tokens=40) == answer  # the same input, the same answer


def test_the_local_answer_normalises_whitespace_and_cuts_one_long_sentence_at_the_budget():
    assert local_answer("  Shipped   the\n billing   page. ", max_tokens=100) == "Shipped the billing page."
    assert local_answer("Shipped the new billing page today.", max_tokens=3) == "Shipped the new"


def test_complete_answers_locally_and_records_one_priced_usage_event(owner, settings):
    settings.LLM_PROVIDER = "local"
    tenant = owner.membership.tenant

    first = complete(tenant=tenant, purpose="test", prompt=ENTRY, usage_key="job-1:step-1", max_tokens=40)
    again = complete(tenant=tenant, purpose="test", prompt=ENTRY, usage_key="job-1:step-1", max_tokens=40)

    assert (again.text, again.tokens_in, again.tokens_out) == (first.text, first.tokens_in, first.tokens_out)
    assert (first.model, first.tokens_in, first.tokens_out) == ("local", 42, 32)
    assert first.usage_counted_locally is True
    event = UsageEvent.objects.get()
    assert (event.tenant, event.idempotency_key, event.model) == (tenant, "job-1:step-1", "local")
    assert (event.tokens_in, event.tokens_out) == (first.tokens_in, first.tokens_out)
    # 42 tokens in at $0.50 / 1M and 32 out at $1.50 / 1M: 21 + 48 µ$
    assert event.cost_micros == 69


def test_complete_takes_chat_messages_and_answers_from_the_last_user_message(owner):
    messages = [
        {"role": "system", "content": "Rewrite for impact."},
        {"role": "user", "content": "Fixed a bug. Migrated 14 services to Kubernetes."},
    ]

    result = complete(
        tenant=owner.membership.tenant, purpose="test", messages=messages, usage_key="k", max_tokens=8
    )

    assert result.text == "Migrated 14 services to Kubernetes."
    assert result.tokens_in == 4 + 10


def test_the_usage_event_rolls_back_with_the_callers_transaction(owner):
    with pytest.raises(RuntimeError), transaction.atomic():
        complete(tenant=owner.membership.tenant, purpose="test", prompt="Hello.", usage_key="k")
        raise RuntimeError("the step's result could not be saved")

    assert not UsageEvent.objects.exists()


def test_complete_takes_messages_or_a_prompt_not_both(owner):
    with pytest.raises(TypeError):
        complete(tenant=owner.membership.tenant, purpose="test", prompt="a", messages=[], usage_key="k")
    with pytest.raises(TypeError):
        complete(tenant=owner.membership.tenant, purpose="test", usage_key="k")


def test_the_impact_rewrite_leads_with_the_sentences_that_state_figures_and_adds_nothing():
    answer = local_answer(ENTRY, max_tokens=200, task="impact")

    # the two sentences with figures, the filler ("I was on the team.", "It was fine.") left out
    assert answer == (
        "Migrated 14 services to Kubernetes, cutting deploy time from 40 to 6 minutes. "
        "Led the on-call rotation redesign that reduced pages by 70% across three teams!"
    )
    reordered = local_answer(
        "Wrote the runbook for billing incidents. Cut p95 latency from 900 to 200 ms.",
        max_tokens=200,
        task="impact",
    )
    assert reordered == "Cut p95 latency from 900 to 200 ms. Wrote the runbook for billing incidents."


def test_asked_for_skills_the_local_provider_names_the_taxonomy_skills_of_the_text():
    assert local_answer(ENTRY, max_tokens=50, task="skills") == "Kubernetes, On-call"
    with pytest.raises(ValueError, match="cannot do 'poetry'"):
        local_answer(ENTRY, max_tokens=50, task="poetry")
