"""The backend's contract, read as data: the OpenAPI schema committed as backend/openapi.yaml
(`./dev schema` regenerates it; a backend test fails when it is stale). The frontend never imports
the backend: it holds its client and the view tests' fake backend to this file, so that neither can
drift from the real API.

The schema is OpenAPI 3.0, whose schema objects are JSON Schema with a few differences; they are
converted once (`nullable`) and checked with jsonschema. Objects are closed: the API's serializers
answer exactly the fields they document, so a canned answer with a field the API never sends is
drift too."""

import functools
import re
from pathlib import Path

import yaml
from jsonschema import Draft202012Validator

SCHEMA_FILE = Path(__file__).resolve().parents[3] / "backend" / "openapi.yaml"
METHODS = ("get", "put", "post", "patch", "delete")
# A path parameter in the schema, e.g. `{worklog_id}`; the client's templates use the same braces.
PARAMETER = re.compile(r"\{[^}]*\}")


@functools.cache
def schema() -> dict:
    return yaml.safe_load(SCHEMA_FILE.read_text())


def shape(path_template: str) -> str:
    """A path template with its parameters unnamed: `/api/worklogs/{worklog_id}/` and the client's
    `/api/worklogs/{int(worklog_id)}/` are both `/api/worklogs/{}/`."""
    return PARAMETER.sub("{}", path_template)


def operations() -> set[tuple[str, str]]:
    """Every (METHOD, path shape) the schema documents."""
    return {
        (method.upper(), shape(path))
        for path, item in schema()["paths"].items()
        for method in item
        if method in METHODS
    }


@functools.cache
def _path_patterns() -> list[tuple[re.Pattern, str]]:
    """Each documented path as a pattern for the paths a request names; literal paths first, so
    that `/api/worklogs/stats/` is not taken for `/api/worklogs/{worklog_id}/`."""
    patterns = []
    for path, item in schema()["paths"].items():
        types = {
            parameter["name"]: parameter["schema"].get("type")
            for operation in item.values()
            if isinstance(operation, dict)
            for parameter in operation.get("parameters", [])
            if parameter["in"] == "path"
        }
        pattern, position = "", 0
        for match in PARAMETER.finditer(path):
            pattern += re.escape(path[position : match.start()])
            pattern += "[0-9]+" if types.get(match.group()[1:-1]) == "integer" else "[^/]+"
            position = match.end()
        pattern += re.escape(path[position:])
        patterns.append((re.compile(pattern + r"\Z"), path))
    return sorted(patterns, key=lambda entry: entry[1].count("{"))


def documented_path(path: str) -> str | None:
    """The schema's path template a request's path names, or None if the schema has none."""
    for pattern, template in _path_patterns():
        if pattern.match(path):
            return template
    return None


def _as_json_schema(node):
    """OpenAPI 3.0's `nullable: true` as JSON Schema's null type; objects with documented
    properties are closed."""
    if isinstance(node, list):
        return [_as_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    converted = {key: _as_json_schema(value) for key, value in node.items() if key != "nullable"}
    if "properties" in converted and "additionalProperties" not in converted:
        converted["additionalProperties"] = False
    if node.get("nullable"):
        return {"anyOf": [converted, {"type": "null"}]}
    return converted


@functools.cache
def _components() -> dict:
    return _as_json_schema(schema()["components"])


def answer_problems(*, method: str, path: str, status: int, content_type: str, body) -> list[str]:
    """What is wrong with an answer to `method path` by the schema; [] when it is as documented or
    the schema does not document the path (allauth's endpoints, a made-up one in a transport test).
    `body` is the parsed JSON, or None when the answer is not JSON."""
    template = documented_path(path)
    operation = schema()["paths"].get(template, {}).get(method.lower()) if template else None
    where = f"{method} {path} ({template}) answered {status}"
    if template is None:
        return []
    if operation is None:
        return [f"{method} {path}: the schema documents no {method} for {template}"]
    response = operation["responses"].get(str(status))
    if response is None and status >= 500:
        # Any operation can fail on the server's side: in the one error shape when it is the API's
        # own answer (JSON), or a proxy's page (not checked).
        response = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}}
    if response is None:
        return [f"{where}: the schema documents no {status} for it ({', '.join(operation['responses'])})"]
    documented_json = response.get("content", {}).get("application/json")
    if content_type != "application/json":
        return []
    if documented_json is None:
        return [f"{where} with JSON; the schema documents no JSON body for it"]
    validator = Draft202012Validator(
        {**_as_json_schema(documented_json["schema"]), "components": _components()},
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    )
    return [
        f"{where}: {error.json_path}: {error.message}"
        for error in sorted(validator.iter_errors(body), key=lambda error: error.json_path)
    ]
