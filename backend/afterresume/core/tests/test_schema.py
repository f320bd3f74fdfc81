"""DESIGN §8: the API's OpenAPI schema is published by drf-spectacular. It must build, validate
and raise no warning (a warning means an endpoint the schema describes wrongly)."""

import yaml
from django.core.management import call_command


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
