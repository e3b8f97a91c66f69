"""Full-text search replaces the trigram index on comment text (issue 8).

A text search configuration `pt_unaccent` (Portuguese stemming after `unaccent`) and a GIN index
on `to_tsvector('pt_unaccent', text)` with `fastupdate`, so ingestion pays a pending-list append
instead of a trigram per three characters. A partial index serves the review queue, lowest
confidence first. SQLite (the demo) gets none of this and searches with icontains.
"""

from django.db import migrations

CREATE = [
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    """
    DO $$ BEGIN
        IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = 'pt_unaccent') THEN
            CREATE TEXT SEARCH CONFIGURATION pt_unaccent (COPY = portuguese);
            ALTER TEXT SEARCH CONFIGURATION pt_unaccent
                ALTER MAPPING FOR hword, hword_part, word WITH unaccent, portuguese_stem;
        END IF;
    END $$
    """,
    "DROP INDEX IF EXISTS comment_text_trgm_idx",
    "CREATE INDEX IF NOT EXISTS comment_text_fts_idx ON comments_comment "
    "USING gin (to_tsvector('pt_unaccent'::regconfig, text)) WITH (fastupdate = on)",
]
DROP = [
    "DROP INDEX IF EXISTS comment_text_fts_idx",
    "CREATE INDEX IF NOT EXISTS comment_text_trgm_idx "
    "ON comments_comment USING gin (UPPER(text) gin_trgm_ops)",
]


def run_on_postgres(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for sql in statements:
                schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("comments", "0003_drop_redundant_fk_indexes")]
    operations = [migrations.RunPython(run_on_postgres(CREATE), run_on_postgres(DROP))]
