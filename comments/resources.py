"""django-import-export resources: how comments are exported from the admin (CSV, JSON, XLSX).

Export only. Importing goes through `comments_ingest`, the one ingestion service (DESIGN §4.1),
so an admin import is validated, deduplicated and classified like any other entry point.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db.models import Prefetch, QuerySet
from import_export import fields, resources

from .models import Comment, CommentTag

# A spreadsheet evaluates a cell that starts with one of these as a formula (CSV injection);
# tab and carriage return are on OWASP's list too.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
EXPORT_CHUNK_SIZE = 2_000


def escape_formula(value: Any) -> Any:
    """Prefix a formula-looking string with an apostrophe so spreadsheets show it as text."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


class FormulaSafeResource(resources.ModelResource):
    """A resource whose every exported cell is safe to open in Excel, LibreOffice or Sheets."""

    def export_field(self, field: fields.Field, instance: Any, **kwargs: Any) -> Any:
        # The admin turns this off for JSON, which programs read: its texts leave verbatim.
        escape = kwargs.pop("escape_formulas", True)
        value = super().export_field(field, instance, **kwargs)
        return escape_formula(value) if escape else value


class CommentResource(FormulaSafeResource):
    """Comments with the column names of the API (`texto`, `categoria`, `confianca` …)."""

    texto = fields.Field(attribute="text", column_name="texto")
    categoria = fields.Field(attribute="category", column_name="categoria")
    confianca = fields.Field(attribute="confidence", column_name="confianca")
    tags = fields.Field(column_name="tags")
    data_recebimento = fields.Field(attribute="received_at", column_name="data_recebimento")
    origem = fields.Field(attribute="source", column_name="origem")
    precisa_revisao = fields.Field(attribute="needs_review", column_name="precisa_revisao")
    backend = fields.Field(attribute="classifier_backend", column_name="backend")

    class Meta:
        model = Comment
        fields = (
            "id",
            "texto",
            "status",
            "categoria",
            "confianca",
            "tags",
            "data_recebimento",
            "origem",
            "precisa_revisao",
            "backend",
        )
        export_order = fields
        chunk_size = EXPORT_CHUNK_SIZE

    def dehydrate_tags(self, comment: Comment) -> str:
        return ", ".join(link.tag.code for link in comment.comment_tags.all())

    def filter_export(self, queryset: QuerySet[Comment], **kwargs: Any) -> QuerySet[Comment]:
        tags = Prefetch("comment_tags", queryset=CommentTag.objects.select_related("tag"))
        # The admin's list already prefetches tags; one prefetch of the same name, not two.
        return queryset.select_related(None).prefetch_related(None).prefetch_related(tags)

    def iter_queryset(self, queryset: QuerySet[Comment]) -> Iterator[Comment]:
        # Django prefetches per chunk with iterator(); the library's fallback for prefetching
        # querysets is OFFSET pagination, which degrades quadratically on large exports.
        yield from queryset.iterator(chunk_size=self.get_chunk_size())
