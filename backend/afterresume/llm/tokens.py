"""The plain token count: every run of letters/digits/underscores is one token and every other
non-space character (punctuation) is one token. Used by the `local` provider, and by `openai` when
a server's answer has no `usage`."""

import re

TOKEN = re.compile(r"\w+|[^\w\s]")


def count_tokens(text: str) -> int:
    return len(TOKEN.findall(text))
