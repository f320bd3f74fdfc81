"""Markdown: one entry per heading that starts with an ISO date, e.g. `## 2026-11-24 — Acme`.

There is no Markdown parser in the standard library, and the `markdown` package renders HTML
without line numbers, so the little structure needed here (ATX headings, fenced code blocks,
code spans) is read by hand, following CommonMark's rules for those three things only.
"""

import re
from datetime import date

from .entries import ParseResult, RowError, checked_entry, date_problem, number_repeats, parse_iso_date

# Up to three spaces, 1 to 6 `#`, whitespace, then something shaped like a date that does not run on
# into more word characters; whatever follows the date (an employer, a title) is ignored.
DATED_HEADING = re.compile(r" {0,3}#{1,6}[ \t]+([0-9]{4}-[0-9]{2}-[0-9]{2})(?![\w-])")
FENCE = re.compile(r" {0,3}(`{3,}|~{3,})")
CODE_SPAN = re.compile(r"(`+)(?!`).*?(?<!`)\1(?!`)", re.DOTALL)
# A hashtag starts with a letter (so `#123`, an issue number, is not one) and is not glued to a
# word, a `#`, `&` or `/` before it (URL fragments, HTML entities, `##` heading marks).
HASHTAG = re.compile(r"(?<![\w#&/])#([^\W\d_](?:[\w-]*\w)?)")


def outside_code_blocks(lines: list[str]) -> list[bool]:
    """For each line, whether it is outside a fenced code block (the fences themselves count as
    inside). A fence closes on the same character, at least as long, with nothing after it."""
    outside, fence = [], None
    for text in lines:
        match = FENCE.match(text)
        if fence is None and match:
            fence = match.group(1)
            outside.append(False)
        elif fence is not None:
            closing = match and match.group(1)[0] == fence[0] and len(match.group(1)) >= len(fence)
            if closing and not text[match.end() :].strip():
                fence = None
            outside.append(False)
        else:
            outside.append(True)
    return outside


def hashtags(lines: list[str], outside: list[bool]) -> list[str]:
    """The `#word` tags of the text, in order, ignoring code blocks and code spans."""
    prose = "\n".join(text for text, is_prose in zip(lines, outside, strict=True) if is_prose)
    return HASHTAG.findall(CODE_SPAN.sub(" ", prose))


def sections(lines: list[str], outside: list[bool]):
    """(line number, date text, heading, body line indexes) for each dated heading outside code."""
    starts = [index for index, text in enumerate(lines) if outside[index] and DATED_HEADING.match(text)]
    for position, start in enumerate(starts):
        end = starts[position + 1] if position + 1 < len(starts) else len(lines)
        heading = lines[start]
        yield start + 1, DATED_HEADING.match(heading).group(1), heading.strip(), range(start + 1, end)


def parse_markdown(text: str, *, today: date) -> ParseResult:
    """Text before the first dated heading is ignored (a title, a preamble); the content keeps the
    Markdown as written, hashtags included."""
    # Not `splitlines()`: it also breaks on form feeds and Unicode separators, which an editor
    # does not count as lines, and the line numbers must match what the person sees.
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    outside = outside_code_blocks(lines)
    entries, errors = [], []
    for line, date_text, heading, body in sections(lines, outside):
        body_lines = [lines[index] for index in body]
        content = "\n".join(body_lines).strip()
        when = parse_iso_date(date_text)
        if when is None:
            errors.append(RowError(line, f"Line {line}: {date_problem(date_text)}"))
            continue
        if not content:
            errors.append(RowError(line, f"Line {line}: the heading '{heading}' has no text under it."))
            continue
        entry, row_errors = checked_entry(
            format="markdown",
            where=f"Line {line}",
            line=line,
            date=when,
            content=content,
            tags=hashtags(body_lines, [outside[index] for index in body]),
            today=today,
        )
        errors.extend(row_errors)
        if entry:
            entries.append(entry)
    return ParseResult(number_repeats(entries), tuple(errors))
