"""A `git log` in the one-line, tab-separated shape of GIT_LOG_COMMAND: one commit per line."""

import hashlib
import re
from dataclasses import dataclass
from datetime import date

from .entries import ParseResult, RowError, checked_entry, date_problem, parse_iso_date

GIT_LOG_COMMAND = "git log --no-merges --date=short --pretty=format:'%H%x09%ae%x09%ad%x09%s'"
GROUPS = ("day", "commit")
# %H is the full hash: 40 hex digits, or 64 in a SHA-256 repository.
COMMIT_HASH = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")
TAGS = ("git",)


@dataclass(frozen=True)
class Commit:
    line: int
    hash: str
    email: str
    date: date
    subject: str


def read_commit(line: int, text: str) -> Commit | RowError:
    fields = text.split("\t", 3)
    if len(fields) != 4:
        return RowError(
            line,
            f"Line {line}: expected a hash, an e-mail, a date and a subject separated by tabs; "
            f"make the log with {GIT_LOG_COMMAND}",
        )
    commit_hash, email, date_text, subject = (field.strip() for field in fields)
    if not COMMIT_HASH.fullmatch(commit_hash.lower()):
        return RowError(line, f"Line {line}: '{commit_hash[:80]}' is not a full commit hash.")
    if not email:
        return RowError(line, f"Line {line}: the commit has no author e-mail.")
    when = parse_iso_date(date_text)
    if when is None:
        return RowError(line, f"Line {line}: {date_problem(date_text)}")
    return Commit(line, commit_hash.lower(), email, when, subject)


def day_key(email: str, day: date) -> str:
    """A day's entry is known by its author and date, so a re-upload with more commits that day
    still finds (and can update) the entry made before."""
    name = f"git:day:{email.lower()}:{day.isoformat()}"
    return f"git:{hashlib.sha256(name.encode()).hexdigest()}"


def parse_git(text: str, *, author_email: str, group: str, today: date) -> ParseResult:
    """Entries in the order of the file (newest first, as git writes it). With `group="day"` a day's
    subjects are listed oldest first and its `line` is that of the day's first line in the file.
    A commit listed twice (two logs pasted together) counts once."""
    if group not in GROUPS:
        raise ValueError(f"Unknown git grouping {group!r}: use one of {', '.join(GROUPS)}.")
    if not author_email.strip():
        message = "Line 1: give the author e-mail whose commits to import (git config user.email)."
        return ParseResult((), (RowError(1, message),))
    wanted = author_email.strip().lower()
    errors, mine, seen, authors = [], [], set(), {}
    for line, row in enumerate(text.replace("\r\n", "\n").split("\n"), start=1):
        if not row.strip():
            continue
        commit = read_commit(line, row)
        if isinstance(commit, RowError):
            errors.append(commit)
            continue
        authors.setdefault(commit.email.lower(), None)
        if commit.email.lower() == wanted and commit.hash not in seen:
            seen.add(commit.hash)
            mine.append(commit)
    if authors and not mine:
        found = ", ".join(list(authors)[:5])
        errors.append(RowError(1, f"Line 1: no commit in this log is by {wanted}; its authors are {found}."))
    entries = []
    for line, day, content, key in grouped(mine, group=group, email=wanted):
        entry, row_errors = checked_entry(
            format="git",
            where=f"Line {line}",
            line=line,
            date=day,
            content=content,
            tags=TAGS,
            today=today,
            source_key=key,
        )
        errors.extend(row_errors)
        if entry:
            entries.append(entry)
    return ParseResult(tuple(entries), tuple(sorted(errors, key=lambda error: error.line)))


def grouped(commits: list[Commit], *, group: str, email: str):
    """(line, date, content, source key) per entry to make."""
    if group == "commit":
        for commit in commits:
            yield commit.line, commit.date, commit.subject, f"git:{commit.hash}"
        return
    days: dict[date, list[Commit]] = {}
    for commit in commits:
        days.setdefault(commit.date, []).append(commit)
    for day, of_day in days.items():
        listed = "\n".join(f"- {commit.subject}" for commit in reversed(of_day))
        yield of_day[0].line, day, listed, day_key(email, day)
