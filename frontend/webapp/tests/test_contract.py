"""The frontend keeps to the backend's contract (contract.py): every call of the one client names a
path and method the committed schema documents, and the fake backend of the view tests is judged
by the same schema (conftest.py); these tests also pin down how it judges.

The client's calls are read from its source (the path of each `self.get/post/patch/delete`,
`self.request` and `self._stream` call), so that a new method is checked without a test driving it."""

import ast
import importlib.metadata
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from webapp.backend import (
    account_calls,
    billing_calls,
    client,
    data_calls,
    system_calls,
    team_calls,
    work_calls,
)
from webapp.tests import contract

TRANSPORT = {"get": "GET", "post": "POST", "patch": "PATCH", "delete": "DELETE", "_stream": "GET"}
# allauth's headless endpoints are allauth's contract: the one it publishes for the pinned version.
ALLAUTH_SPEC = importlib.metadata.distribution("django-allauth").locate_file(
    "allauth/headless/spec/doc/openapi.yaml"
)


@dataclass(frozen=True)
class Call:
    method: str
    path: str  # a template: each value put into the path is `{}`
    query: frozenset[str] | None  # the query parameters it names; None when they are not all written out
    line: int


def _template(node: ast.expr, constants: dict[str, str]) -> str:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        parts = []
        for part in node.values:
            if isinstance(part, ast.Constant):
                parts.append(part.value)
            elif isinstance(part.value, ast.Name) and part.value.id in constants:
                parts.append(constants[part.value.id])
            else:
                parts.append("{}")
        return "".join(parts)
    raise AssertionError(f"line {node.lineno}: the client builds a path the contract test cannot read")


def _query(call: ast.Call) -> frozenset[str] | None:
    params = next((keyword.value for keyword in call.keywords if keyword.arg == "params"), None)
    if params is None:
        return frozenset()
    if isinstance(params, ast.Dict) and all(isinstance(key, ast.Constant) for key in params.keys):
        return frozenset(key.value for key in params.keys)
    if isinstance(params, ast.Call) and all(keyword.arg for keyword in params.keywords):
        return frozenset(keyword.arg for keyword in params.keywords)  # _present(name=…, …)
    return None


def client_calls(source: str) -> list[Call]:
    tree = ast.parse(source)
    constants = {
        target.id: statement.value.value
        for statement in tree.body
        if isinstance(statement, ast.Assign) and isinstance(statement.value, ast.Constant)
        for target in statement.targets
        if isinstance(target, ast.Name) and isinstance(statement.value.value, str)
    }
    calls = []
    for function in ast.walk(tree):
        # The transport methods pass on a path they were given; every other method names its own.
        if not isinstance(function, ast.FunctionDef) or function.name in {*TRANSPORT, "request"}:
            continue
        for node in ast.walk(function):
            if not (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "self"
                and node.func.attr in {*TRANSPORT, "request"}
            ):
                continue
            if node.func.attr == "request":
                method, path = node.args[0].value, node.args[1]
            else:
                method, path = TRANSPORT[node.func.attr], node.args[0]
            calls.append(Call(method, _template(path, constants), _query(node), node.lineno))
    return calls


# The client and the parts it is made of (one per area of the API).
CLIENT_MODULES = (client, work_calls, billing_calls, system_calls, team_calls, account_calls, data_calls)


@pytest.fixture(scope="module")
def calls() -> list[Call]:
    return [call for module in CLIENT_MODULES for call in client_calls(Path(module.__file__).read_text())]


def _allauth_operations() -> set[tuple[str, str]]:
    spec = yaml.safe_load(Path(ALLAUTH_SPEC).read_text())
    return {
        (method.upper(), contract.shape(path.replace("{client}", "app")))
        for path, item in spec["paths"].items()
        for method in item
        if method in contract.METHODS
    }


# --- the client ---------------------------------------------------------------------------------


def test_the_client_calls_are_read_from_its_source(calls):
    found = {(call.method, call.path) for call in calls}

    assert ("GET", "/api/worklogs/{}/evidence/{}/download/") in found  # _stream
    assert ("POST", "/api/worklogs/{}/evidence/") in found  # request("POST", …)
    assert ("POST", "/_allauth/app/v1/auth/login") in found  # f"{ALLAUTH}/…"
    assert ("POST", "/api/billing/admin/stripe-events/{}/retry/") in found  # billing_calls.py
    assert ("POST", "/api/jobs/{}/proposal/accept/") in found  # work_calls.py


def test_every_path_and_method_the_client_calls_is_in_the_committed_schema(calls):
    documented = contract.operations()
    allauth = _allauth_operations()

    undocumented = [
        f"line {call.line}: {call.method} {call.path}"
        for call in calls
        if (call.method, contract.shape(call.path))
        not in (allauth if call.path.startswith("/_allauth/") else documented)
    ]

    assert undocumented == []


def test_every_query_parameter_the_client_names_is_documented_for_its_operation(calls):
    schema = contract.schema()
    paths = {contract.shape(path): path for path in schema["paths"]}

    undocumented = []
    for call in calls:
        if not call.query or call.path.startswith("/_allauth/"):
            continue
        operation = schema["paths"][paths[contract.shape(call.path)]][call.method.lower()]
        names = {
            parameter["name"] for parameter in operation.get("parameters", []) if parameter["in"] == "query"
        }
        undocumented += [
            f"line {call.line}: {call.method} {call.path}?{name}" for name in sorted(call.query - names)
        ]

    assert undocumented == []


def test_a_path_the_schema_does_not_document_is_found_in_the_client():
    source = 'class BackendClient:\n    def worklog(self, *, worklog_id):\n        return self.get(f"/api/worklog/{int(worklog_id)}/")\n'

    [call] = client_calls(source)

    assert (call.method, call.path) == ("GET", "/api/worklog/{}/")
    assert (call.method, contract.shape(call.path)) not in contract.operations()


# --- how the fake backend's answers are judged -----------------------------------------------------

STATS = {"today": "2026-11-25", "this_week": 4, "streak_days": 3, "total": 128}


def judge(method: str, path: str, status: int, body, content_type: str = "application/json") -> list[str]:
    return contract.answer_problems(
        method=method, path=path, status=status, content_type=content_type, body=body
    )


def test_an_answer_as_documented_passes():
    assert judge("GET", "/api/worklogs/stats/", 200, STATS) == []


def test_an_answer_missing_a_field_the_api_always_sends_is_reported():
    answer = {key: value for key, value in STATS.items() if key != "total"}

    assert judge("GET", "/api/worklogs/stats/", 200, answer) == [
        "GET /api/worklogs/stats/ (/api/worklogs/stats/) answered 200: $: 'total' is a required property"
    ]


def test_an_answer_with_a_field_the_api_never_sends_is_reported():
    assert judge("GET", "/api/worklogs/stats/", 200, {**STATS, "streak": 3}) == [
        "GET /api/worklogs/stats/ (/api/worklogs/stats/) answered 200: $: "
        "Additional properties are not allowed ('streak' was unexpected)"
    ]


def test_an_answer_with_a_value_of_the_wrong_type_or_format_is_reported():
    assert judge("GET", "/api/worklogs/stats/", 200, {**STATS, "today": "25/11/2026", "total": "128"}) == [
        "GET /api/worklogs/stats/ (/api/worklogs/stats/) answered 200: $.today: '25/11/2026' is not a 'date'",
        "GET /api/worklogs/stats/ (/api/worklogs/stats/) answered 200: $.total: '128' is not of type 'integer'",
    ]


def test_a_status_the_operation_does_not_document_is_reported():
    assert judge("GET", "/api/me/", 410, {"status": 410}) == [
        "GET /api/me/ (/api/me/) answered 410: the schema documents no 410 for it (200, 401)"
    ]


def test_a_refusal_is_held_to_the_one_error_shape():
    assert judge("GET", "/api/me/", 401, {"message": "Signed out."}) == [
        "GET /api/me/ (/api/me/) answered 401: $: 'extra' is a required property",
        "GET /api/me/ (/api/me/) answered 401: $: 'request_id' is a required property",
    ]


def test_a_server_error_is_held_to_the_one_error_shape_unless_a_proxy_gave_it():
    assert judge("GET", "/api/me/", 500, {"message": "boom", "extra": {}, "request_id": "r-1"}) == []
    assert judge("GET", "/api/me/", 502, None, content_type="text/html") == []
    assert judge("GET", "/api/me/", 500, {"message": "boom"}) == [
        "GET /api/me/ (/api/me/) answered 500: $: 'extra' is a required property",
        "GET /api/me/ (/api/me/) answered 500: $: 'request_id' is a required property",
    ]


def test_a_method_the_path_does_not_document_is_reported():
    assert judge("DELETE", "/api/worklogs/stats/", 204, None, content_type="") == [
        "DELETE /api/worklogs/stats/: the schema documents no DELETE for /api/worklogs/stats/"
    ]


def test_a_path_is_matched_to_its_template_literal_paths_first():
    assert contract.documented_path("/api/worklogs/stats/") == "/api/worklogs/stats/"
    assert contract.documented_path("/api/worklogs/41/") == "/api/worklogs/{worklog_id}/"
    assert contract.documented_path("/api/worklogs/forty-one/") is None  # its id is an integer
    assert contract.documented_path("/api/billing/admin/stripe-events/evt_1/retry/") == (
        "/api/billing/admin/stripe-events/{event_id}/retry/"
    )


def test_allauths_endpoints_are_not_judged_by_our_schema():
    assert judge("POST", "/_allauth/app/v1/auth/login", 200, {"status": 200, "meta": {}}) == []
