"""Comments from listeners, the canonical tag taxonomy and the tags each comment carries."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from comments.choices import Category, FailureKind, Source, Status

__all__ = [
    "Category",
    "Comment",
    "CommentSearch",
    "CommentTag",
    "ExportJob",
    "FailureKind",
    "ReviewQueueComment",
    "Source",
    "Status",
    "Tag",
    "TagOrigin",
]


class Comment(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    text = models.TextField(_("texto"))
    source = models.CharField(
        _("origem"), max_length=10, choices=Source.choices, default=Source.API
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("enviado por"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="submitted_comments",
        db_index=False,  # comment_submitter_idx starts with this column
    )
    received_at = models.DateTimeField(_("recebido em"), default=timezone.now)
    # When classification was last enqueued; the sweeper re-enqueues stale PENDENTE rows.
    enqueued_at = models.DateTimeField(_("enfileirado em"), null=True, blank=True)

    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.PENDING
    )
    category = models.CharField(  # noqa: DJ001 - NULL means "not classified yet"
        _("categoria"), max_length=10, choices=Category.choices, null=True, blank=True
    )
    confidence = models.FloatField(_("confiança"), null=True, blank=True)
    # Probability gap between the two most likely labels; small gaps go to review.
    margin = models.FloatField(_("margem"), null=True, blank=True)
    tags: models.ManyToManyField[Tag, CommentTag] = models.ManyToManyField(
        "Tag", through="CommentTag", related_name="comments", blank=True
    )

    claimed_at = models.DateTimeField(_("em processamento desde"), null=True, blank=True)
    classified_at = models.DateTimeField(_("classificado em"), null=True, blank=True)
    classifier_backend = models.CharField(_("backend"), max_length=20, blank=True)
    classifier_model = models.CharField(_("modelo"), max_length=100, blank=True)
    prompt_version = models.CharField(_("versão do prompt/modelo"), max_length=50, blank=True)
    attempts = models.PositiveSmallIntegerField(_("tentativas"), default=0)
    last_error = models.TextField(_("último erro"), blank=True)
    # db_default too: bulk loaders (COPY in comments/generation.py) leave the column out.
    failure_kind = models.CharField(
        _("tipo de falha"),
        max_length=10,
        choices=FailureKind.choices,
        blank=True,
        default="",
        db_default="",
    )
    # Start of the current run of transient failures: retries stop once CLASSIFY_RETRY_BUDGET
    # has passed since then (issue 11), however many attempts that took.
    retrying_since = models.DateTimeField(_("tentando novamente desde"), null=True, blank=True)

    needs_review = models.BooleanField(_("precisa de revisão"), default=False)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("revisado por"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reviewed_comments",
        # Every index costs each write of the pipeline; nothing lists comments by reviewer.
        db_index=False,
    )
    reviewed_at = models.DateTimeField(_("revisado em"), null=True, blank=True)
    category_set_by_human = models.BooleanField(_("categoria definida por curador"), default=False)
    tags_set_by_human = models.BooleanField(_("tags definidas por curador"), default=False)

    class Meta:
        verbose_name = _("comentário")
        verbose_name_plural = _("comentários")
        ordering = ("-received_at", "-id")
        indexes = [
            # Newest-first listing, cursor pagination and the report's time windows.
            models.Index(fields=["-received_at", "-id"], name="comment_received_idx"),
            models.Index(fields=["status", "-received_at"], name="comment_status_idx"),
            # Classified rows only: every new comment has no category yet, and indexing those
            # NULLs cost each ingested 1,000 rows ~1.5 ms of PostgreSQL CPU for no query.
            models.Index(
                fields=["category", "-received_at"],
                condition=Q(category__isnull=False),
                name="comment_category_idx",
            ),
            models.Index(fields=["submitted_by", "-received_at"], name="comment_submitter_idx"),
            # The curators' review queue is a small slice of the table.
            models.Index(
                fields=["-received_at"],
                condition=Q(needs_review=True),
                name="comment_review_queue_idx",
            ),
            # The review queue's order: lowest confidence first (issue 8).
            models.Index(
                fields=["confidence", "id"],
                condition=Q(needs_review=True),
                name="comment_review_conf_idx",
            ),
            # The dashboard's most frequent errors: an index-only scan of the failed slice
            # instead of one heap page per failed comment (~120 ms at 1M, docs/performance.md).
            models.Index(
                fields=["last_error"],
                condition=Q(status="FALHOU"),
                name="comment_failed_error_idx",
            ),
            # The sweeper looks for stale PENDENTE/PROCESSANDO rows only.
            models.Index(
                fields=["status", "enqueued_at"],
                condition=Q(status__in=["PENDENTE", "PROCESSANDO"]),
                name="comment_unfinished_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(confidence__isnull=True) | Q(confidence__gte=0, confidence__lte=1),
                name="comment_confidence_0_1",
            ),
            models.CheckConstraint(
                condition=Q(status__in=Status.values), name="comment_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(category__isnull=True) | Q(category__in=Category.values),
                name="comment_category_valid",
            ),
            models.CheckConstraint(
                condition=~Q(status="CONCLUIDO") | Q(category__isnull=False),
                name="comment_done_has_category",
            ),
        ]

    def __str__(self) -> str:
        return self.text[:80]


class CommentSearch(models.Model):
    """A comment's full-text search document, in a table of its own (issue 12).

    Kept out of comments_comment so that neither the ingestion INSERT nor the pipeline's two
    non-HOT UPDATEs (claim, results) pay the GIN index and `to_tsvector`: the worker writes the
    row once, when it claims the comment (comments/search.py). Its GIN index (fastupdate, small
    pending list) is created by migration 0009 on PostgreSQL only; SQLite searches with
    icontains and never writes here.
    """

    comment = models.OneToOneField(
        Comment, primary_key=True, on_delete=models.CASCADE, related_name="search_document"
    )
    document = SearchVectorField(_("documento de busca"))

    class Meta:
        verbose_name = _("documento de busca")
        verbose_name_plural = _("documentos de busca")

    def __str__(self) -> str:
        return str(self.comment_id)


class TagOrigin(models.TextChoices):
    TAXONOMY = "taxonomy", _("Taxonomia")
    LLM = "llm", _("Sugerida pelo LLM")
    CURATOR = "curator", _("Criada por curador")


class Tag(models.Model):
    code = models.SlugField(_("código"), max_length=60, unique=True)
    description = models.CharField(_("descrição"), max_length=255, blank=True)
    origin = models.CharField(
        _("origem"), max_length=10, choices=TagOrigin.choices, default=TagOrigin.TAXONOMY
    )
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("mesclada em"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="aliases",
    )
    created_at = models.DateTimeField(_("criada em"), auto_now_add=True)

    class Meta:
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        ordering = ("code",)
        constraints = [
            models.CheckConstraint(
                condition=Q(code__regex=r"^[a-z0-9]+(_[a-z0-9]+)*$"), name="tag_code_snake_case"
            ),
            models.CheckConstraint(
                condition=~Q(merged_into=models.F("id")), name="tag_not_merged_into_itself"
            ),
        ]

    def __str__(self) -> str:
        return self.code


class CommentTag(models.Model):
    # The unique (comment, tag) and the (tag, comment) indexes already lead with each column.
    comment = models.ForeignKey(
        Comment, on_delete=models.CASCADE, related_name="comment_tags", db_index=False
    )
    tag = models.ForeignKey(
        Tag, on_delete=models.CASCADE, related_name="comment_tags", db_index=False
    )
    explanation = models.CharField(_("explicação"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("tag do comentário")
        verbose_name_plural = _("tags do comentário")
        constraints = [
            models.UniqueConstraint(fields=["comment", "tag"], name="comment_tag_unique"),
        ]
        indexes = [models.Index(fields=["tag", "comment"], name="commenttag_tag_idx")]

    def __str__(self) -> str:
        return f"{self.comment_id}:{self.tag_id}"


class ReviewQueueComment(Comment):
    """The comments waiting for a curator, as their own admin page (lowest confidence first)."""

    class Meta:
        proxy = True
        verbose_name = _("comentário a revisar")
        verbose_name_plural = _("fila de revisão")


class ExportFormat(models.TextChoices):
    CSV = "csv", "CSV"
    JSON = "json", "JSON"
    XLSX = "xlsx", "XLSX"


class ExportStatus(models.TextChoices):
    QUEUED = "queued", _("Na fila")
    RUNNING = "running", _("Gerando")
    DONE = "done", _("Pronto")
    FAILED = "failed", _("Falhou")
    EXPIRED = "expired", _("Expirado")


class ExportJob(models.Model):
    """A large export written by a worker to a file the curator downloads (issue 8)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("pedido por"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="export_jobs",
    )
    file_format = models.CharField(_("formato"), max_length=4, choices=ExportFormat.choices)
    # The pickled `QuerySet.query` of the filtered list (Django documents this way to rebuild
    # a queryset elsewhere); written by the server only, never from user input.
    query = models.BinaryField(_("consulta"))
    status = models.CharField(
        _("situação"), max_length=10, choices=ExportStatus.choices, default=ExportStatus.QUEUED
    )
    total_rows = models.PositiveIntegerField(_("linhas previstas"), default=0)
    rows_written = models.PositiveIntegerField(_("linhas gravadas"), default=0)
    file_name = models.CharField(_("arquivo"), max_length=255, blank=True)
    error = models.TextField(_("erro"), blank=True)
    created_at = models.DateTimeField(_("pedido em"), auto_now_add=True)
    finished_at = models.DateTimeField(_("concluído em"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expira em"), null=True, blank=True)

    class Meta:
        verbose_name = _("exportação")
        verbose_name_plural = _("exportações")
        ordering = ("-created_at",)

    def __str__(self) -> str:
        return f"{self.get_file_format_display()} {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def progress_percent(self) -> int:
        if self.status == ExportStatus.DONE:
            return 100
        return min(99, self.rows_written * 100 // self.total_rows) if self.total_rows else 0
