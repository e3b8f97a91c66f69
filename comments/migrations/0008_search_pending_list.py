"""A smaller pending list for the full-text GIN index (issue 12).

With `fastupdate` the index collects new entries in a pending list and merges it into the tree
when it fills; the INSERT that fills it pays the merge inside its request. At the default 4 MB
that merge was most of ingestion's p99 (257–351 ms per 1,000-row batch against 164–205 ms at
512 kB, for the same CPU; docs/performance-history.md): more, shorter pauses instead of a few long ones.
"""

from django.db import migrations

FORWARD = "ALTER INDEX IF EXISTS comment_text_fts_idx SET (gin_pending_list_limit = 512)"
BACKWARD = "ALTER INDEX IF EXISTS comment_text_fts_idx RESET (gin_pending_list_limit)"


def run_on_postgres(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("comments", "0007_failed_error_index")]
    operations = [migrations.RunPython(run_on_postgres(FORWARD), run_on_postgres(BACKWARD))]
