"""What every import format produces, and the checks every row passes through.

The limits mirror the WorkLog model and `worklogs.services` (content, employer, project, tags), so a
file that parses without errors here is one the services will accept. They are repeated rather than
imported because this package must stay free of Django: it runs over bytes, before any database.
"""

import hashlib
import json
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, timedelta

MAX_CONTENT = 10_000
MAX_NAME = 200  # employer and project
MAX_TAG = 50
MAX_TAGS = 20

# The shape is checked first so that "2026-1-5" or "20261105" (which `date.fromisoformat` accepts
# since Python 3.11) are refused: the formats promise YYYY-MM-DD and nothing else.
ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


@dataclass(frozen=True)
class ImportedEntry:
    line: int  # 1-based line number in the source where the row/entry starts
    date: date
    content: str
    employer: str
    project: str
    tags: tuple[str, ...]
    source_key: str  # the same row in a re-upload gives the same key


@dataclass(frozen=True)
class RowError:
    line: int
    message: str


@dataclass(frozen=True)
class ParseResult:
    entries: tuple[ImportedEntry, ...]
    errors: tuple[RowError, ...]


def parse_iso_date(text: str) -> date | None:
    """The date written as YYYY-MM-DD, or None when it is not one (wrong shape or no such day)."""
    text = text.strip()
    if not ISO_DATE.fullmatch(text):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def date_problem(text: str) -> str:
    """The sentence for a date that `parse_iso_date` refused."""
    if not text.strip():
        return "the date is missing (use YYYY-MM-DD)."
    return f"the date '{text.strip()}' is not a valid date (use YYYY-MM-DD)."


def clean_tags(names: Iterable[str]) -> tuple[str, ...]:
    """Lower-cased, inner whitespace collapsed (as the services store them), blanks dropped, and
    de-duplicated keeping the first occurrence's place, so the order the person wrote survives."""
    cleaned = (" ".join(name.split()).lower() for name in names)
    return tuple(dict.fromkeys(name for name in cleaned if name))


def row_key(format: str, *, date: date, content: str, employer: str, project: str, tags) -> str:
    """A key that depends only on what the row says: JSON gives an unambiguous canonical form (no
    separator a value could contain), so the same row uploaded again hashes the same."""
    canonical = json.dumps(
        [date.isoformat(), content, employer, project, list(tags)], ensure_ascii=False, separators=(",", ":")
    )
    return f"{format}:{hashlib.sha256(canonical.encode()).hexdigest()}"


def checked_entry(
    *,
    format: str,
    where: str,
    line: int,
    date: date,
    content: str,
    employer: str = "",
    project: str = "",
    tags: Iterable[str] = (),
    today: date,
    source_key: str = "",
) -> tuple[ImportedEntry | None, list[RowError]]:
    """The entry a row makes, or the reasons it cannot be one (each a sentence starting with `where`,
    e.g. "Line 4" or "Entry 2"). Without a `source_key` the key is made from the row's cleaned values."""
    # One kind of line break, so a file saved on Windows and again on a Mac gives the same keys.
    content = content.replace("\r\n", "\n").replace("\r", "\n").strip()
    employer, project = employer.strip(), project.strip()
    tags = clean_tags(tags)
    problems = []
    if date > today + timedelta(days=1):
        problems.append(f"the date {date.isoformat()} is in the future: log work that has happened.")
    if not content:
        problems.append("the entry has no text: describe what you did.")
    elif len(content) > MAX_CONTENT:
        problems.append(f"the text has {len(content):,} characters; the limit is {MAX_CONTENT:,}.")
    for field, value in (("employer", employer), ("project", project)):
        if len(value) > MAX_NAME:
            problems.append(f"the {field} has {len(value)} characters; the limit is {MAX_NAME}.")
    if len(tags) > MAX_TAGS:
        problems.append(f"the entry has {len(tags)} tags; the limit is {MAX_TAGS}.")
    problems.extend(
        f"the tag '{tag[:60]}' has {len(tag)} characters; the limit is {MAX_TAG}."
        for tag in tags
        if len(tag) > MAX_TAG
    )
    if problems:
        return None, [RowError(line, f"{where}: {problem}") for problem in problems]
    key = source_key or row_key(
        format, date=date, content=content, employer=employer, project=project, tags=tags
    )
    entry = ImportedEntry(line, date, content, employer, project, tags, key)
    return entry, []


def number_repeats(entries: Iterable[ImportedEntry]) -> tuple[ImportedEntry, ...]:
    """Two identical rows in one file are two entries the person meant to log: the second gets
    `#2`, the third `#3`, in file order, so each keeps a distinct and still stable key."""
    seen = Counter()
    numbered = []
    for entry in entries:
        seen[entry.source_key] += 1
        count = seen[entry.source_key]
        numbered.append(entry if count == 1 else replace(entry, source_key=f"{entry.source_key}#{count}"))
    return tuple(numbered)
