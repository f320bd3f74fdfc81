"""The `local` provider: deterministic and offline. Its answer is extractive: the most informative
sentences of the last user message (those scoring at least a third of the best one), in their
original order, whitespace normalised, within `max_tokens` (the plain token count). Asked to
rewrite for impact, it keeps the same sentences but leads with those that state figures (what
changed, by how much), the others after them in their order. Asked for skills, it answers the
shipped taxonomy's skills the text mentions, as one comma-separated line. It never adds a word."""

import re

from afterresume.llm.skills import skills_in
from afterresume.llm.tokens import TOKEN, count_tokens

MODEL = "local"
SUMMARY = "summary"
IMPACT = "impact"
SKILLS = "skills"
SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
WORD = re.compile(r"[^\W_]+")
# Words that carry no information of their own; the score counts the others.
STOP_WORDS_TEXT = """a an and are as at be but by for from had has have i in is it its me my of on or our so
that the their then there this to was we were will with you your"""
STOP_WORDS = frozenset(STOP_WORDS_TEXT.split())


def informativeness(sentence: str) -> int:
    """Distinct meaningful words, with a bonus for figures (numbers tell impact)."""
    words = {word.lower() for word in WORD.findall(sentence)}
    meaningful = words - STOP_WORDS
    figures = sum(1 for word in meaningful if any(ch.isdigit() for ch in word))
    return len(meaningful) + 2 * figures


def sentences(text: str) -> list[str]:
    normalised = " ".join(text.split())
    return [part for part in SENTENCE_END.split(normalised) if part]


def truncate(text: str, max_tokens: int) -> str:
    """The text cut after its first `max_tokens` tokens."""
    matches = list(TOKEN.finditer(text))
    if len(matches) <= max_tokens:
        return text
    return text[: matches[max_tokens - 1].end()] if max_tokens > 0 else ""


def has_figure(sentence: str) -> bool:
    return any(ch.isdigit() for ch in sentence)


def local_answer(prompt: str, *, max_tokens: int, task: str = SUMMARY) -> str:
    if task == SKILLS:
        return truncate(", ".join(skills_in(prompt)), max_tokens)
    if task == IMPACT:
        summary = sentences(local_answer(prompt, max_tokens=max_tokens))
        return " ".join([*filter(has_figure, summary), *(s for s in summary if not has_figure(s))])
    if task != SUMMARY:
        raise ValueError(f"The local provider cannot do {task!r}.")
    candidates = sentences(prompt)
    # Most informative first; ties keep the earlier sentence (a stable, deterministic order).
    ranked = sorted(range(len(candidates)), key=lambda index: -informativeness(candidates[index]))
    kept: list[int] = []
    budget = max_tokens
    best = informativeness(candidates[ranked[0]]) if candidates else 0
    for index in ranked:
        if 3 * informativeness(candidates[index]) < best:
            break
        size = count_tokens(candidates[index])
        if size <= budget:
            kept.append(index)
            budget -= size
    if not kept and candidates:  # even the best sentence is too long: its beginning
        return truncate(candidates[ranked[0]], max_tokens)
    return " ".join(candidates[index] for index in sorted(kept))
