"""The shipped skills taxonomy and its matcher: the data's own rules, then what a text names."""

import json
import time
from pathlib import Path

import pytest

from afterresume.llm.skills import Skill, load_taxonomy, normalise, skills_in, terms

DATA = Path(__file__).resolve().parent.parent / "data" / "skills_taxonomy.json"


def raw_skills() -> list[dict]:
    return json.loads(DATA.read_text(encoding="utf-8"))["skills"]


def key(term: str) -> str:
    return normalise(term).lower()


def test_the_file_has_at_least_350_skills_with_unique_names_sorted_by_name():
    data = json.loads(DATA.read_text(encoding="utf-8"))
    names = [skill["name"] for skill in data["skills"]]

    assert data["version"] == 1
    assert len(names) >= 350
    assert len({key(name) for name in names}) == len(names)
    assert names == sorted(names, key=str.casefold)
    for skill in data["skills"]:
        assert set(skill) <= {"name", "category", "aliases", "case_sensitive"}
        assert skill["name"] == skill["name"].strip() and skill["category"]


def test_aliases_are_lower_case_and_each_belongs_to_one_skill_and_is_no_other_skills_name():
    skills = raw_skills()
    names = {key(skill["name"]): skill["name"] for skill in skills}
    owners: dict[str, str] = {}

    for skill in skills:
        for alias in skill["aliases"]:
            assert alias == alias.lower(), alias
            assert owners.setdefault(key(alias), skill["name"]) == skill["name"], alias
            assert names.get(key(alias), skill["name"]) == skill["name"], alias
            assert key(alias) != key(skill["name"]), alias


def test_ambiguous_words_are_no_loose_aliases():
    aliases = {alias for skill in raw_skills() for alias in skill["aliases"]}

    assert not aliases & {"go", "r", "c", "rust", "swift", "react", "rest", "excel", "spring", "node"}


def test_the_loaded_taxonomy_is_the_file():
    taxonomy = load_taxonomy()

    assert [skill.name for skill in taxonomy.skills] == [skill["name"] for skill in raw_skills()]
    assert load_taxonomy() is taxonomy


def test_a_term_claimed_by_two_skills_is_refused():
    skills = (Skill("Kubernetes", "Infrastructure", ("k8s",)), Skill("Nomad", "Infrastructure", ("k8s",)))

    with pytest.raises(ValueError, match="k8s"):
        terms(skills)


@pytest.mark.parametrize(
    ("text", "skill"),
    [
        ("Moved the batch jobs to k8s.", "Kubernetes"),
        ("We run postgres 16 in production.", "PostgreSQL"),
        ("Rewrote the widget in plain JS.", "JavaScript"),
        ("Tuned the POSTGRES planner.", "PostgreSQL"),
        ("Services written in golang.", "Go"),
        ("Built the dashboards with reactjs.", "React"),
        ("Hardened the tls setup.", "TLS"),
        ("Ran blameless post-mortems.", "Postmortems"),
        ("Added end to end tests.", "End-to-end testing"),
        ("Set up the CI-CD for the team.", "CI/CD"),
    ],
)
def test_an_alias_or_a_differently_cased_name_gives_the_canonical_name(text, skill):
    assert skills_in(text) == [skill]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Ported the engine from C++ to C#.", ["C++", "C#"]),
        ("Wrote C++17 and some C on the side.", ["C++", "C"]),
        ("Owned the CI/CD pipeline.", ["CI/CD"]),
        ("An API in Node.js, then .NET, then ASP.NET.", ["Node.js", ".NET", "ASP.NET"]),
        ("Frontends in Vue.js and Next.js (next.js 14).", ["Vue.js", "Next.js"]),
        ("Maintained the Objective-C and F# code.", ["Objective-C", "F#"]),
    ],
)
def test_names_with_punctuation_match_whole(text, expected):
    assert skills_in(text) == expected


@pytest.mark.parametrize(
    "sentence",
    [
        "I will go to the meeting on Tuesday and then rest for an hour before lunch.",
        "We had to react quickly when the old gate began to rust, so the repair was swift.",
        "Our quarter went well: sales grew, the new office opened in spring and everyone enjoyed the summer party.",
    ],
)
def test_ordinary_english_names_no_skill(sentence):
    assert skills_in(sentence) == []


def test_case_sensitive_names_match_only_as_spelt_and_not_in_compounds():
    assert skills_in("Rewrote the ingestion service in Go.") == ["Go"]
    assert skills_in("The GO signal came; go ahead.") == []
    assert skills_in("Go-live was moved; the C-level team and R&D agreed in Washington, D.C.") == []
    assert skills_in("Statistics in R, tooling in Rust, charts in React.") == ["R", "Rust", "React"]


def test_skills_come_in_order_of_first_appearance_each_once():
    text = "Python and Kubernetes, then more python, k8s again, and finally PostgreSQL and Python."

    assert skills_in(text) == ["Python", "Kubernetes", "PostgreSQL"]


def test_a_term_inside_a_longer_word_does_not_match():
    assert (
        skills_in("A Reactive stream, a javascripting toy, a Gopher, the Javanese menu, Rusty tools.") == []
    )


def test_at_one_position_the_longest_term_wins():
    assert skills_in("React Native and Visual Studio Code, then Reactive programming.") == [
        "React Native",
        "VS Code",
        "Reactive programming",
    ]


def test_matching_a_thousand_characters_takes_about_a_millisecond_or_less():
    entry = (
        "Migrated 14 services to Kubernetes and Terraform on AWS, cut p99 latency by 40% with Redis, "
        "mentored three engineers, ran code reviews and the incident response rota, all in Python. "
    )
    text = (entry * 6)[:1000]
    skills_in(text)

    start = time.perf_counter()
    for _ in range(200):
        skills_in(text)
    per_call = (time.perf_counter() - start) / 200

    assert per_call < 0.005
