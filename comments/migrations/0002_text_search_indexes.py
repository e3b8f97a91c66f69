"""PostgreSQL-only indexes for searching comment text at millions of rows.

A trigram GIN index on UPPER(text) serves the admin's and API's `icontains` search
(Django compiles it to `UPPER(text) LIKE UPPER(%s)`). SQLite (the laptop default) has no
such index type, so the statements run on PostgreSQL only.
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

CREATE = (
    "CREATE INDEX IF NOT EXISTS comment_text_trgm_idx "
    "ON comments_comment USING gin (UPPER(text) gin_trgm_ops)"
)
DROP = "DROP INDEX IF EXISTS comment_text_trgm_idx"


def run_on_postgres(sql):
    def forwards(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return forwards


class Migration(migrations.Migration):
    dependencies = [("comments", "0001_initial")]
    operations = [
        TrigramExtension(),
        migrations.RunPython(run_on_postgres(CREATE), run_on_postgres(DROP)),
    ]
