"""The search box's web-search syntax on every database. PostgreSQL answers it with
websearch_to_tsquery (full text, stemmed); elsewhere — SQLite, the run command's embedded default
— the same syntax is parsed here and matched case-insensitively within the text:

    migration postgres      both words
    "quarterly report"      the phrase
    report -draft           report, but not draft
    deploy or release       either word (binds tighter than the space: a b or c = a and (b or c))

Only stemming is PostgreSQL's alone ("deployments" finds "deployed" there, not here)."""

import re
from dataclasses import dataclass
from functools import reduce
from operator import or_

from django.db.models import Q

# A quoted phrase (the closing quote may be missing) or a word, each with an optional leading "-".
TOKEN = re.compile(r'(?P<minus>-?)(?:"(?P<phrase>[^"]*)"?|(?P<word>[^\s"]+))')
EDGE_PUNCTUATION = ".,;:!?()[]{}'`"


@dataclass(frozen=True)
class Term:
    text: str
    is_excluded: bool = False


def websearch_parse(query: str) -> list[list[Term]]:
    """The clauses that must all hold, each a list of alternatives joined by `or`."""
    clauses: list[list[Term]] = []
    joins_previous = False
    for token in TOKEN.finditer(query):
        is_phrase = token["phrase"] is not None
        text = " ".join(token["phrase"].split()) if is_phrase else token["word"].strip(EDGE_PUNCTUATION + "-")
        if not text:
            continue
        if not is_phrase and not token["minus"] and text.lower() == "or":
            joins_previous = bool(clauses)
            continue
        term = Term(text, is_excluded=bool(token["minus"]))
        if joins_previous:
            clauses[-1].append(term)
        else:
            clauses.append([term])
        joins_previous = False
    return clauses


def websearch_filter(query: str, *, fields: tuple[str, ...]) -> Q:
    """A filter for `query` (web-search syntax) over `fields`, as case-insensitive containment."""
    condition = Q()
    for alternatives in websearch_parse(query):
        either = Q()
        for term in alternatives:
            found = reduce(or_, (Q(**{f"{field}__icontains": term.text}) for field in fields))
            either |= ~found if term.is_excluded else found
        condition &= either
    return condition
