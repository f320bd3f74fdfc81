"""What the code declares stays in step with what it publishes and migrates: the OpenAPI schema
(DESIGN §8, drf-spectacular) builds, validates and raises no warning (a warning means an endpoint
the schema describes wrongly), and no model change lacks its migration."""

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


def test_every_model_change_has_its_migration(db):
    # --check exits non-zero (SystemExit) when a model differs from its migrations
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)
