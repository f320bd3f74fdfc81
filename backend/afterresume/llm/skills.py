"""The skills taxonomy the offline `local` provider answers with, and the matcher that finds its
skills in a text.

The data is `data/skills_taxonomy.json`: {"version": 1, "skills": [...]}, sorted by name, where
each skill has a canonical `name` (spelt as its project spells it: PostgreSQL, Node.js, C++, CI/CD),
a `category`, lower-case `aliases` and, for a few, `"case_sensitive": true`. Every name and alias
belongs to one skill only, so a match names exactly one skill.

Matching rules:

- A term (a name or an alias) matches as a whole word or phrase: no letter, digit or underscore
  touches it on either side, nor `+` or `#` after it (so "C" is not found in "C++" or "C#", and
  "React" is not found in "Reactive"). Punctuation inside a term is literal ("CI/CD", "Node.js",
  ".NET"); hyphens and spaces between its words are interchangeable ("end-to-end" = "end to end").
- Terms match case-insensitively ("k8s", "POSTGRES", "js"), except the name of a case-sensitive
  skill. Those names are short or ordinary English words (Go, R, C, Rust, Swift, React, REST, Excel,
  Helm...): they match only as spelt, so "I will go to the meeting" or "we react to pages" names
  nothing, and they must also not be part of a hyphenated or "&" compound ("Go-live", "C-level",
  "R&D") nor follow a dot ("D.C."). Their aliases ("golang", "reactjs") match like any other term.
  A capitalised "Go" or "React" starting a sentence, or a lone capital letter ("Plan C"), does
  count: the rule trades that for recognising the languages without a suffix.
- At one position the longest term wins ("React Native" over React, "Node.js" over "js"), and a
  matched span is not searched again.

`skills_in` answers the canonical names in order of first appearance, each once. All terms are
compiled into one regex (a character trie, so a search does not try every term at every word).
"""

import json
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

DATA = "data/skills_taxonomy.json"
SEPARATOR = re.compile(r"[\s-]+")
SEPARATOR_PATTERN = r"[\s-]+"
ANY_CASE_BOUNDARIES = (r"(?<!\w)", r"(?![\w+#])")
EXACT_BOUNDARIES = (r"(?<![\w.&-])", r"(?![\w+#&]|-\w)")


@dataclass(frozen=True)
class Skill:
    name: str
    category: str
    aliases: tuple[str, ...]
    case_sensitive: bool = False


@dataclass(frozen=True)
class Taxonomy:
    version: int
    skills: tuple[Skill, ...]


@dataclass(frozen=True)
class Matcher:
    pattern: re.Pattern[str]
    any_case: dict[str, str]
    exact: dict[str, str]


@cache
def load_taxonomy() -> Taxonomy:
    """The shipped taxonomy, read once from the package's data."""
    text = resources.files(__package__).joinpath(DATA).read_text(encoding="utf-8")
    data = json.loads(text)
    skills = tuple(
        Skill(
            name=entry["name"],
            category=entry["category"],
            aliases=tuple(entry["aliases"]),
            case_sensitive=entry.get("case_sensitive", False),
        )
        for entry in data["skills"]
    )
    return Taxonomy(version=data["version"], skills=skills)


def normalise(term: str) -> str:
    """A term's lookup key: its words joined by single spaces, whatever separated them."""
    return SEPARATOR.sub(" ", term.strip())


def terms(skills: tuple[Skill, ...]) -> tuple[dict[str, str], dict[str, str]]:
    """Key -> canonical name, for the case-insensitive terms and for the as-spelt names.
    A key claimed by two skills is an error in the data: one match must name one skill."""
    any_case: dict[str, str] = {}
    exact: dict[str, str] = {}
    for skill in skills:
        spellings = [(exact, normalise(skill.name))] if skill.case_sensitive else []
        if not skill.case_sensitive:
            spellings.append((any_case, normalise(skill.name).lower()))
        spellings += [(any_case, normalise(alias).lower()) for alias in skill.aliases]
        for table, key in spellings:
            if table.get(key, skill.name) != skill.name:
                raise ValueError(f"{key!r} belongs to both {table[key]!r} and {skill.name!r}")
            table[key] = skill.name
    return any_case, exact


def trie_pattern(keys: list[str]) -> str:
    """One regex for all the keys, factored by common prefixes; longer keys are tried first."""
    trie: dict = {}
    for key in keys:
        node = trie
        for char in key:
            node = node.setdefault(char, {})
        node[""] = {}
    return node_pattern(trie)


def node_pattern(node: dict) -> str:
    branches = [
        (SEPARATOR_PATTERN if char == " " else re.escape(char)) + node_pattern(child)
        for char, child in sorted(node.items())
        if char
    ]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    return f"(?:{body})?" if "" in node else body


@cache
def matcher() -> Matcher:
    """The compiled matcher: case-insensitive terms first, so "React Native" beats "React"."""
    any_case, exact = terms(load_taxonomy().skills)
    before, after = ANY_CASE_BOUNDARIES
    exact_before, exact_after = EXACT_BOUNDARIES
    pattern = (
        f"{before}(?i:(?P<any>{trie_pattern(list(any_case))})){after}"
        f"|{exact_before}(?P<exact>{trie_pattern(list(exact))}){exact_after}"
    )
    return Matcher(pattern=re.compile(pattern), any_case=any_case, exact=exact)


def skills_in(text: str) -> list[str]:
    """The canonical names of the skills `text` mentions, by first appearance, each once."""
    found = matcher()
    names: dict[str, None] = {}
    for match in found.pattern.finditer(text):
        if match["any"] is not None:
            name = found.any_case[normalise(match["any"]).lower()]
        else:
            name = found.exact[normalise(match["exact"])]
        names.setdefault(name)
    return list(names)
