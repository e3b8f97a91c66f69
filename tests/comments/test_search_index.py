"""The full-text index keeps inserts cheap: fastupdate on, with a small pending list (issue 12)."""

from __future__ import annotations

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db


def test_the_search_index_batches_inserts_in_a_small_pending_list():
    with connection.cursor() as cursor:
        cursor.execute("SELECT reloptions FROM pg_class WHERE relname = 'comment_text_fts_idx'")
        (options,) = cursor.fetchone()
    assert set(options) >= {"fastupdate=on", "gin_pending_list_limit=512"}
