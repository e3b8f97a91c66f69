"""The full-text search document moves to a table of its own, written by the worker (issue 12).

`comment_text_fts_idx` on comments_comment cost ~12–14 ms of PostgreSQL CPU per 1,000 comments
at ingestion and again at each of the pipeline's two UPDATEs (they change indexed columns, so
they are not HOT and every index, the GIN included, gets a new entry). comments_commentsearch
holds one `to_tsvector` per comment, written once when a worker claims it. The back-fill is one
set-based INSERT, and the GIN index is built after it (a sorted build is cheaper than growing
it row by row). SQLite (the demo) gets the empty table and keeps searching with icontains.
"""

import django.contrib.postgres.search
import django.db.models.deletion
from django.db import migrations, models

FORWARD = [
    "INSERT INTO comments_commentsearch (comment_id, document) "
    "SELECT id, to_tsvector('pt_unaccent'::regconfig, text) FROM comments_comment "
    "ON CONFLICT DO NOTHING",
    # fastupdate: a claim of 500 comments appends to the pending list instead of updating the
    # tree in place; 512 kB keeps each merge short (docs/performance-history.md, migration 0008).
    "CREATE INDEX IF NOT EXISTS comment_search_document_idx ON comments_commentsearch "
    "USING gin (document) WITH (fastupdate = on, gin_pending_list_limit = 512)",
    "DROP INDEX IF EXISTS comment_text_fts_idx",
]
BACKWARD = [
    "CREATE INDEX IF NOT EXISTS comment_text_fts_idx ON comments_comment "
    "USING gin (to_tsvector('pt_unaccent'::regconfig, text)) "
    "WITH (fastupdate = on, gin_pending_list_limit = 512)",
]


def run_on_postgres(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for sql in statements:
                schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("comments", "0008_search_pending_list")]
    operations = [
        migrations.CreateModel(
            name="CommentSearch",
            fields=[
                (
                    "comment",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="search_document",
                        serialize=False,
                        to="comments.comment",
                    ),
                ),
                (
                    "document",
                    django.contrib.postgres.search.SearchVectorField(
                        verbose_name="documento de busca"
                    ),
                ),
            ],
            options={
                "verbose_name": "documento de busca",
                "verbose_name_plural": "documentos de busca",
            },
        ),
        migrations.RunPython(run_on_postgres(FORWARD), run_on_postgres(BACKWARD)),
    ]
