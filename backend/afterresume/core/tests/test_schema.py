"""What the code declares stays in step with what it publishes and migrates: the OpenAPI schema
(drf-spectacular, docs/api.md) builds, validates and raises no warning (a warning means an endpoint
the schema describes wrongly) and is the one committed as backend/openapi.yaml (the contract the
frontend's tests hold their client and fakes to), and no model change lacks its migration."""

import ast
import difflib

import pytest
import yaml
from django.conf import settings
from django.core.management import call_command
from drf_spectacular.generators import SchemaGenerator

from afterresume.core.schema import TOO_LONG


def test_the_openapi_schema_validates_without_warnings(tmp_path):
    target = tmp_path / "schema.yaml"

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))

    schema = yaml.safe_load(target.read_text())
    for path in (
        "/api/billing/profile/",
        "/api/billing/admin/usage/costs/",
        "/api/billing/admin/rate-cards/",
        "/api/billing/webhook/",
    ):
        assert path in schema["paths"], path


def test_the_committed_openapi_schema_is_the_one_the_code_generates(tmp_path):
    generated = tmp_path / "openapi.yaml"

    call_command("spectacular", "--file", str(generated))

    committed = (settings.BASE_DIR / "openapi.yaml").read_text()
    difference = difflib.unified_diff(
        committed.splitlines(keepends=True),
        generated.read_text().splitlines(keepends=True),
        "backend/openapi.yaml (committed)",
        "backend/openapi.yaml (generated from the code)",
        n=2,
    )
    stale = "".join(difference)
    if stale:
        pytest.fail(f"backend/openapi.yaml is stale: run `./dev schema` and commit it.\n{stale[:4000]}")


def _answers_described_apart(source: str) -> list[int]:
    """Lines of a module where an answer is described apart from what writes it: an
    `inline_serializer(...)` call that is not a request body, or a bare `dict` among the responses."""
    tree = ast.parse(source)
    request_bodies = {
        id(node)
        for call in ast.walk(tree)
        if isinstance(call, ast.Call)
        for keyword in call.keywords
        if keyword.arg == "request"
        for node in ast.walk(keyword.value)
    }
    inline = [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and getattr(node.func, "id", None) == "inline_serializer"
        and id(node) not in request_bodies
    ]
    bare_dicts = [
        node.lineno
        for call in ast.walk(tree)
        if isinstance(call, ast.Call) and getattr(call.func, "id", None) == "extend_schema"
        for keyword in call.keywords
        if keyword.arg == "responses"
        for node in ast.walk(keyword.value)
        if isinstance(node, ast.Name) and node.id == "dict"
    ]
    return sorted(inline + bare_dicts)


def test_each_answer_is_described_by_the_serializer_that_writes_it():
    # An inline serializer (or a bare dict) only describes an answer that is built elsewhere by
    # hand, so the two can drift; a serializer class writes the answer and describes it.
    package = settings.BASE_DIR / "afterresume"
    modules = [
        path
        for path in package.rglob("*.py")
        if not {"tests", "migrations"} & set(path.relative_to(package).parts)
    ]

    described_apart = [
        f"{path.relative_to(settings.BASE_DIR)}:{line}"
        for path in modules
        for line in _answers_described_apart(path.read_text())
    ]

    assert len(modules) > 80
    assert any(path.match("billing/api/*.py") for path in modules)
    assert described_apart == []


def test_every_model_change_has_its_migration(db):
    # --check exits non-zero (SystemExit) when a model differs from its migrations
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


# --- the schema documents what the API answers (issue 9, item 11) ---------------------------------


@pytest.fixture(scope="module")
def schema() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)


def _answer(schema: dict, method: str, path: str, status: str) -> dict:
    response = schema["paths"][path][method]["responses"][status]
    reference = response["content"]["application/json"]["schema"]
    if "$ref" in reference:
        return schema["components"]["schemas"][reference["$ref"].rsplit("/", 1)[1]]
    return reference


def _query_parameters(schema: dict, method: str, path: str) -> dict:
    return {p["name"]: p["schema"] for p in schema["paths"][path][method]["parameters"] if p["in"] == "query"}


@pytest.mark.parametrize(
    ("path", "item"),
    [
        ("/api/admin/users/", "AdminUserOut"),
        ("/api/admin/audit/", "AuditEventOut"),
        ("/api/admin/passkeys/", "PasskeyOut"),
        ("/api/billing/reserve/ledger/", "LedgerEntryOut"),
        ("/api/billing/admin/reserve/ledger/", "LedgerEntryOut"),
    ],
)
def test_each_list_paged_by_number_is_documented_as_a_page_with_its_parameters(schema, path, item):
    page = _answer(schema, "get", path, "200")

    assert set(page["properties"]) == {"count", "next", "previous", "results"}
    assert page["properties"]["results"] == {
        "type": "array",
        "items": {"$ref": f"#/components/schemas/{item}"},
    }
    parameters = _query_parameters(schema, "get", path)
    assert parameters["page"] == {"type": "integer", "minimum": 1}
    assert parameters["page_size"] == {"type": "integer", "minimum": 1}


def test_the_worklog_list_is_documented_as_a_page_with_a_cursor(schema):
    page = _answer(schema, "get", "/api/worklogs/", "200")

    assert set(page["properties"]) == {"next", "previous", "results"}
    assert page["properties"]["results"]["items"] == {"$ref": "#/components/schemas/WorkLogOut"}
    parameters = _query_parameters(schema, "get", "/api/worklogs/")
    assert parameters["cursor"] == {"type": "string"}
    assert parameters["page_size"] == {"type": "integer", "minimum": 1}


def test_the_evidence_of_an_entry_is_documented_as_a_list(schema):
    answer = _answer(schema, "get", "/api/worklogs/{worklog_id}/evidence/", "200")

    assert answer == {"type": "array", "items": {"$ref": "#/components/schemas/EvidenceOut"}}


def test_an_entry_is_documented_with_its_evidence(schema):
    entry = _answer(schema, "get", "/api/worklogs/{worklog_id}/", "200")

    assert entry["properties"]["evidence"]["items"] == {"$ref": "#/components/schemas/EvidenceOut"}


def test_the_one_error_shape_is_one_component(schema):
    error = schema["components"]["schemas"]["ErrorOut"]

    assert set(error["properties"]) == {"message", "extra", "request_id"}
    assert sorted(error["required"]) == ["extra", "message", "request_id"]


@pytest.mark.parametrize(
    ("method", "path", "refusals"),
    [
        ("get", "/api/worklogs/", {"400", "401", "403", "404"}),
        ("post", "/api/worklogs/", {"400", "401", "403", "429"}),
        ("get", "/api/worklogs/{worklog_id}/", {"401", "403", "404"}),
        ("delete", "/api/worklogs/{worklog_id}/", {"401", "403", "404", "429"}),
        ("get", "/api/admin/users/", {"400", "401", "403", "404"}),
        ("get", "/api/admin/tenants/", {"401", "403"}),
        ("get", "/api/me/", {"401"}),
        ("delete", "/api/me/tokens/{token_id}/", {"401", "404", "429"}),
        ("post", "/api/auth/token/", {"400", "403", "429"}),
        ("post", "/api/auth/signup/", {"400", "429"}),
        ("get", "/api/healthz/", set()),
    ],
)
def test_each_operation_documents_the_refusals_it_can_give_in_the_one_error_shape(
    schema, method, path, refusals
):
    responses = schema["paths"][path][method]["responses"]

    documented = {status for status in responses if status >= "400" and status not in ("414", "503")}
    assert documented == refusals
    for status in refusals:
        assert responses[status]["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/ErrorOut"
        }
        assert responses[status]["description"]


def test_the_health_check_documents_its_503_with_the_failing_checks(schema):
    responses = schema["paths"]["/api/healthz/"]["get"]["responses"]

    assert set(responses) == {"200", "503"}
    assert _answer(schema, "get", "/api/healthz/", "503")["properties"]["failing"]["type"] == "array"


def test_an_operation_is_described_by_its_own_view_not_by_the_base_class(schema):
    assert "description" not in schema["paths"]["/api/worklogs/"]["get"]
    assert schema["paths"]["/api/tenant/members/"]["get"]["description"] == (
        "The caller's workspace and its members."
    )


def test_an_evidence_download_is_documented_with_each_type_evidence_is_kept_as(schema):
    answer = schema["paths"]["/api/worklogs/{worklog_id}/evidence/{evidence_id}/download/"]["get"]

    assert set(answer["responses"]["200"]["content"]) == {
        "application/pdf",
        "image/png",
        "image/jpeg",
        "image/gif",
        "image/webp",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "text/plain",
        "text/markdown",
        "text/csv",
    }


def test_a_list_with_filters_documents_the_servers_414_for_an_address_too_long(schema):
    responses = schema["paths"]["/api/worklogs/"]["get"]["responses"]

    assert responses["414"] == {"description": TOO_LONG}
    assert "414" not in schema["paths"]["/api/me/"]["get"]["responses"]
