"""Full-text search on PostgreSQL: a trigger keeps search_vector current on every write path
(services, bulk loads, raw SQL) and a GIN index serves the queries. Other databases skip this
migration: there worklogs/search.py parses the same web-search syntax and matches it
case-insensitively, without stemming (vendor-checked: docs/architecture.md)."""

from django.db import migrations

CREATE = """
CREATE FUNCTION worklog_search_vector_update() RETURNS trigger AS $$
BEGIN
  NEW.search_vector :=
    setweight(to_tsvector('english', coalesce(NEW.content, '')), 'A') ||
    setweight(to_tsvector('english', coalesce(NEW.employer, '') || ' ' || coalesce(NEW.project, '')), 'B');
  RETURN NEW;
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER worklog_search_vector BEFORE INSERT OR UPDATE OF content, employer, project
  ON worklogs_worklog FOR EACH ROW EXECUTE FUNCTION worklog_search_vector_update();
CREATE INDEX worklog_search_gin ON worklogs_worklog USING gin (search_vector);
"""

DROP = """
DROP INDEX IF EXISTS worklog_search_gin;
DROP TRIGGER IF EXISTS worklog_search_vector ON worklogs_worklog;
DROP FUNCTION IF EXISTS worklog_search_vector_update();
"""


def on_postgresql(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("worklogs", "0001_initial")]

    operations = [migrations.RunPython(on_postgresql(CREATE), on_postgresql(DROP))]
